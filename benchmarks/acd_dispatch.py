"""ACD dispatch: time from "agent ready" / "caller enqueued" to "agent chosen and reserved".

A real redis-server is started on a free 127.0.0.1 port (no persistence). The process is
gevent-patched like the engine. One dispatcher greenlet sleeps until an event arrives (no poll);
then it picks the caller and agent with the pure routing
(:func:`callcenter.acd.strategies.choose_for_queue`, skills-based with widening
``(0, 8), (30, 5), (60, 1)`` and two tier levels) and reserves the agent with the Lua script
(:class:`callcenter.live.reservation.Reservations`, ``reserve_first``).

The centre: ``--queues Q`` queues, each needing its own skill; every agent serves 3-5 queues
(skill 1-10 in each, tier level 1 in its first queue, 2 in the others). The waiting callers
(priorities 0-2, waits 0-300 s) are spread over the busy queues; a tenth of the queues (at
least one) has nobody waiting and its own agents, free, for the "caller enqueued" trigger.

Agent ready, per round, with every agent of the busy queues on a call and N callers waiting: one
agent turns ready (t0: before its state is written to Redis and the event is raised); the
dispatcher considers every queue that agent serves, the queue whose head caller ranks first
(priority, then longest wait) first, with the free agents only, and offers (t1: the Lua
reservation has returned; the originate itself is an asynchronous ESL write, not included); the
agent is put back on a call and a new caller joins the same queue so N stay waiting. ``local``:
the ready event comes from the same process (the engine's agent book); ``remote``: it comes
over Redis pub/sub (an agent of another node).
Caller enqueued: a caller joins a quiet queue whose agents are free (t0: before it is written
to Redis and the event is raised), the dispatcher offers (t1 as above); the agent answers,
hangs up and is ready again.

CPU per offer is the dispatcher greenlet's thread CPU time (routing + Redis client) and the
redis-server's CPU (INFO) per offer. Idle: callers wait, no agent is free, and the process
CPU is measured over a few seconds; an event-driven dispatcher should use none.
``engine_sweep_ms``: one pass of ``choose_for_queue`` over every queue with callers and every
agent, nobody free - what ``Dispatcher._match`` in the engine does today at least once per wake
(it does not yet narrow a wake to the queues concerned nor its pool to the free agents).

Compared with mod_callcenter on FreeSWITCH 1.10.12 (DESIGN.md): offer p50 47-108 ms,
p99 101-213 ms as waiting callers grow 10 -> 300; 1-1.5 ms CPU per waiting caller per second
of polling (14.7 % of a core at 100 waiting).

Usage: ``python3 benchmarks/acd_dispatch.py [--waiting 100,1000,10000] [--agents 2000]
[--queues 50] [--rounds 2000] [--idle 3]``. The last line of output is one JSON object.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import gevent.queue  # noqa: E402
import redis  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from callcenter.acd.agents import Agent, AgentState, Tier  # noqa: E402
from callcenter.acd.line import WaitingLine  # noqa: E402
from callcenter.acd.routing import WaitingCall  # noqa: E402
from callcenter.acd.strategies import (  # noqa: E402
    QueueConfig,
    RoutingState,
    choose_for_queue,
)
from callcenter.live import LiveStore  # noqa: E402
from callcenter.live.reservation import Reservations  # noqa: E402

WIDENING = ((0, 8), (30, 5), (60, 1))
STRATEGY = "skills-based"
MOD_CALLCENTER = {
    "offer_p50_ms": [47, 108],
    "offer_p99_ms": [101, 213],
    "cpu_ms_per_waiting_caller_per_s": [1.0, 1.5],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(workdir: str) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed (apt-get install -y redis-server)")
    port = free_port()
    # fmt: off
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", workdir, "--daemonize", "no"]
    # fmt: on
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                sys.exit("redis-server did not start")
            time.sleep(0.05)
    client.close()
    return process, f"redis://127.0.0.1:{port}/0"


def redis_cpu(client: redis.Redis) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


Offer = tuple[str, str, str, float]  # agent id, call uuid, queue, time reserved


class Bench:
    """Queues, agents, waiting callers and one event-driven dispatcher greenlet."""

    def __init__(
        self, live: LiveStore, n_agents: int, n_waiting: int, n_queues: int, seed: int
    ) -> None:
        self.live = live
        self.rng = random.Random(seed)
        self.reservations = Reservations(live, "bench-node", ttl=30)
        names = [f"q{n:02d}" for n in range(n_queues)]
        self.configs = {
            q: QueueConfig(q, STRATEGY, skills={f"skill-{q}": 8}, widening=WIDENING) for q in names
        }
        quiet_n = max(1, n_queues // 10)
        self.quiet, self.busy_queues = names[:quiet_n], names[quiet_n:] or names[:1]
        self.routing: dict[str, RoutingState] = {}
        now = datetime.now(UTC)
        self.agents: dict[str, Agent] = {}
        self.free: set[str] = set()
        self.busy_pool: list[str] = []  # agents of the queues with callers waiting
        n_quiet_agents = max(2 * quiet_n, n_agents // 20)
        for n in range(n_agents):
            quiet = n < n_quiet_agents
            pool = self.quiet if quiet else self.busy_queues
            queues = tuple(self.rng.sample(pool, min(len(pool), self.rng.randint(3, 5))))
            agent = Agent(
                f"agent{n:04d}",
                str(1000 + n),
                skills={f"skill-{q}": self.rng.randint(1, 10) for q in queues},
                tiers=tuple(Tier(q, 1 if i == 0 else 2, n) for i, q in enumerate(queues)),
            ).login(now - timedelta(hours=1), queues)
            agent = agent.ready(now - timedelta(minutes=n % 60))
            if quiet:
                self.free.add(agent.agent_id)
            else:
                agent = agent.reserve(now, "busy").answer(now)
                self.busy_pool.append(agent.agent_id)
            self.agents[agent.agent_id] = agent
        pipe = live.redis.pipeline(transaction=False)
        for agent in self.agents.values():
            key = live.key("agent", agent.agent_id)
            pipe.hset(key, mapping={"state": agent.state, "since": now.isoformat()})
        pipe.execute()
        self.calls = 0
        self.waiting = WaitingLine()
        for _ in range(n_waiting):
            self.add_caller(now, self.rng.choice(self.busy_queues))
        self.events: gevent.queue.Queue = gevent.queue.Queue()
        self.done: gevent.queue.Queue = gevent.queue.Queue()
        self.reset()

    def reset(self) -> None:
        """Forget the counters (after the warm-up)."""
        self.dispatch_cpu = 0.0
        self.offers = self.unmatched = 0
        self.routing_s: list[float] = []
        self.reserve_s: list[float] = []

    def add_caller(self, now: datetime, queue: str, waited: float | None = None) -> str:
        """A caller joins ``queue`` (waited 0-300 s unless given); its uuid."""
        self.calls += 1
        uuid = f"call-{self.calls:07d}"
        waited = self.rng.uniform(0, 300) if waited is None else waited
        priority = self.rng.choice((0, 0, 0, 1, 2))
        self.waiting.join(
            WaitingCall(uuid, queue, "+100", now - timedelta(seconds=waited), priority)
        )
        return uuid

    # -- the dispatcher (the part being measured) -------------------------------------------

    def dispatcher(self) -> None:
        """Per event, offer until no caller/agent pair is left in the queues it concerns."""
        while True:
            event = self.events.get()  # sleeps until an event: no poll
            if event is None:
                return
            kind, subject = event
            queues = self.agents[subject].queues if kind == "ready" else (subject,)
            cpu0 = time.thread_time()
            offers: list[Offer] = []
            while self.free and self.offer_one(queues, offers):
                pass
            self.dispatch_cpu += time.thread_time() - cpu0
            self.offers += len(offers)
            self.done.put(offers)

    def offer_one(self, queues: tuple[str, ...], offers: list[Offer]) -> bool:
        """Offer the best caller of ``queues`` a free agent; False when there is none."""
        t0 = time.perf_counter()
        now = datetime.now(UTC)
        pool = [self.agents[a] for a in self.free]
        heads = [(h.sort_key(), q) for q in queues if (h := self.waiting.head(q)) is not None]
        for _, queue in sorted(heads):  # priority, then longest wait, first
            config = self.configs[queue]
            call, chosen, state = choose_for_queue(
                config, self.waiting, pool, now, self.routing.get(queue)
            )
            if call is None:
                continue
            t1 = time.perf_counter()
            won, _ = self.reservations.reserve_first([a.agent_id for a in chosen], call.call_uuid)
            t2 = time.perf_counter()
            if won is None:
                raise RuntimeError("benchmark bug: the reservation was refused")
            self.routing[queue] = state
            self.waiting.leave(call.call_uuid)
            self.free.discard(won.agent_id)
            self.agents[won.agent_id] = self.agents[won.agent_id].reserve(now, call.call_uuid)
            self.routing_s.append(t1 - t0)
            self.reserve_s.append(t2 - t1)
            offers.append((won.agent_id, call.call_uuid, queue, t2))
            return True
        return False

    # -- the driver ---------------------------------------------------------------------------

    def agent_ready(self, agent_id: str) -> None:
        """What the engine does when an agent clicks ready: transition, mirror, wake."""
        now = datetime.now(UTC)
        self.agents[agent_id] = self.agents[agent_id].end_call(now, wrap_up=False)
        self.live.put_agent(agent_id, state="available", since=now.isoformat(), call_uuid="")
        self.free.add(agent_id)

    def answer(self, offers: list[Offer]) -> None:
        """Offered agents answer (confirmed in Redis)."""
        for agent_id, call_uuid, _, _ in offers:
            self.reservations.confirm(agent_id, call_uuid, "on_call").check()
            self.agents[agent_id] = self.agents[agent_id].answer(datetime.now(UTC))

    def settle(self, offers: list[Offer]) -> None:
        """Offered agents answer; as many new callers join (each an enqueue event)."""
        while offers:
            self.answer(offers)
            more: list[Offer] = []
            for _, _, queue, _ in offers:
                self.add_caller(datetime.now(UTC), queue)
                self.events.put(("enqueued", queue))
                more += self.done.get(timeout=10)
            offers = more

    def busy_agent(self) -> str:
        """A random agent of the busy queues who is on a call."""
        while True:
            agent_id = self.busy_pool[self.rng.randrange(len(self.busy_pool))]
            if self.agents[agent_id].state == AgentState.ON_CALL:
                return agent_id

    def engine_sweep(self) -> float:
        """Seconds for one ``choose_for_queue`` pass over every queue and every agent."""
        now, agents = datetime.now(UTC), list(self.agents.values())
        t0 = time.perf_counter()
        for queue in self.waiting.queues():
            choose_for_queue(self.configs[queue], self.waiting, agents, now, None)
        return time.perf_counter() - t0


def run_local(bench: Bench, rounds: int) -> list[float]:
    """Agent-ready events raised in this process (the engine's own agent book)."""
    latencies = []
    worker = gevent.spawn(bench.dispatcher)
    while len(latencies) < rounds:
        agent_id = bench.busy_agent()
        t0 = time.perf_counter()
        bench.agent_ready(agent_id)
        bench.events.put(("ready", agent_id))
        offers = bench.done.get(timeout=10)
        if offers:
            latencies.append(offers[0][3] - t0)
        else:
            bench.unmatched += 1  # nobody waiting needs this agent's skills yet
        bench.settle(offers)
    bench.events.put(None)
    worker.join()
    return latencies


def run_enqueue(bench: Bench, rounds: int) -> list[float]:
    """Caller-enqueued events: a caller joins a quiet queue while its agents are free."""
    latencies = []
    worker = gevent.spawn(bench.dispatcher)
    while len(latencies) < rounds:
        queue = bench.rng.choice(bench.quiet)
        t0 = time.perf_counter()
        uuid = bench.add_caller(datetime.now(UTC), queue, waited=0.0)
        bench.live.put_call(uuid, state="waiting", queue=queue)
        bench.events.put(("enqueued", queue))
        offers = bench.done.get(timeout=10)
        if not offers:
            raise RuntimeError("benchmark bug: a quiet queue had no free agent")
        latencies.append(offers[0][3] - t0)
        bench.answer(offers)
        for agent_id, call_uuid, _, _ in offers:  # a short call, then ready again
            bench.agent_ready(agent_id)
            bench.live.remove("call", call_uuid)
            bench.events.put(("ready", agent_id))
            bench.done.get(timeout=10)
    bench.events.put(None)
    worker.join()
    return latencies


def run_remote(bench: Bench, other: LiveStore, rounds: int) -> list[float]:
    """Agent-ready events published by another node's client, received over pub/sub."""
    subscription = bench.live.subscribe("agent-ready")

    def listen() -> None:
        while True:
            message = subscription.get(timeout=5.0)
            if message is None:
                continue
            agent_id = message.data["agent_id"]
            bench.events.put(("ready", agent_id) if agent_id else None)
            if agent_id is None:
                return

    listener = gevent.spawn(listen)
    worker = gevent.spawn(bench.dispatcher)
    latencies = []
    while len(latencies) < rounds:
        agent_id = bench.busy_agent()
        t0 = time.perf_counter()
        bench.agent_ready(agent_id)  # the other node's engine writes the state ...
        other.publish("agent-ready", {"agent_id": agent_id})  # ... and announces it
        offers = bench.done.get(timeout=10)
        if offers:
            latencies.append(offers[0][3] - t0)
        bench.settle(offers)
    other.publish("agent-ready", {"agent_id": None})
    listener.join(timeout=10)
    worker.join(timeout=10)
    subscription.close()
    return latencies


def idle_cpu(bench: Bench, seconds: float) -> float:
    """Process CPU %% while callers wait, no agent is free and the dispatcher sleeps."""
    worker = gevent.spawn(bench.dispatcher)
    gevent.sleep(0.2)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    gevent.sleep(seconds)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    bench.events.put(None)
    worker.join()
    return 100.0 * cpu / wall


def ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)


def measure(bench: Bench, other: LiveStore, rounds: int, idle: float | None) -> dict:
    """Every figure for one load: agent ready (local, remote), caller enqueued, CPU, idle."""
    run_local(bench, min(200, rounds))  # warm-up
    bench.reset()
    server_cpu0 = redis_cpu(bench.live.redis)
    local = run_local(bench, rounds)
    server_cpu = redis_cpu(bench.live.redis) - server_cpu0
    cpu_per_offer = bench.dispatch_cpu / bench.offers
    server_per_offer = server_cpu / bench.offers
    routing, reserve, unmatched = bench.routing_s, bench.reserve_s, bench.unmatched
    remote = run_remote(bench, other, max(200, rounds // 4))
    enqueue = run_enqueue(bench, max(200, rounds // 4))
    sweeps = [bench.engine_sweep() for _ in range(10)]
    n_waiting = len(bench.waiting)
    row = {
        "waiting": n_waiting,
        "agents": len(bench.agents),
        "queues": len(bench.configs),
        "offers": rounds,
        "offer_p50_ms": ms(statistics.median(local)),
        "offer_p99_ms": ms(percentile(local, 0.99)),
        "remote_offer_p50_ms": ms(statistics.median(remote)),
        "remote_offer_p99_ms": ms(percentile(remote, 0.99)),
        "enqueue_offer_p50_ms": ms(statistics.median(enqueue)),
        "enqueue_offer_p99_ms": ms(percentile(enqueue, 0.99)),
        "routing_p50_ms": ms(statistics.median(routing)),
        "routing_p99_ms": ms(percentile(routing, 0.99)),
        "reserve_lua_p50_ms": ms(statistics.median(reserve)),
        "dispatch_cpu_ms_per_offer": ms(cpu_per_offer),
        "redis_cpu_ms_per_offer": ms(server_per_offer),
        "cpu_ms_per_offer": ms(cpu_per_offer + server_per_offer),
        "ready_without_offer": unmatched,
        "engine_sweep_ms": ms(statistics.median(sweeps)),
    }
    if idle is not None:
        row["idle_cpu_percent"] = round(idle_cpu(bench, idle), 3)
    return row


def report(row: dict) -> None:
    """One human-readable line per load."""
    print(
        f"waiting={row['waiting']:>5} agents={row['agents']} queues={row['queues']}  agent "
        f"ready->offer p50 {row['offer_p50_ms']:.3f} ms p99 {row['offer_p99_ms']:.3f} ms "
        f"(remote {row['remote_offer_p50_ms']:.3f} / {row['remote_offer_p99_ms']:.3f} ms)  "
        f"caller enqueued->offer {row['enqueue_offer_p50_ms']:.3f} / "
        f"{row['enqueue_offer_p99_ms']:.3f} ms  routing p50 {row['routing_p50_ms']:.3f} ms  "
        f"Lua p50 {row['reserve_lua_p50_ms']:.3f} ms  CPU/offer "
        f"{row['dispatch_cpu_ms_per_offer']:.3f} ms engine + "
        f"{row['redis_cpu_ms_per_offer']:.3f} ms redis  full sweep over every queue and "
        f"agent {row['engine_sweep_ms']:.3f} ms",
        flush=True,
    )
    if "idle_cpu_percent" in row:
        print(f"idle with {row['waiting']} waiting, no agent free: {row['idle_cpu_percent']} % CPU")


def main() -> None:
    """Run every load and print one JSON object last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", default="100,1000,10000")
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--idle", type=float, default=3.0)
    args = parser.parse_args()
    sizes = [int(n) for n in args.waiting.split(",")]
    if args.queues < 2 or args.agents < 4 * args.queues or min(sizes) < 1:
        parser.error("need --queues >= 2, --agents >= 4 x queues and --waiting >= 1")

    workdir = tempfile.mkdtemp(prefix="acd-bench-")
    server, url = start_redis(workdir)
    results = []
    try:
        for n_waiting in sizes:
            live = LiveStore(url, f"bench{n_waiting}")
            other = LiveStore(url, f"bench{n_waiting}")
            bench = Bench(live, args.agents, n_waiting, args.queues, seed=n_waiting)
            idle = args.idle if n_waiting == max(sizes) else None
            row = measure(bench, other, args.rounds, idle)
            results.append(row)
            report(row)
            live.close()
            other.close()
    finally:
        server.terminate()
        server.wait(timeout=5)
        shutil.rmtree(workdir, ignore_errors=True)

    largest = results[-1]
    print(
        "mod_callcenter (DESIGN.md): offer p50 47-108 ms, p99 101-213 ms (10 -> 300 waiting); "
        "1-1.5 ms CPU per waiting caller per second of polling; this engine: no poll, "
        "CPU only per event"
    )
    summary = {
        "offer_p50_ms": largest["offer_p50_ms"],
        "offer_p99_ms": largest["offer_p99_ms"],
        "enqueue_offer_p50_ms": largest["enqueue_offer_p50_ms"],
        "enqueue_offer_p99_ms": largest["enqueue_offer_p99_ms"],
        "target_p99_ms": 2.0,
        "target_met": max(largest["offer_p99_ms"], largest["enqueue_offer_p99_ms"]) <= 2.0,
        "waiting": largest["waiting"],
        "agents": args.agents,
        "queues": args.queues,
        "idle_cpu_percent": largest.get("idle_cpu_percent", 0.0),
        "cpu_ms_per_offer": largest["cpu_ms_per_offer"],
        "engine_sweep_ms": largest["engine_sweep_ms"],
        "strategy": STRATEGY,
        "by_waiting": results,
        "mod_callcenter": MOD_CALLCENTER,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
