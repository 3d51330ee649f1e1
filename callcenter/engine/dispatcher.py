"""ACD dispatch: match waiting callers with free agents the moment either appears.

No polling: a caller joining a queue or an agent turning available wakes one matcher
greenlet; it offers calls until no caller/agent pair is left. Each offer runs in its own
greenlet (originate the agent leg, then bridge or give the caller back its place).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import gevent
from gevent.event import Event

from callcenter.acd.agents import Agent, AgentState
from callcenter.acd.routing import WaitingCall, longest_idle_agent
from callcenter.engine.agents import AgentBook
from callcenter.engine.bus import AgentMissed, AgentOffered, Bus
from callcenter.logs import get_logger

log = get_logger(__name__)


class OfferTarget(Protocol):
    """What the dispatcher needs from a waiting call (implemented by the call handler)."""

    call_uuid: str
    caller_number: str

    def is_gone(self) -> bool:
        """Whether the caller has hung up."""

    def connect_agent(self, agent: Agent, agent_leg_uuid: str) -> bool:
        """Bridge the answered agent leg to the caller; False if the caller is gone."""


class AgentDialer(Protocol):
    """Rings an agent's phone (implemented on the inbound ESL connection)."""

    def ring(self, agent: Agent, call: OfferTarget, leg_uuid: str, timeout: float) -> str:
        """Ring and wait; ``'+OK'`` when answered, else the hangup cause (NO_ANSWER, ...)."""

    def cancel(self, leg_uuid: str) -> None:
        """Hang up a ringing agent leg at once."""


@dataclass
class QueuePolicy:
    """Per-queue knobs the dispatcher needs."""

    ring_timeout: float = 15.0
    max_no_answer: int = 3
    wrap_up_seconds: float = 0.0


@dataclass
class _Waiting:
    entry: WaitingCall
    target: OfferTarget
    offering: str = ""  # agent leg uuid while an offer is out
    policy: QueuePolicy = field(default_factory=QueuePolicy)


class Dispatcher:
    """Waiting callers per queue, and the offers in flight."""

    def __init__(
        self,
        bus: Bus,
        agents: AgentBook,
        dialer: AgentDialer,
        policies: Callable[[str], QueuePolicy] = lambda queue: QueuePolicy(),
        new_leg_uuid: Callable[[], str] | None = None,
    ) -> None:
        import uuid

        self._bus = bus
        self._agents = agents
        self._dialer = dialer
        self._policies = policies
        self._new_leg_uuid = new_leg_uuid or (lambda: str(uuid.uuid4()))
        self._waiting: dict[str, _Waiting] = {}
        self._wake = Event()
        self._matcher = gevent.spawn(self._match_forever)
        agents.on_change(self._on_agent_change)

    # -- callers ------------------------------------------------------------------------------

    def enqueue(self, entry: WaitingCall, target: OfferTarget) -> None:
        """A caller joins a queue (keeps ``entry.enqueued_at``: re-queueing keeps the place)."""
        self._waiting[entry.call_uuid] = _Waiting(entry, target, policy=self._policies(entry.queue))
        self._wake.set()

    def leave(self, call_uuid: str) -> None:
        """The caller hung up or was taken out: cancel a ringing agent at once."""
        waiting = self._waiting.pop(call_uuid, None)
        if waiting is not None and waiting.offering:
            self._dialer.cancel(waiting.offering)

    def waiting(self) -> list[WaitingCall]:
        """Callers still waiting (not being offered)."""
        return [w.entry for w in self._waiting.values() if not w.offering]

    def stop(self) -> None:
        """Stop matching (offers in flight finish on their own)."""
        self._matcher.kill()

    # -- matching -----------------------------------------------------------------------------

    def _on_agent_change(self, agent: Agent) -> None:
        if agent.state == AgentState.AVAILABLE:
            self._wake.set()

    def _match_forever(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                self._match()
            except Exception:
                log.exception("dispatcher match failed")

    def _match(self) -> None:
        while True:
            pair = self._next_pair()
            if pair is None:
                return
            waiting, agent = pair
            leg_uuid = self._new_leg_uuid()
            waiting.offering = leg_uuid
            self._agents.apply(agent.agent_id, "reserve", waiting.entry.call_uuid)
            gevent.spawn(self._offer, waiting, agent.agent_id, leg_uuid)

    def _next_pair(self) -> tuple[_Waiting, Agent] | None:
        candidates = sorted(
            (w for w in self._waiting.values() if not w.offering),
            key=lambda w: w.entry.sort_key(),
        )
        agents = self._agents.all()
        for waiting in candidates:
            agent = longest_idle_agent(agents, waiting.entry.queue, waiting.entry.enqueued_at)
            if agent is not None:
                return waiting, agent
        return None

    def _offer(self, waiting: _Waiting, agent_id: str, leg_uuid: str) -> None:
        call = waiting.target
        call_uuid = waiting.entry.call_uuid
        agent = self._agents.apply(agent_id, "ring")
        self._bus.publish(
            AgentOffered(call_uuid=call_uuid, agent_id=agent_id, agent_leg_uuid=leg_uuid)
        )
        try:
            result = self._dialer.ring(agent, call, leg_uuid, waiting.policy.ring_timeout)
        except Exception as exc:  # the switch is gone: treat as a failed offer
            log.warning(
                "agent offer failed", call_uuid=call_uuid, agent_id=agent_id, error=str(exc)
            )
            result = "SWITCH_ERROR"
        if result == "+OK":
            self._waiting.pop(call_uuid, None)
            if not call.is_gone() and call.connect_agent(self._agents.get(agent_id), leg_uuid):
                self._agents.apply(agent_id, "answer")
            else:  # the caller left while the agent picked up
                self._dialer.cancel(leg_uuid)
                self._agents.apply(agent_id, "release")
            return
        if call.is_gone() or call_uuid not in self._waiting:
            self._agents.apply(agent_id, "release")  # cancelled because the caller left
            return
        self._bus.publish(AgentMissed(call_uuid=call_uuid, agent_id=agent_id, cause=result))
        self._agents.apply(agent_id, "miss", waiting.policy.max_no_answer, result)
        if call_uuid in self._waiting:
            waiting.offering = ""  # back in line with its original place
            self._wake.set()
