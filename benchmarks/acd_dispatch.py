"""ACD dispatch: time from "agent available" to "agent chosen and reserved in Redis".

A real redis-server is started on a free 127.0.0.1 port (no persistence). The process is
gevent-patched like the engine. One dispatcher greenlet sleeps until an agent-ready event
arrives (no poll); then it picks the caller and agent with the pure routing
(:func:`callcenter.acd.strategies.choose_for_queue`, skills-based with widening
``(0, 8), (30, 5), (60, 1)`` and two tier levels) and reserves the agent with the Lua script
(:class:`callcenter.live.reservation.Reservations`, ``reserve_first``).

Per round, with every agent busy and N callers waiting (priorities 0-2, waits 0-300 s): one
agent turns ready (t0: before its state is written to Redis and the event is raised), the
dispatcher offers (t1: the Lua reservation has returned), the agent is put back on a call and a
new caller joins so N stay waiting. ``local``: the ready event comes from the same process
(the engine's agent book); ``remote``: it comes over Redis pub/sub (an agent of another node).

CPU per offer is the dispatcher greenlet's thread CPU time (routing + Redis client) and the
redis-server's CPU (INFO) per offer. Idle: callers wait, no agent is free, and the process
CPU is measured over a few seconds; an event-driven dispatcher should use none.

Compared with mod_callcenter on FreeSWITCH 1.10.12 (DESIGN.md): offer p50 47-108 ms,
p99 101-213 ms as waiting callers grow 10 -> 300; 1-1.5 ms CPU per waiting caller per second
of polling (14.7 % of a core at 100 waiting).

Usage: ``python3 benchmarks/acd_dispatch.py [--waiting 10,100,300] [--rounds 2000]
[--agents 50] [--idle 3]``. The last line of output is one JSON object.
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

QUEUE = QueueConfig(
    "support", "skills-based", skills={"billing": 9}, widening=((0, 8), (30, 5), (60, 1))
)
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


class Bench:
    """Agents, waiting callers and one event-driven dispatcher greenlet."""

    def __init__(self, live: LiveStore, n_agents: int, n_waiting: int, seed: int) -> None:
        self.live = live
        self.rng = random.Random(seed)
        self.reservations = Reservations(live, "bench-node", ttl=30)
        now = datetime.now(UTC)
        self.agents: dict[str, Agent] = {}
        for n in range(n_agents):
            agent = Agent(
                f"agent{n:04d}",
                str(1000 + n),
                skills={"billing": 1 + n % 10},
                tiers=(Tier(QUEUE.name, level=1 + n % 2, position=n),),
            ).login(now - timedelta(hours=1), (QUEUE.name,))
            agent = agent.ready(now).reserve(now, "busy").answer(now)
            self.agents[agent.agent_id] = agent
        pipe = live.redis.pipeline(transaction=False)
        for agent in self.agents.values():
            key = live.key("agent", agent.agent_id)
            pipe.hset(key, mapping={"state": "on_call", "since": now.isoformat(), "call_uuid": ""})
        pipe.execute()
        self.calls = 0
        self.waiting = WaitingLine()
        for _ in range(n_waiting):
            self.add_caller(now)
        self.state = RoutingState()
        self.events: gevent.queue.Queue = gevent.queue.Queue()
        self.done: gevent.queue.Queue = gevent.queue.Queue()
        self.dispatch_cpu = 0.0
        self.offers = 0
        self.unmatched = 0
        self.routing_s: list[float] = []
        self.reserve_s: list[float] = []

    def add_caller(self, now: datetime) -> None:
        self.calls += 1
        uuid = f"call-{self.calls:06d}"
        waited = self.rng.uniform(0, 300)
        priority = self.rng.choice((0, 0, 0, 1, 2))
        self.waiting.join(
            WaitingCall(uuid, QUEUE.name, "+100", now - timedelta(seconds=waited), priority)
        )

    # -- the dispatcher (the part being measured) -------------------------------------------

    def dispatcher(self) -> None:
        while True:
            event = self.events.get()  # sleeps until an event: no poll
            if event is None:
                return
            cpu0 = time.thread_time()
            offers = []
            while True:  # offer until no caller/agent pair is left
                t0 = time.perf_counter()
                now = datetime.now(UTC)
                call, chosen, state = choose_for_queue(
                    QUEUE, self.waiting, self.agents.values(), now, self.state
                )
                if call is None:
                    break
                t1 = time.perf_counter()
                won, _ = self.reservations.reserve_first(
                    [a.agent_id for a in chosen], call.call_uuid
                )
                t2 = time.perf_counter()
                if won is None:
                    raise RuntimeError("benchmark bug: the reservation was refused")
                self.state = state
                self.waiting.leave(call.call_uuid)
                self.agents[won.agent_id] = self.agents[won.agent_id].reserve(now, call.call_uuid)
                self.routing_s.append(t1 - t0)
                self.reserve_s.append(t2 - t1)
                offers.append((won.agent_id, call.call_uuid, t2))
            self.dispatch_cpu += time.thread_time() - cpu0
            self.offers += len(offers)
            self.done.put(offers)

    # -- the driver ---------------------------------------------------------------------------

    def agent_ready(self, agent_id: str) -> None:
        """What the engine does when an agent clicks ready: transition, mirror, wake."""
        now = datetime.now(UTC)
        agent = self.agents[agent_id]
        self.agents[agent_id] = agent.end_call(now, wrap_up=False)
        self.live.put_agent(agent_id, state="available", since=now.isoformat(), call_uuid="")

    def settle(self, offers: list[tuple[str, str, float]]) -> None:
        """Offered agents answer; as many new callers join (each an enqueue event)."""
        while offers:
            for agent_id, call_uuid, _ in offers:
                now = datetime.now(UTC)
                self.reservations.confirm(agent_id, call_uuid, "on_call").check()
                self.agents[agent_id] = self.agents[agent_id].answer(now)
                self.add_caller(now)
            self.events.put("enqueued")
            offers = self.done.get(timeout=10)

    def busy_agent(self) -> str:
        busy = [a for a, v in self.agents.items() if v.state == AgentState.ON_CALL]
        return busy[self.rng.randrange(len(busy))]


def run_local(bench: Bench, rounds: int) -> list[float]:
    """Agent-ready events raised in this process (the engine's own agent book)."""
    latencies = []
    worker = gevent.spawn(bench.dispatcher)
    while len(latencies) < rounds:
        agent_id = bench.busy_agent()
        t0 = time.perf_counter()
        bench.agent_ready(agent_id)
        bench.events.put(agent_id)
        offers = bench.done.get(timeout=10)
        if offers:
            latencies.append(offers[0][2] - t0)
        else:
            bench.unmatched += 1  # nobody waiting needs this agent's skills yet
        bench.settle(offers)
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
            bench.events.put(agent_id)
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
            latencies.append(offers[0][2] - t0)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", default="10,100,300")
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--idle", type=float, default=3.0)
    args = parser.parse_args()
    sizes = [int(n) for n in args.waiting.split(",")]

    workdir = tempfile.mkdtemp(prefix="acd-bench-")
    server, url = start_redis(workdir)
    results = []
    try:
        for n_waiting in sizes:
            live = LiveStore(url, f"bench{n_waiting}")
            other = LiveStore(url, f"bench{n_waiting}")
            bench = Bench(live, args.agents, n_waiting, seed=n_waiting)
            run_local(bench, min(200, args.rounds))  # warm-up
            bench.dispatch_cpu, bench.routing_s, bench.reserve_s = 0.0, [], []
            bench.offers = bench.unmatched = 0
            server_cpu0 = redis_cpu(live.redis)
            local = run_local(bench, args.rounds)
            server_cpu = redis_cpu(live.redis) - server_cpu0
            cpu_per_offer = bench.dispatch_cpu / bench.offers
            server_per_offer = server_cpu / bench.offers
            unmatched = bench.unmatched
            remote = run_remote(bench, other, max(200, args.rounds // 4))
            idle = idle_cpu(bench, args.idle) if n_waiting == max(sizes) else None
            row = {
                "waiting": n_waiting,
                "agents": args.agents,
                "offers": args.rounds,
                "offer_p50_ms": ms(statistics.median(local)),
                "offer_p99_ms": ms(percentile(local, 0.99)),
                "remote_offer_p50_ms": ms(statistics.median(remote)),
                "remote_offer_p99_ms": ms(percentile(remote, 0.99)),
                "routing_p50_ms": ms(statistics.median(bench.routing_s)),
                "reserve_lua_p50_ms": ms(statistics.median(bench.reserve_s)),
                "dispatch_cpu_ms_per_offer": ms(cpu_per_offer),
                "dispatch_cpu_us_per_waiting_caller_per_offer": round(
                    cpu_per_offer / n_waiting * 1e6, 3
                ),
                "redis_cpu_ms_per_offer": ms(server_per_offer),
                "ready_without_offer": unmatched,
            }
            if idle is not None:
                row["idle_cpu_percent"] = round(idle, 3)
            results.append(row)
            print(
                f"waiting={n_waiting:>5}  offer p50 {row['offer_p50_ms']:.3f} ms  "
                f"p99 {row['offer_p99_ms']:.3f} ms  (remote p50 {row['remote_offer_p50_ms']:.3f}"
                f" / p99 {row['remote_offer_p99_ms']:.3f} ms)  routing p50 "
                f"{row['routing_p50_ms']:.3f} ms  Lua reserve p50 {row['reserve_lua_p50_ms']:.3f}"
                f" ms  CPU/offer {row['dispatch_cpu_ms_per_offer']:.3f} ms engine + "
                f"{row['redis_cpu_ms_per_offer']:.3f} ms redis",
                flush=True,
            )
            if idle is not None:
                print(f"idle with {n_waiting} waiting, no agent free: {idle:.3f} % CPU")
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
        "waiting": largest["waiting"],
        "idle_cpu_percent": largest.get("idle_cpu_percent", 0.0),
        "cpu_ms_per_offer": round(
            largest["dispatch_cpu_ms_per_offer"] + largest["redis_cpu_ms_per_offer"], 3
        ),
        "cpu_ms_per_waiting_caller_per_s_idle": round(
            largest.get("idle_cpu_percent", 0.0) * 10.0 / largest["waiting"], 4
        ),
        "strategy": QUEUE.strategy,
        "by_waiting": results,
        "mod_callcenter": MOD_CALLCENTER,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
