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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import gevent
from gevent.event import Event

from callcenter.acd.agents import OFFERED, Agent, AgentState, MissDelays
from callcenter.acd.line import WaitingLine
from callcenter.acd.routing import WaitingCall
from callcenter.acd.strategies import QueueConfig, RoutingState, choose_for_queue, next_change_at
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.bus import AgentMissed, AgentOffered, Bus, utcnow
from callcenter.engine.routing.queue_wait import WaitRules
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
        self._widen_timers: dict[str, gevent.Greenlet] = {}  # queue -> wake at its next widening
        self._calls: dict[str, _Offer] = {}
        self._line = WaitingLine()  # callers not being offered right now, in order
        self._routing: dict[str, RoutingState] = {}
        self._wake = Event()
        # Only what an event concerns is looked at: the queues to look at on the next pass,
        # and the agents who are free (busy ones are most of a big center).
        self._dirty: set[str] = set()
        self._expected: dict[str, str] = {}  # callers coming back after a restart -> queue
        self._free = {a.agent_id for a in agents.all() if a.state == AgentState.AVAILABLE}
        self._matcher = gevent.spawn(self._match_forever)
        agents.on_change(self._on_agent_change)

    # -- callers ------------------------------------------------------------------------------

    def enqueue(self, entry: WaitingCall, target: OfferTarget) -> None:
        """A caller joins a queue (keeps ``entry.enqueued_at``: re-queueing keeps the place)."""
        self._calls[entry.call_uuid] = _Offer(entry, target, self._policies(entry.queue))
        self._expected.pop(entry.call_uuid, None)
        self._line.join(entry)
        timer = self._widen_timers.pop(entry.queue, None)  # a caller back after a restart
        if timer is not None:  # may widen sooner: armed again on this pass
            timer.kill(block=False)
        self.wake((entry.queue,))

    def wake(self, queues: Iterable[str] | None = None) -> None:
        """Look again at ``queues`` (None: every queue with callers, e.g. after the queues'
        settings changed)."""
        self._dirty.update(self._line.queues() if queues is None else queues)
        self._wake.set()

    def expect(self, calls: Mapping[str, str], timeout: float) -> None:
        """Callers (uuid -> queue) an earlier engine process left waiting come back: their
        queues offer nobody until they are all back in line (or ``timeout`` passed), so the
        old order holds."""
        fresh = {uuid: queue for uuid, queue in calls.items() if uuid not in self._calls}
        self._expected.update(fresh)
        if fresh:
            gevent.spawn_later(timeout, self._expect_over, list(fresh))

    def _expect_over(self, call_uuids: list[str]) -> None:
        queues = {self._expected.pop(uuid) for uuid in call_uuids if uuid in self._expected}
        if queues:
            log.warning("callers taken back after a restart did not all return", queues=queues)
            self.wake(queues)

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
        gevent.killall([*self._delay_timers.values(), *self._widen_timers.values()], block=False)

    # -- matching -----------------------------------------------------------------------------

    def _on_agent_change(self, agent: Agent) -> None:
        if agent.state == AgentState.AVAILABLE:
            self._free.add(agent.agent_id)
            self.wake(agent.queues)
        else:
            self._free.discard(agent.agent_id)

    def _match_forever(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                self._match()
            except Exception:
                log.exception("dispatcher match failed")

    def _match(self) -> None:
        """Offer free agents to the callers of the queues woken since the last pass: the queue
        whose head caller ranks first (priority, then longest wait) first, until no caller of
        those queues can be matched (then they wait for the next event that concerns them)."""
        dirty, self._dirty = self._dirty, set()
        taken: set[str] = set()  # agents another engine reserved first, this pass
        while dirty:
            now = self._clock()
            agents = [
                agent
                for agent in map(self._agents.get, self._free)
                if agent.offerable(now) and agent.agent_id not in taken
            ]
            if not agents:
                return  # an agent turning free wakes its queues again
            held = set(self._expected.values())  # not all their callers are back yet
            heads = sorted(
                (head.sort_key(), queue)
                for queue in dirty - held
                if (head := self._line.head(queue)) is not None
            )
            for _key, queue in heads:
                config = self._policies(queue).config(queue)
                call, chosen, state = choose_for_queue(
                    config, self._line, agents, now, self._routing.get(queue), self._rng
                )
                if call is None or not chosen:
                    self._arm_widening(config, queue, now, agents)
                    dirty.discard(queue)
                    continue
                offer = self._calls.get(call.call_uuid)
                if offer is None:  # left while we were away: never offer a gone caller
                    self._line.leave(call.call_uuid)
                elif self._start_offer(offer, chosen[0]):
                    self._routing[queue] = state
                else:
                    taken.add(chosen[0].agent_id)
                    gevent.spawn_later(1.0, self.wake, (queue,))  # in case it stays claimed
                break  # agents or callers changed: rank the queues again
            else:
                return

    def _arm_widening(
        self, config: QueueConfig, queue: str, now: datetime, agents: list[Agent]
    ) -> None:
        # Wake the queue when a caller's requirements widen or a new agent tier opens: one
        # timer per queue, and only while someone free serves it (an agent turning free
        # wakes the queue anyway; idle timers for thousands of callers would cost CPU).
        if queue in self._widen_timers or not any(queue in a.queues for a in agents):
            return
        changes = (next_change_at(config, call, now) for call in self._line.calls(queue))
        at = min((change for change in changes if change is not None), default=None)
        if at is not None:
            delay = max(0.0, (at - now).total_seconds())
            self._widen_timers[queue] = gevent.spawn_later(delay, self._widened, queue)

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
            self.wake(self._agents.get(agent_id).queues)

    def _widened(self, queue: str) -> None:
        self._widen_timers.pop(queue, None)
        self.wake((queue,))

    def _start_offer(self, offer: _Offer, agent: Agent) -> bool:
        """Reserve the agent (atomically across engines) and ring it; False if it was taken."""
        ttl = offer.policy.ring_timeout + self.claim_grace
        if not self._agents.claim(agent.agent_id, offer.entry.call_uuid, ttl):
            return False
        offer.leg_uuid = str(uuid.uuid4())
        self._line.leave(offer.entry.call_uuid)
        # The claim wrote "reserved" to Redis already, and "ringing" is mirrored at once.
        self._agents.apply(agent.agent_id, "reserve", offer.entry.call_uuid, mirror=False)
        gevent.spawn(self._offer, offer, agent.agent_id, offer.leg_uuid)
        return True

    def _offer(self, offer: _Offer, agent_id: str, leg_uuid: str) -> None:
        call, call_uuid = offer.target, offer.entry.call_uuid
        agent = self._agents.apply(agent_id, "ring", mirror=False)
        gevent.spawn(self._agents.mirror, agent)  # runs once the originate is on its way
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
                self._note_answer(agent_id, call_uuid)
                return
            # The caller left while the agent picked up, or the bridge failed (the agent's leg
            # was gone by then): a caller still here goes back in line in the old place.
            self._dialer.cancel(leg_uuid)
            self._agents.apply(agent_id, "release")
            if still_waiting and not call.is_gone() and call_uuid not in self._calls:
                offer.leg_uuid = ""
                self._calls[call_uuid] = offer
                self._line.join(offer.entry)
                self.wake((offer.entry.queue,))
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
        self.wake((offer.entry.queue,))

    def _note_answer(self, agent_id: str, call_uuid: str) -> None:
        # The call's own greenlet ran the bridge; it may have gone on to the call's end (the
        # caller hung up at once) before this greenlet ran again - then the end noted the
        # answer and freed the agent already (engine/agents/calls.py).
        agent = self._agents.get(agent_id)
        if agent.call_uuid == call_uuid and agent.state in OFFERED:
            self._agents.apply(agent_id, "answer")
        else:
            log.info("call ended before its answer was noted", agent_id=agent_id,
                     call_uuid=call_uuid, state=str(agent.state))  # fmt: skip
