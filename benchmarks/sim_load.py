"""End-to-end load: N concurrent simulated callers and M agents through the real engine.

Everything runs on 127.0.0.1 and is private to the run: a redis-server
(:class:`callcenter.demo.RedisProcess`), a SQLite file seeded like the demo
(:func:`callcenter.demo.seed`: the four sample queues, agents 1000.. in them), the FreeSWITCH
simulator (:class:`callcenter.sim.Switch`) and the engine as a child process
(``callcenter serve --no-console``, :func:`tests.support.engine_process.start_engine`) so its
CPU and memory are its own. The hotline 5000 runs the demo flow (main menu, no business
hours). The simulated population (:mod:`callcenter.sim.population`) signs the agents in,
answers (sometimes misses) and takes breaks; the callers are that population's callers
(menu choice, patience, early hang-ups), but placed by N caller slots that each dial again
shortly after their previous call ended, so about N callers are on the line at any time.

After ``--duration`` seconds no new calls are placed and callers not yet talking to an
agent hang up (abandoned_at_end, or ivr_completed if still in the menu); calls with an
agent end by themselves. Then:

* calls_completed: call records with disposition ``answered`` (an agent took the call);
* asa_s: mean of (agent answered - enqueued) over those records, in seconds;
* abandoned: records with disposition ``abandoned`` (caller left a queue, out of patience);
  abandoned_at_end: those sent away when the load phase ended;
* lost_calls: callers whose channel reached the engine (outbound socket connected) but have
  no call record in SQL after the run, plus callers whose channel was still up when every
  call should have ended (``hanging_callers``; they are then hung up to clean up);
* cpu_percent: engine process CPU seconds (user + system, /proc/<pid>/stat) over the wall
  time of the load phase; rss_mb: peak of the engine's VmRSS sampled every second
  (/proc/<pid>/status), rss_hwm_mb the kernel's high-water mark;
* bench_cpu_percent and sim_max_stall_s: this process (simulator + population) CPU and its
  longest event-loop stall; a stall of seconds means the simulator, not the engine, is the
  bottleneck (the engine gives up on a FreeSWITCH reply after 10 s).

Usage: ``python3 benchmarks/sim_load.py [--callers 50] [--agents 20] [--duration 60]
[--time-scale 1.0] [--seed 1]``. The last line of output is one JSON object.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import secrets  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import keep_or_remove, make_workdir, report, stop_center  # noqa: E402
from benchmarks.load_callers import LoadPopulation, caller_up, reached_engine  # noqa: E402
from benchmarks.load_meters import EngineMeter, HubLag  # noqa: E402
from callcenter.demo import DEMO_FLOW, RedisProcess, seed  # noqa: E402
from callcenter.engine.calls.ivr_setup import SHIPPED_FLOWS  # noqa: E402
from callcenter.live.names import AGENT_COMMANDS  # noqa: E402
from callcenter.live.store import LiveStore  # noqa: E402
from callcenter.sim import Switch  # noqa: E402
from callcenter.sim.population import PopulationConfig  # noqa: E402
from tests.support.engine_process import EngineProcess, start_engine  # noqa: E402

HOTLINE = "5000"
PREFIX = "simload"


# -- call records ------------------------------------------------------------------------------


def call_records(db_path: Path) -> dict[str, dict[str, Any]]:
    """Every row of ``calls`` by uuid."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "select uuid, disposition, enqueued_at, answered_at, ended_at, wait_seconds,"
            " hangup_by from calls"
        ).fetchall()
    finally:
        conn.close()
    return {row["uuid"]: dict(row) for row in rows}


def seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- the run -----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = make_workdir(args.workdir, "sim_load-")
    extensions = [str(1000 + n) for n in range(args.agents)]
    password = secrets.token_urlsafe(12)
    db_path = workdir / "load.db"
    db_url = f"sqlite:///{db_path}"
    redis = RedisProcess(workdir)
    switch: Switch | None = None
    engine: EngineProcess | None = None
    live: LiveStore | None = None
    population: LoadPopulation | None = None
    meter: EngineMeter | None = None
    keep = bool(args.workdir)
    try:
        seed(db_url, extensions)
        switch = Switch(
            password=password, time_scale=args.time_scale, users=extensions, dialplan={}
        ).start()
        engine = start_engine(
            workdir,
            esl_port=switch.port,
            esl_password=password,
            db_url=db_url,
            redis_url=redis.url,
            redis_prefix=PREFIX,
            IVR__FLOWS=str(SHIPPED_FLOWS),
            IVR__NUMBERS=json.dumps({HOTLINE: DEMO_FLOW}),
            ROUTING__WRAP_UP_SECONDS="3",
        )
        switch.dialplan[HOTLINE] = f"127.0.0.1:{engine.outbound_port} async full"
        pid = engine.process.pid
        meter = EngineMeter(pid)
        rss_idle = meter.memory()["VmRSS"]
        live = LiveStore(redis.url, PREFIX)
        store = live

        def agent_action(extension: str, action: str, reason: str) -> None:
            store.send_command(
                AGENT_COMMANDS, {"agent_id": extension, "action": action, "reason": reason}
            )

        config = PopulationConfig(agents=extensions, hotline=HOTLINE, seed=args.seed)
        bench_cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        cpu0, wall0 = meter.cpu(), time.monotonic()
        lag = HubLag()
        population = LoadPopulation(switch, config, agent_action, args.callers).start()
        concurrency: list[int] = []
        while time.monotonic() - wall0 < args.duration:
            gevent.sleep(1.0)
            concurrency.append(sum(1 for c in population.callers if caller_up(c)))
        population.placing = False
        population.stop()
        cpu1, wall1 = meter.cpu(), time.monotonic()
        lag.stop()
        bench_cpu1 = resource.getrusage(resource.RUSAGE_SELF)

        # End of the run: callers not talking to an agent hang up; the others finish.
        cut: set[str] = set()  # callers sent away at the end (still in the IVR or a queue)
        for caller in population.callers:
            ch = caller.channel
            if ch is not None and ch.up and ch.partner is None:
                cut.add(caller.uuid)
                caller.hangup()
        drain_limit = switch.clock.real(config.talk_seconds[1]) + args.drain
        deadline = time.monotonic() + drain_limit
        while time.monotonic() < deadline and any(caller_up(c) for c in population.callers):
            gevent.sleep(0.2)
        hanging = [c for c in population.callers if caller_up(c)]
        hanging_detail = [
            {
                "uuid": c.uuid,
                "number": c.number,
                "partner": c.channel.partner.name if c.channel and c.channel.partner else None,
                "state": c.channel.state if c.channel else None,
                "last_app": list(c.channel.last_app or ()) if c.channel else None,
            }
            for c in hanging
        ]
        for caller in hanging:
            caller.hangup()
        switch.wait_idle(15.0)
        leftover_channels = [ch.name for ch in switch.channels.values() if ch.up]

        # Records are written when a call ends; give the engine time to flush them.
        reached = [c for c in population.callers if reached_engine(c)]
        deadline = time.monotonic() + args.record_wait
        while True:
            records = call_records(db_path)
            missing = [c for c in reached if c.uuid not in records]
            if not missing or time.monotonic() > deadline:
                break
            gevent.sleep(0.5)
        cpu2, wall2 = meter.cpu(), time.monotonic()
        memory = meter.memory()

        ours = [records[c.uuid] for c in reached if c.uuid in records]
        dispositions: dict[str, int] = {}
        for row in ours:
            dispositions[row["disposition"] or "none"] = (
                dispositions.get(row["disposition"] or "none", 0) + 1
            )
        abandoned = [r for r in ours if r["disposition"] == "abandoned"]
        abandoned_at_end = sum(1 for r in abandoned if r["uuid"] in cut)
        answered = [r for r in ours if r["disposition"] == "answered"]
        waits = [
            w
            for w in (seconds_between(r["enqueued_at"], r["answered_at"]) for r in answered)
            if w is not None
        ]
        open_records = [r["uuid"] for r in ours if not r["ended_at"]]
        errors = [
            line
            for line in engine.log().splitlines()
            if '"level": "error"' in line or '"level": "critical"' in line
        ]
        lost = len(missing) + len(hanging)
        bench_cpu = (bench_cpu1.ru_utime + bench_cpu1.ru_stime) - (
            bench_cpu0.ru_utime + bench_cpu0.ru_stime
        )
        result: dict[str, Any] = {
            "calls_completed": len(answered),
            "lost_calls": lost,
            "asa_s": round(statistics.fmean(waits), 3) if waits else None,
            "asa_p90_s": round(percentile(waits, 0.9), 3) if waits else None,
            "abandoned": len(abandoned) - abandoned_at_end,
            "abandoned_at_end": abandoned_at_end,
            "cpu_percent": round(100.0 * (cpu1 - cpu0) / (wall1 - wall0), 1),
            "cpu_percent_with_drain": round(100.0 * (cpu2 - cpu0) / (wall2 - wall0), 1),
            "rss_mb": round(max(meter.rss_max, memory["VmRSS"]), 1),
            "rss_idle_mb": round(rss_idle, 1),
            "rss_end_mb": round(memory["VmRSS"], 1),
            "rss_hwm_mb": round(memory["VmHWM"], 1),
            "n": args.callers,
            "m": args.agents,
            "duration": args.duration,
            "time_scale": args.time_scale,
            "calls_placed": population.calls_placed,
            "calls_reached_engine": len(reached),
            "records": len(ours),
            "dispositions": dispositions,
            "missing_records": [c.uuid for c in missing],
            "hanging_callers": hanging_detail,
            "open_records": open_records,
            "leftover_channels": leftover_channels,
            "concurrent_callers_avg": round(statistics.fmean(concurrency), 1) if concurrency else 0,
            "concurrent_callers_max": max(concurrency, default=0),
            "engine_errors": len(errors),
            "bench_cpu_percent": round(100.0 * bench_cpu / (wall1 - wall0), 1),
            "sim_max_stall_s": round(lag.max_lag, 3),
        }
        if errors:
            print(f"engine logged {len(errors)} errors, first: {errors[0][:400]}", flush=True)
        if lost:
            keep = True
        return result
    finally:
        if population is not None:
            population.placing = False
            population.stop()
        if meter is not None:
            meter.stop()
        stop_center(engine, switch, live, redis)
        keep_or_remove(workdir, keep)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=50, help="concurrent callers (target)")
    parser.add_argument("--agents", type=int, default=20, help="agents signed in")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="simulator real seconds per simulated second (0.5: callers talk 2x faster)",
    )
    parser.add_argument("--seed", type=int, default=1, help="population random seed")
    parser.add_argument(
        "--drain", type=float, default=30.0, help="extra seconds for calls to end after the load"
    )
    parser.add_argument(
        "--record-wait", type=float, default=30.0, help="seconds to wait for call records"
    )
    parser.add_argument("--workdir", help="keep the run's files (db, engine.log) here")
    args = parser.parse_args()
    if args.callers < 1 or args.agents < 1 or args.duration <= 0 or args.time_scale <= 0:
        parser.error("--callers, --agents, --duration and --time-scale must be positive")
    result = run(args)
    report(
        f"{result['calls_completed']} calls completed, ASA {result['asa_s']} s, "
        f"{result['abandoned']} abandoned, {result['lost_calls']} lost; engine CPU "
        f"{result['cpu_percent']} %, RSS {result['rss_mb']} MB "
        f"({args.callers} callers, {args.agents} agents, {args.duration:g} s)",
        result,
    )


if __name__ == "__main__":
    main()
