"""The engine's agents: domain transitions carried out, mirrored to Redis and the state log."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from callcenter.acd.agents import Agent, AgentState, AgentStateError
from callcenter.engine.bus import AgentStateChanged, Bus, utcnow
from callcenter.live.errors import LiveError
from callcenter.live.names import WALLBOARD, agent_channel
from callcenter.live.store import LiveStore
from callcenter.logs import get_logger

log = get_logger(__name__)

StateLogSink = Callable[[Agent, Agent], None]


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return (moment.astimezone(UTC) if moment.tzinfo else moment).isoformat()


class AgentBook:
    """All agents this engine knows, by id; every change goes to Redis, the bus and the log."""

    def __init__(
        self,
        bus: Bus,
        live: LiveStore | None,
        agents: Iterable[Agent] = (),
        state_log: StateLogSink | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._bus = bus
        self._live = live
        self._state_log = state_log
        self._clock = clock
        self._agents: dict[str, Agent] = {a.agent_id: a for a in agents}
        self._listeners: list[Callable[[Agent], None]] = []

    def on_change(self, listener: Callable[[Agent], None]) -> None:
        """Call ``listener`` with the new value after every change (e.g. to route calls)."""
        self._listeners.append(listener)

    def get(self, agent_id: str) -> Agent:
        """The agent, or :class:`AgentStateError` naming the unknown id."""
        try:
            return self._agents[agent_id]
        except KeyError:
            raise AgentStateError(f"no agent {agent_id!r}") from None

    def by_extension(self, extension: str) -> Agent | None:
        """The agent whose softphone is ``extension``."""
        return next((a for a in self._agents.values() if a.extension == extension), None)

    def all(self) -> list[Agent]:
        """Every agent."""
        return list(self._agents.values())

    def add(self, agent: Agent) -> None:
        """Know a new agent (or replace its static data)."""
        self._agents[agent.agent_id] = agent
        self._mirror(agent)

    def publish_all(self) -> None:
        """Write every agent to Redis (start-up and after a Redis restart)."""
        for agent in self._agents.values():
            self._mirror(agent)

    def apply(self, agent_id: str, action: str, *args: object, **kwargs: object) -> Agent:
        """Run a domain transition (``login``, ``ready``, ``miss``, ...) and record it."""
        before = self.get(agent_id)
        after: Agent = getattr(before, action)(self._clock(), *args, **kwargs)
        self._agents[agent_id] = after
        log.info(
            "agent state",
            agent_id=agent_id,
            action=action,
            state=str(after.state),
            reason=after.reason,
            call_uuid=after.call_uuid or None,
        )
        if self._state_log is not None and (before.state, before.reason) != (
            after.state,
            after.reason,
        ):
            self._state_log(before, after)
        self._mirror(after)
        self._bus.publish(
            AgentStateChanged(
                agent_id=agent_id,
                state=str(after.state),
                reason=after.reason,
                call_uuid=after.call_uuid,
            )
        )
        for listener in self._listeners:
            listener(after)
        return after

    def _mirror(self, agent: Agent) -> None:
        if self._live is None:
            return
        fields = {
            "extension": agent.extension,
            "state": str(agent.state),
            "reason": agent.reason,
            "since": _iso(agent.since),
            "call_uuid": agent.call_uuid,
            "queues": ",".join(agent.queues),
            "calls_answered": agent.calls_answered,
            # when wrap-up ends / when offers resume after a miss (ISO UTC, empty: none)
            "wrap_up_until": _iso(agent.wrap_up_until),
            "available_after": _iso(agent.available_after),
        }
        try:
            self._live.put_agent(agent.agent_id, **fields)
            message = {"agent": {"agent_id": agent.agent_id, **fields}}
            self._live.publish(WALLBOARD, message)
            # The agent's own desktop listens on its channel only (not the whole wallboard).
            self._live.publish(agent_channel(agent.agent_id), message)
        except LiveError:  # Redis down must not stop call handling; state is re-published
            log.warning("could not mirror agent state to Redis", agent_id=agent.agent_id)

    def available_count(self) -> int:
        """How many agents are available right now."""
        return sum(a.state == AgentState.AVAILABLE for a in self._agents.values())
