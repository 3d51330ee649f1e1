"""ACD dispatch: match waiting callers with free agents the moment either appears.

No polling: a caller joining a queue, an agent turning available, a queue's skill
requirement widening or an agent's delay after a missed offer running out (timers set for
those moments) wakes one matcher greenlet; it offers calls until no caller/agent pair is
left. Each offer runs in its own greenlet (originate the agent leg, then bridge or give the
caller back its place in line).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import gevent
from gevent.event import Event

from callcenter.acd.agents import Agent, AgentState, MissDelays
from callcenter.acd.line import WaitingLine
from callcenter.acd.routing import WaitingCall
from callcenter.acd.strategies import QueueConfig, RoutingState, choose_for_queue, next_change_at
from callcenter.engine.agents import AgentBook
from callcenter.engine.bus import AgentMissed, AgentOffered, Bus, utcnow
from callcenter.engine.queue_wait import WaitRules
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
    """Per-queue knobs: routing (strategy, skills, tiers) and offer timing."""

    ring_timeout: float = 15.0
    max_no_answer: int = 3
    wrap_up_seconds: float = 0.0
    routing: QueueConfig | None = None
    wait: WaitRules = field(default_factory=WaitRules)

    def config(self, queue: str) -> QueueConfig:
        """The routing config (longest-idle-agent when the queue has none)."""
        return self.routing or QueueConfig(queue)


@dataclass
class _Offer:
    entry: WaitingCall
    target: OfferTarget
    policy: QueuePolicy
    leg_uuid: str = ""  # set while an agent is being rung
    timers: list[gevent.Greenlet] = field(default_factory=list)


class Dispatcher:
    """Waiting callers per queue, and the offers in flight."""

    def __init__(
        self,
        bus: Bus,
        agents: AgentBook,
        dialer: AgentDialer,
        policies: Callable[[str], QueuePolicy] = lambda queue: QueuePolicy(),
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        miss_delays: MissDelays | None = None,
    ) -> None:
        self._bus = bus
        self._agents = agents
        self._dialer = dialer
        self._policies = policies
        self._clock = clock
        self._rng = rng or random.Random()
        # seconds an agent is skipped after a missed offer, by cause (routing settings)
        self.miss_delays = miss_delays or MissDelays()
        # How long a reservation outlives the ring timeout before another engine may free it
        # (the agent is dialled, then e.g. a callback's customer rings too).
        self.claim_grace = 60.0
        self._delay_timers: dict[str, gevent.Greenlet] = {}  # agent id -> wake at delay end
        self._calls: dict[str, _Offer] = {}
        self._line = WaitingLine()  # callers not being offered right now, in order
        self._routing: dict[str, RoutingState] = {}
        self._wake = Event()
        self._matcher = gevent.spawn(self._match_forever)
        agents.on_change(self._on_agent_change)

    # -- callers ------------------------------------------------------------------------------

    def enqueue(self, entry: WaitingCall, target: OfferTarget) -> None:
        """A caller joins a queue (keeps ``entry.enqueued_at``: re-queueing keeps the place)."""
        self._calls[entry.call_uuid] = _Offer(entry, target, self._policies(entry.queue))
        self._line.join(entry)
        self._wake.set()

    def leave(self, call_uuid: str) -> None:
        """The caller hung up or was taken out: cancel a ringing agent at once."""
        self.withdraw(call_uuid)

    def withdraw(self, call_uuid: str) -> bool:
        """Take a caller out of line (cancelling a ringing agent); False if it was not in
        line any more - e.g. an agent answered and is being bridged to it."""
        offer = self._calls.pop(call_uuid, None)
        self._line.leave(call_uuid)
        if offer is None:
            return False
        gevent.killall(offer.timers, block=False)
        if offer.leg_uuid:
            self._dialer.cancel(offer.leg_uuid)
        return True

    def staff(self, queue: str) -> tuple[int, int, int]:
        """Agents of ``queue``: signed in, on duty (not not_ready), available right now."""
        signed_in = on_duty = free = 0
        for agent in self._agents.all():
            if queue not in agent.queues or agent.state == AgentState.LOGGED_OUT:
                continue
            signed_in += 1
            if agent.state != AgentState.NOT_READY:
                on_duty += 1
            if agent.state == AgentState.AVAILABLE:
                free += 1
        return signed_in, on_duty, free

    def policy(self, queue: str) -> QueuePolicy:
        """The queue's current policy (routing, timing, waiting rules)."""
        return self._policies(queue)

    def waiting(self) -> list[WaitingCall]:
        """Callers still waiting (not being offered), in queue order."""
        return [call for queue in self._line.queues() for call in self._line.calls(queue)]

    def position(self, call_uuid: str) -> int | None:
        """1-based place of a waiting caller in its queue."""
        return self._line.position(call_uuid)

    def stop(self) -> None:
        """Stop matching (offers in flight finish on their own)."""
        self._matcher.kill()
        gevent.killall(list(self._delay_timers.values()), block=False)

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
        progress = True
        taken: set[str] = set()  # agents another engine reserved first, this pass
        while progress:
            progress = False
            now = self._clock()
            # Only free agents can be offered (busy ones are most of a big center): no free
            # agent, nothing to do until one turns available (that wakes us again).
            agents = [
                agent
                for agent in self._agents.all()
                if agent.offerable(now) and agent.agent_id not in taken
            ]
            if not agents:
                return
            for queue in self._line.queues():
                config = self._policies(queue).config(queue)
                call, chosen, state = choose_for_queue(
                    config,
                    list(self._line.calls(queue)),
                    agents,
                    now,
                    self._routing.get(queue),
                    self._rng,
                )
                if call is None or not chosen:
                    self._arm_widening(config, queue, now)
                    continue
                offer = self._calls.get(call.call_uuid)
                if offer is None:  # left while we were away: never offer a gone caller
                    self._line.leave(call.call_uuid)
                    progress = True
                    break
                if self._start_offer(offer, chosen[0]):
                    self._routing[queue] = state
                else:
                    taken.add(chosen[0].agent_id)
                progress = True
                break  # agents changed: recompute from the top

    def _arm_widening(self, config: QueueConfig, queue: str, now: datetime) -> None:
        # Wake up when a waiting caller's requirements widen or a new agent tier opens.
        for call in self._line.calls(queue):
            at = next_change_at(config, call, now)
            offer = self._calls.get(call.call_uuid)
            if at is not None and offer is not None and not offer.timers:
                delay = max(0.0, (at - now).total_seconds())
                offer.timers.append(gevent.spawn_later(delay, self._rewake, call.call_uuid))

    def _arm_delay(self, agent_id: str, delay: float) -> None:
        # The agent was skipped for a while after a miss: match again the moment it ends.
        old = self._delay_timers.pop(agent_id, None)
        if old is not None:
            old.kill(block=False)
        self._delay_timers[agent_id] = gevent.spawn_later(delay, self._delay_over, agent_id)

    def _delay_over(self, agent_id: str) -> None:
        self._delay_timers.pop(agent_id, None)
        after = self._agents.get(agent_id).available_after
        left = (after - self._clock()).total_seconds() if after is not None else 0.0
        if left > 0:  # a timer may fire a little early: wait for the rest
            self._arm_delay(agent_id, left)
        else:
            self._wake.set()

    def _rewake(self, call_uuid: str) -> None:
        offer = self._calls.get(call_uuid)
        if offer is not None:
            offer.timers.clear()
        self._wake.set()

    def _start_offer(self, offer: _Offer, agent: Agent) -> bool:
        """Reserve the agent (atomically across engines) and ring it; False if it was taken."""
        ttl = offer.policy.ring_timeout + self.claim_grace
        if not self._agents.claim(agent.agent_id, offer.entry.call_uuid, ttl):
            return False
        offer.leg_uuid = str(uuid.uuid4())
        self._line.leave(offer.entry.call_uuid)
        self._agents.apply(agent.agent_id, "reserve", offer.entry.call_uuid)
        gevent.spawn(self._offer, offer, agent.agent_id, offer.leg_uuid)
        return True

    def _offer(self, offer: _Offer, agent_id: str, leg_uuid: str) -> None:
        call, call_uuid = offer.target, offer.entry.call_uuid
        agent = self._agents.apply(agent_id, "ring")
        self._bus.publish(
            AgentOffered(call_uuid=call_uuid, agent_id=agent_id, agent_leg_uuid=leg_uuid)
        )
        try:
            result = self._dialer.ring(agent, call, leg_uuid, offer.policy.ring_timeout)
        except Exception as exc:  # the switch is gone: treat as a failed offer
            log.warning(
                "agent offer failed", call_uuid=call_uuid, agent_id=agent_id, error=str(exc)
            )
            result = "SWITCH_ERROR"
        still_waiting = self._calls.get(call_uuid) is offer
        if result == "+OK":
            self._calls.pop(call_uuid, None)
            if (
                still_waiting
                and not call.is_gone()
                and call.connect_agent(self._agents.get(agent_id), leg_uuid)
            ):
                self._agents.apply(agent_id, "answer")
            else:  # the caller left while the agent picked up
                self._dialer.cancel(leg_uuid)
                self._agents.apply(agent_id, "release")
            return
        if not still_waiting or call.is_gone():
            self._agents.apply(agent_id, "release")  # cancelled because the caller left
            return
        self._bus.publish(AgentMissed(call_uuid=call_uuid, agent_id=agent_id, cause=result))
        delay = self.miss_delays.for_cause(result)
        self._agents.apply(agent_id, "miss", offer.policy.max_no_answer, result, delay)
        if delay > 0:
            self._arm_delay(agent_id, delay)
        offer.leg_uuid = ""
        # apply() talks to Redis, so the caller may have left meanwhile: only a caller still
        # waiting goes back in line (with its original place).
        if self._calls.get(call_uuid) is offer and not call.is_gone():
            self._line.join(offer.entry)
        self._wake.set()
