"""The engine's agents: domain transitions carried out, mirrored to Redis and the state log."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from callcenter.acd.agents import Agent, AgentState, AgentStateError, Skills, Tier
from callcenter.engine.bus import AgentStateChanged, Bus, utcnow
from callcenter.live.errors import LiveError
from callcenter.live.names import WALLBOARD, agent_channel
from callcenter.live.reservation import Reservations
from callcenter.live.store import LiveStore
from callcenter.logs import get_logger

log = get_logger(__name__)

StateLogSink = Callable[[Agent, Agent], None]


# States in which the agent belongs to the engine (node) that holds its offer or call.
HELD = frozenset(
    {AgentState.RESERVED, AgentState.RINGING, AgentState.ON_CALL, AgentState.ON_HOLD,
     AgentState.WRAP_UP}
)  # fmt: skip

# What a deactivated agent may not do (it would undo its sign-out or take calls again).
RETIRED_REFUSES = frozenset({"login", "ready", "not_ready", "dial"})


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return (moment.astimezone(UTC) if moment.tzinfo else moment).isoformat()


def _moment(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


class AgentBook:
    """All agents this engine knows, by id; every change goes to Redis, the bus and the log."""

    def __init__(
        self,
        bus: Bus,
        live: LiveStore | None,
        agents: Iterable[Agent] = (),
        state_log: StateLogSink | None = None,
        clock: Callable[[], datetime] = utcnow,
        *,
        node: str = "",
        reservations: Reservations | None = None,
    ) -> None:
        self._bus = bus
        self._live = live
        self.node = node
        self._reservations = reservations
        self._state_log = state_log
        self._clock = clock
        self._agents: dict[str, Agent] = {a.agent_id: a for a in agents}
        self._retired: set[str] = set()  # deactivated: signed out, may not sign in again
        self._listeners: list[Callable[[Agent], None]] = []

    def on_change(self, listener: Callable[[Agent], None]) -> None:
        """Call ``listener`` with the new value after every change (e.g. to route calls)."""
        self._listeners.append(listener)

    def get(self, agent_id: str) -> Agent:
        """The agent, or :class:`AgentStateError` naming the unknown id."""
        try:
            return self._agents[agent_id]
        except KeyError:
            raise AgentStateError("unknown_agent", agent=agent_id) from None

    def by_extension(self, extension: str) -> Agent | None:
        """The agent whose softphone is ``extension``."""
        return next((a for a in self._agents.values() if a.extension == extension), None)

    def all(self) -> list[Agent]:
        """Every agent."""
        return list(self._agents.values())

    def add(self, agent: Agent) -> None:
        """Know a new agent (or replace its static data)."""
        self._agents[agent.agent_id] = agent
        self.mirror(agent)

    def restore(self) -> list[Agent]:
        """Start-up: take each agent's state from Redis (signed-in agents stay signed in
        across an engine restart, and other engines' agents keep theirs); agents Redis does
        not know are published logged out. Returns the agents this node held (on an offer, a
        call or in wrap-up when the old process stopped): the engine takes their calls over
        or :meth:`release` s them."""
        held = []
        for agent_id in list(self._agents):
            fields = self._adopt(agent_id)
            agent = self._agents[agent_id]
            if agent.state in HELD and fields.get("node", "") in ("", self.node):
                held.append(agent)
        return held

    def _adopt(self, agent_id: str) -> dict[str, str]:
        """Take a known agent's state from Redis, or publish it there (Redis has none)."""
        try:
            fields = self._live.get_agent(agent_id) if self._live is not None else {}
        except LiveError:
            fields = {}
        if fields.get("state"):
            self.sync(agent_id, fields)
        else:
            self.mirror(self._agents[agent_id])
        return fields

    def reload(self, agents: Iterable[Agent]) -> None:
        """Take the set-up (extension, queues, tiers, skills) from ``agents`` as the admin
        saved it, keeping each agent's live state: it applies to the next offer. A new agent
        can sign in at once; one no longer in ``agents`` (deactivated) is signed out - after
        its current call - and never offered a call again."""
        fresh = {agent.agent_id: agent for agent in agents}
        for agent_id, row in fresh.items():
            self._retired.discard(agent_id)
            known = self._agents.get(agent_id)
            if known is None:
                self._agents[agent_id] = row
                self._adopt(agent_id)
                continue
            self._set_up(known, row.extension, row.queues, row.tiers, row.skills)
        for agent_id in set(self._agents) - set(fresh):
            self._retire(agent_id)

    def _set_up(self, agent: Agent, extension: str, queues: tuple[str, ...],
                tiers: tuple[Tier, ...], skills: Skills) -> None:  # fmt: skip
        new = replace(agent, extension=extension, queues=queues, tiers=tiers, skills=skills)
        if new == agent:
            return
        self._agents[agent.agent_id] = new
        log.info("agent set-up reloaded", agent_id=agent.agent_id, queues=",".join(queues))
        self.mirror(new)
        for listener in self._listeners:
            listener(new)

    def _retire(self, agent_id: str) -> None:
        """No queue any more (never offered again); signed out now, or after its call."""
        self._retired.add(agent_id)
        agent = self._agents[agent_id]
        self._set_up(agent, agent.extension, (), (), ())
        agent = self._agents[agent_id]
        if agent.state == AgentState.LOGGED_OUT:
            return
        if agent.state in HELD and not self._holds(agent_id):
            return  # the engine holding its call signs it out
        if agent.pending != "logout":
            self.apply(agent_id, "logout")

    def _holds(self, agent_id: str) -> bool:
        try:
            node = self._live.get_agent(agent_id).get("node", "") if self._live else ""
        except LiveError:
            node = ""
        return node in ("", self.node)

    def release(self, agent_id: str) -> None:
        """An agent whose offer or call died with the old process: not_ready('restart'), so
        it is not offered until the agent says ready."""
        self._agents[agent_id] = replace(
            self._agents[agent_id], state=AgentState.NOT_READY, reason="restart", call_uuid="",
            since=self._clock(), wrap_up_until=None,
        )  # fmt: skip
        self.mirror(self._agents[agent_id])
        log.warning("agent's call was lost in a restart", agent_id=agent_id)

    def sync(self, agent_id: str, fields: Mapping[str, str]) -> None:
        """Take an agent's state as another engine wrote it (no log, no mirror: it is theirs);
        listeners hear of it, so a waiting caller is offered an agent freed elsewhere."""
        agent = self._agents.get(agent_id)
        try:
            state = AgentState(fields.get("state", ""))
        except ValueError:
            return
        if agent is None:
            return
        new = replace(
            agent,
            state=state,
            reason=fields.get("reason", "") or "",
            since=_moment(fields.get("since")) or agent.since,
            call_uuid=fields.get("call_uuid", "") or "",
            wrap_up_until=_moment(fields.get("wrap_up_until")),
            available_after=_moment(fields.get("available_after")),
            pending=fields.get("pending", "") or "",
        )
        if new == agent:
            return
        self._agents[agent_id] = new
        for listener in self._listeners:
            listener(new)

    def is_older(self, agent_id: str, fields: Mapping[str, str]) -> bool:
        """Whether ``fields`` (another engine's message) describe a state older than the one
        known here: messages can arrive after this engine's own later change."""
        agent, since = self._agents.get(agent_id), _moment(fields.get("since"))
        if agent is None or since is None or agent.since is None:
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        known = agent.since if agent.since.tzinfo else agent.since.replace(tzinfo=UTC)
        return since < known

    def claim(self, agent_id: str, call_uuid: str, ttl: float) -> bool:
        """Reserve the agent in Redis in one atomic step before offering it a call, so engines
        sharing agents never offer one twice. False: another engine has it (now known here).
        Without reservations (or with Redis down) the local book alone decides."""
        if self._reservations is None:
            return True
        try:
            outcome = self._reservations.reserve(agent_id, call_uuid, ttl=ttl)
            if outcome.ok:
                return True
            log.info("agent taken by another engine", agent_id=agent_id, reason=outcome.reason)
            if self._live is not None:
                self.sync(agent_id, self._live.get_agent(agent_id))
        except LiveError as exc:
            log.warning("agent reservation unavailable", agent_id=agent_id, error=str(exc))
            return True
        return False

    def apply(
        self, agent_id: str, action: str, *args: object, mirror: bool = True, **kwargs: object
    ) -> Agent:
        """Run a domain transition (``login``, ``ready``, ``miss``, ...) and record it
        (``mirror=False``: not written to Redis, which already has it)."""
        before = self.get(agent_id)
        if agent_id in self._retired and action in RETIRED_REFUSES:
            raise AgentStateError("agent_deactivated", agent=agent_id)
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
        if mirror:
            self.mirror(after)
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

    def mirror(self, agent: Agent) -> None:
        """Write the agent's state to Redis and tell the wallboard and its desktop (one round
        trip; ``apply`` does it unless told not to)."""
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
            # what the agent asked for after this call: "not_ready:<reason>", "logout" or ""
            "pending": agent.pending,
            # the engine holding the agent's offer or call (commands are carried out there)
            "node": self.node if agent.state in HELD else "",
        }
        message = {"agent": {"agent_id": agent.agent_id, **fields}, "origin": self.node}
        # The agent's own desktop listens on its channel only (not the whole wallboard).
        channels = {WALLBOARD: message, agent_channel(agent.agent_id): message}
        try:  # one round trip
            self._live.put("agent", agent.agent_id, fields, publish=channels)
        except LiveError:  # Redis down must not stop call handling; the next change is mirrored
            log.warning("could not mirror agent state to Redis", agent_id=agent.agent_id)

    def available_count(self) -> int:
        """How many agents are available right now."""
        return sum(a.state == AgentState.AVAILABLE for a in self._agents.values())
