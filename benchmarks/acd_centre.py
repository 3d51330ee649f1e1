"""The centre the ACD benchmark drives: the engine's dispatcher, agent book and cluster.

Only the dialer is a stub (it notes when the originate would go out); callers never hang up.
A peer engine's :class:`AgentBook` ends calls "remotely", reaching this engine over pub/sub.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import gevent
import gevent.queue
from gevent.event import Event

from callcenter.acd.agents import Agent, AgentState, Tier
from callcenter.acd.routing import WaitingCall
from callcenter.acd.strategies import QueueConfig
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.agents.cluster import Cluster
from callcenter.engine.bus import Bus
from callcenter.engine.routing.dispatcher import Dispatcher, QueuePolicy
from callcenter.live import LiveStore
from callcenter.live.reservation import Outcome, Reservations

__all__ = ["STRATEGY", "Centre", "Sample"]

WIDENING = ((0, 8), (30, 5), (60, 1))
STRATEGY = "skills-based"
NODE, PEER = "bench-a", "bench-b"
SETTLE = 0.001  # seconds between rounds: the engine's follow-up work (pub/sub echo) finishes
Sample = tuple[float, float]  # t1 - t0, reserved - t0 (seconds)


class Caller:
    """A waiting caller as the dispatcher sees it (the engine's call handler): never hangs up."""

    def __init__(self, call_uuid: str, queue: str) -> None:
        self.call_uuid, self.queue, self.caller_number = call_uuid, queue, "+100"

    def is_gone(self) -> bool:
        """Whether the caller has hung up (never, here)."""
        return False

    def connect_agent(self, agent: Agent, agent_leg_uuid: str) -> bool:
        """Bridge the answered agent (always succeeds)."""
        return True


class Dialer:
    """Stub AgentDialer: notes when the originate would go out, then waits for the answer."""

    def __init__(self) -> None:
        self.rings: gevent.queue.Queue = gevent.queue.Queue()

    def ring(self, agent: Agent, call: Caller, leg_uuid: str, timeout: float) -> str:
        """t1 (originate sent); '+OK' once the driver lets the agent answer."""
        t1, answer = time.perf_counter(), Event()
        self.rings.put((t1, agent.agent_id, call, answer))
        answer.wait()
        return "+OK"

    def cancel(self, leg_uuid: str) -> None:
        """Hang up a ringing leg (never needed here)."""


class TimedReservations(Reservations):
    """The engine's reservations, noting when each single-agent reservation returned."""

    reserved_at = 0.0

    def reserve(self, agent_id: str, call_uuid: str, **kwargs: object) -> Outcome:
        """Reserve as the engine does, then note the time."""
        outcome = super().reserve(agent_id, call_uuid, **kwargs)  # type: ignore[arg-type]
        self.reserved_at = time.perf_counter()
        return outcome


class Centre:
    """One engine (Dispatcher, AgentBook, Cluster) and a peer engine's AgentBook."""

    def __init__(self, url: str, n_agents: int, n_waiting: int, n_queues: int, seed: int) -> None:
        self.live, self.other = LiveStore(url, f"bench{seed}"), LiveStore(url, f"bench{seed}")
        self.rng = random.Random(seed)
        names = [f"q{n:02d}" for n in range(n_queues)]
        configs = [
            QueueConfig(q, STRATEGY, skills={f"skill-{q}": 8}, widening=WIDENING) for q in names
        ]
        self.policies = {c.name: QueuePolicy(ring_timeout=15.0, routing=c) for c in configs}
        quiet_n = max(1, n_queues // 10)
        self.quiet, self.busy = names[:quiet_n], names[quiet_n:]
        now, agents = datetime.now(UTC), []
        n_quiet_agents = max(2 * quiet_n, n_agents // 20)
        for n in range(n_agents):
            quiet = n < n_quiet_agents
            pool = self.quiet if quiet else self.busy
            queues = tuple(self.rng.sample(pool, min(len(pool), self.rng.randint(3, 5))))
            low = 8 if quiet else 1  # a quiet queue's new caller (minimum 8) is taken at once
            agent = Agent(
                f"agent{n:04d}",
                str(1000 + n),
                skills={f"skill-{q}": self.rng.randint(low, 10) for q in queues},
                tiers=tuple(Tier(q, 1 if i == 0 else 2, n) for i, q in enumerate(queues)),
            ).login(now - timedelta(hours=1), queues)
            agent = agent.ready(now - timedelta(minutes=n % 60))
            if not quiet:
                agent = agent.reserve(now, f"earlier-{n}").answer(now)
            agents.append(agent)
        self.busy_agents = [a.agent_id for a in agents[n_quiet_agents:]]
        self.reservations = TimedReservations(self.live, NODE)
        self.book = AgentBook(Bus(), self.live, agents, node=NODE, reservations=self.reservations)
        self.book.restore()  # start-up: Redis does not know them yet, so they are published
        self.peer = AgentBook(Bus(), self.other, agents, node=PEER)
        self.dialer = Dialer()
        self.dispatcher = Dispatcher(
            Bus(), self.book, self.dialer, self.policies.__getitem__, rng=random.Random(seed)
        )
        self.answered: gevent.queue.Queue = gevent.queue.Queue()
        self.book.on_change(self._heard)
        cluster = Cluster(self.live, NODE, self.book, self.reservations, lambda data: None)
        self.greenlets = cluster.start()
        self.calls = self.unmatched = 0
        for _ in range(n_waiting):  # nobody of the busy queues is free: no offer yet
            self.dispatcher.enqueue(*self.caller(self.rng.choice(self.busy)))
        gevent.sleep(0.2)

    def _heard(self, agent: Agent) -> None:
        if agent.state == AgentState.ON_CALL:
            self.answered.put(agent.agent_id)

    def caller(self, queue: str, waited: float | None = None) -> tuple[WaitingCall, Caller]:
        """A new caller of ``queue`` (waited 0-300 s unless given, priority 0-2)."""
        self.calls += 1
        uuid = f"call-{self.calls:07d}"
        waited = self.rng.uniform(0, 300) if waited is None else waited
        at = datetime.now(UTC) - timedelta(seconds=waited)
        entry = WaitingCall(uuid, queue, "+100", at, self.rng.choice((0, 0, 0, 1, 2)))
        return entry, Caller(uuid, queue)

    def offer(self, trigger: Callable[[], object]) -> tuple[Sample, str, Caller] | None:
        """Raise an event; the times, the agent and the caller once the agent answered."""
        t0 = time.perf_counter()
        trigger()
        try:
            t1, agent_id, call, answer = self.dialer.rings.get(timeout=2.0)
        except gevent.queue.Empty:
            return None
        reserved = self.reservations.reserved_at - t0
        answer.set()
        if self.answered.get(timeout=10) != agent_id:
            raise RuntimeError("benchmark bug: another agent answered")
        return (t1 - t0, reserved), agent_id, call

    def ready_round(self, remote: bool = False) -> Sample | None:
        """An agent of the busy queues ends its call (here or on the peer engine)."""
        while True:
            agent_id = self.busy_agents[self.rng.randrange(len(self.busy_agents))]
            if self.book.get(agent_id).state == AgentState.ON_CALL:
                break
        book = self.peer if remote else self.book
        if remote:  # the peer engine takes the agent's state from Redis (as Cluster._take)
            self.peer.sync(agent_id, self.other.get_agent(agent_id))
        result = self.offer(lambda: book.apply(agent_id, "end_call", False, 0.0))
        if result is None:  # nobody waiting may take this agent yet: out of the pool
            self.unmatched += 1
            self.book.apply(agent_id, "not_ready", "bench")
            return None
        self.dispatcher.enqueue(*self.caller(result[2].queue))  # N stay waiting
        gevent.sleep(SETTLE)
        return result[0]

    def enqueue_round(self) -> Sample:
        """A caller joins a quiet queue whose agents are free; a short call follows."""
        entry, target = self.caller(self.rng.choice(self.quiet), waited=0.0)
        result = self.offer(lambda: self.dispatcher.enqueue(entry, target))
        if result is None:
            raise RuntimeError("benchmark bug: a quiet queue had no free agent")
        self.book.apply(result[1], "end_call", False, 0.0)
        gevent.sleep(SETTLE)
        return result[0]

    def wake_cpu(self) -> float:
        """CPU seconds from waking every queue until the matcher sleeps again (median of 50)."""
        spent = []
        for _ in range(50):
            gevent.sleep(0.002)
            cpu0 = time.thread_time()
            self.dispatcher.wake()
            gevent.sleep(0)  # the matcher runs its pass (no I/O when nobody is offered)
            spent.append(time.thread_time() - cpu0)
        return statistics.median(spent)

    def nobody_free(self) -> None:
        """The quiet queues' agents go on a break: no agent is free anywhere."""
        for agent in self.book.all():
            if agent.state == AgentState.AVAILABLE:
                self.book.apply(agent.agent_id, "not_ready", "break")

    def close(self) -> None:
        """Stop the engine's greenlets and timers; drop the connections."""
        for call in self.dispatcher.waiting():
            self.dispatcher.withdraw(call.call_uuid)
        self.dispatcher.stop()
        gevent.killall(self.greenlets)
        self.live.close()
        self.other.close()
