"""Engine cost at scale: thousands of concurrent simulated calls in one engine process.

Like ``sim_load.py`` (a private redis-server, a SQLite file seeded like the demo, the engine
as a child process running the demo flow on hotline 5000, the simulated population's callers
and agents), but the simulator and its population run in a third process
(``benchmarks/scale_sim.py``), so at 5,000 calls they do not share the bench's core. N caller
slots each redial shortly after their call ended (first calls spread over ``--ramp`` s), so
about N callers are on the line - in the IVR, in queues, talking - with M agents answering.
After ``--duration`` s every caller still on the line hangs up (talking ones too).

Figures (the last line is one JSON object):

* concurrent_calls: most callers on the line at once whose channel reached the engine
  (sampled every second by the simulator process); concurrent_calls_avg over the hold phase;
* rss_mb: peak VmRSS of the engine (sampled every second), rss_idle_mb before the first call,
  mb_per_concurrent_call = (rss_mb - rss_idle_mb) / concurrent_calls; the peak comes when
  every caller still on the line hangs up in the same second at the end (thousands of calls
  ending at once, as a switch restart would end them), so rss_holding_mb and
  mb_per_call_holding give the same up to that second, while the calls are held;
* engine_cpu_ms_per_call: engine CPU (user + system) from the first call to the last record,
  divided by the calls it carried (call records written); engine_cpu_percent over the load;
* offer_p99_ms: p99 over every queue offer of (offered_at - the moment the offer became
  possible: the later of the caller's enqueued_at and the agent's last turn to available,
  both from SQL);
* lost_calls: callers that reached the engine without a call record after the run, plus
  callers still up when every call should have ended;
* sim_cpu_percent, sim_max_stall_s: the simulator process's CPU and longest event-loop stall
  over the load (seconds of stall mean the simulator, not the engine, is the bottleneck);
  sim_gc_max_s / sim_gc_total_s its garbage collections (wall time), sim_rss_mb its peak RSS;
  sim_connect_wait_max_s: the longest a socket-app connection waited for the engine's
  ``connect`` (long waits with a short stall: the engine, not the simulator, was behind).
  Agents answer 1-4 real seconds after ringing at any ``--time-scale`` (the engine's
  originate timeout is real time), and a phone that does not answer rings for the engine's
  ring timeout in real seconds too (``Clock.client_timeout``).

The simulator at this scale (one process, ``scale_sim.py``): its per-event work no longer
grows with the number of calls - each caller watches only its own channel's events (a
subscriber per caller made every event cost O(calls): 85% of its CPU at 2,000 callers), an
event nobody would receive is not built (most CHANNEL_STATE / CODEC / PRESENCE_IN of a call;
their Event-Sequence numbers are still taken), only connections with events on are offered
each event (not the thousands of socket-app connections), the events sent are url-encoded
with a fast path and a cache (the same bytes), callers wait for answer / connect / events
instead of polling every 5-50 ms, and the run keeps only the callers on the line (ended ones
held every event of their call: 1.2 GB at 1,000 callers). A parked session no longer spins on
a ``uuid_break`` with nothing playing: that froze the whole simulator at about 2,400 calls.
Several simulator processes (step 2 of the issue) were not needed for that and are not done:
a front routing the engine's api commands by uuid cannot bridge a caller of one process to an
agent of another; what is left is the machine - on a shared 2-core box the one process gets
what the scheduler gives it (``sim_cpu_percent``).

``--baseline`` (default ``main``, ``--baseline ''`` to skip) measures the same way, in the same
run, the code of that git revision (checked out with ``git worktree add`` into a temporary
folder, removed afterwards) beside this checkout's code, at ``--baseline-callers`` /
``--baseline-agents`` (today's engine needs some 0.7 MB per call: 5,000 would not fit the
machine); the figures of this checkout at that size are ``same_size_*`` and the ratios
``cpu_per_call_ratio`` / ``mb_per_call_ratio`` compare the two (new / baseline).

Usage: ``python3 benchmarks/sim_scale.py [--callers 5000] [--agents 1000] [--duration 60]
[--time-scale 10] [--baseline main] [--quick]``. The simulator runs ``--time-scale`` real
seconds per simulated second (default 10: a call lasts ten times longer, so 5,000 of them are
on the line with a tenth of the events per second); the engine's own timers run in real time.
``--sim-profile FILE``: cProfile the simulator process (written when it ends).
``--quick``: 40 callers, 10 agents, 3 + 8 s at real speed, no baseline (CI).
``CALLCENTER_BENCH_PROFILE`` / ``CALLCENTER_BENCH_TRACEMALLOC`` profile the engine
(``benchmarks/profile_hook/sitecustomize.py``; the tracemalloc snapshot is taken at the end of
the hold phase).
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import keep_or_remove, make_workdir, report  # noqa: E402
from benchmarks.load_meters import EngineMeter  # noqa: E402
from benchmarks.scale_figures import call_records, offer_latencies_ms, percentile  # noqa: E402
from callcenter.demo import DEMO_FLOW, RedisProcess, seed  # noqa: E402
from callcenter.engine.calls.ivr_setup import SHIPPED_FLOWS  # noqa: E402
from callcenter.store import passwords  # noqa: E402
from tests.support import engine_process  # noqa: E402

HOTLINE = "5000"
PREFIX = "simscale"
PROFILE_HOOK = ROOT / "benchmarks" / "profile_hook"


def quick_seed(db_url: str, extensions: list[str]) -> None:
    """The demo seed, with the agents' console passwords hashed cheaply (nobody logs in here;
    scrypt would take some 0.1 s per agent, minutes for 1,000)."""
    real = passwords.generate_password_hash
    passwords.generate_password_hash = lambda password: real(password, "pbkdf2:sha256:1")
    try:
        seed(db_url, extensions)
    finally:
        passwords.generate_password_hash = real


def every_second(action: Callable[[], object], after: float) -> threading.Event:
    """Run ``action`` every second from ``after`` seconds on, until the returned event is set."""
    stop = threading.Event()

    def loop() -> None:
        stop.wait(after)
        while not stop.wait(1.0):
            action()

    threading.Thread(target=loop, daemon=True).start()
    return stop


def engine_env(code_root: Path) -> dict[str, str]:
    """The engine child's environment: ``code_root``'s callcenter (and the profiling hook)."""
    env = os.environ.copy()
    paths = [str(code_root), str(PROFILE_HOOK), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env


class SimProcess:
    """The simulator process (``scale_sim.py``): JSON lines out, ``go`` in."""

    def __init__(self, args: argparse.Namespace, callers: int, agents: int, target: str,
                 redis_url: str, password: str, time_scale: float) -> None:  # fmt: skip
        command = [
            sys.executable, str(ROOT / "benchmarks" / "scale_sim.py"),
            "--callers", str(callers), "--agents", str(agents),
            "--duration", str(args.duration), "--ramp", str(args.ramp),
            "--time-scale", str(time_scale), "--seed", str(args.seed),
            "--drain", str(args.drain), "--hotline", HOTLINE, "--target", target,
            "--redis-url", redis_url, "--prefix", PREFIX,
        ]  # fmt: skip
        env = dict(os.environ, SCALE_ESL_PASSWORD=password)
        if args.sim_profile:  # cProfile the simulator (the profile hook, as for the engine)
            env["CALLCENTER_BENCH_PROFILE"] = args.sim_profile
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(PROFILE_HOOK), env.get("PYTHONPATH", "")) if p
            )
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        self.samples: list[dict[str, int]] = []

    def read(self) -> dict[str, Any]:
        """The next JSON line (RuntimeError if the process ended)."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"simulator process ended (exit {self.process.wait()})")
        return json.loads(line)

    def go(self) -> None:
        """Start the population."""
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        """End the process (it ends by itself after its result)."""
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def measure(args: argparse.Namespace, code_root: Path, callers: int, agents: int,
            label: str, time_scale: float) -> dict[str, Any]:  # fmt: skip
    """One run of ``callers`` / ``agents`` against the engine of ``code_root``; its figures."""
    workdir = make_workdir(f"{args.workdir}/{label}" if args.workdir else None, "sim_scale-")
    extensions = [str(1000 + n) for n in range(agents)]
    password = secrets.token_urlsafe(12)
    db_path = workdir / "scale.db"
    db_url = f"sqlite:///{db_path}"
    redis = RedisProcess(workdir)
    outbound_port = engine_process.free_port()
    sim: SimProcess | None = None
    engine: engine_process.EngineProcess | None = None
    meter: EngineMeter | None = None
    keep = bool(args.workdir)
    env = engine_env(code_root)
    if args.profile:
        env["CALLCENTER_BENCH_PROFILE"] = str(workdir / "engine.prof")
    if args.tracemalloc:
        env["CALLCENTER_BENCH_TRACEMALLOC"] = str(workdir / "engine.tracemalloc.txt")
    elif args.census:
        env["CALLCENTER_BENCH_CENSUS"] = str(workdir / "engine.census.txt")
    saved_env = engine_process.child_env
    try:
        quick_seed(db_url, extensions)
        sim = SimProcess(args, callers, agents, f"127.0.0.1:{outbound_port}", redis.url, password,
                         time_scale)  # fmt: skip
        esl_port = sim.read()["esl_port"]
        engine_process.child_env = lambda: env
        engine = engine_process.start_engine(
            workdir, esl_port=esl_port, esl_password=password, db_url=db_url,
            redis_url=redis.url, redis_prefix=PREFIX, outbound_port=outbound_port,
            IVR__FLOWS=str(SHIPPED_FLOWS), IVR__NUMBERS=json.dumps({HOTLINE: DEMO_FLOW}),
            ROUTING__WRAP_UP_SECONDS="3",
        )  # fmt: skip
        engine_process.child_env = saved_env
        meter = EngineMeter(engine.process.pid)
        rss_idle = meter.memory()["VmRSS"]
        cpu0, wall0 = meter.cpu(), time.monotonic()
        sim.go()
        samples: list[dict[str, int]] = []
        hold_end = int(args.ramp * time_scale + args.duration)
        rss_holding = 0.0
        census: threading.Event | None = None
        if args.census and not args.tracemalloc:  # from a few seconds before the hang-up
            census = every_second(
                lambda: engine.process.send_signal(signal.SIGUSR1), after=hold_end - 5
            )
        drain_trace: threading.Event | None = None
        if args.rss_trace:  # on through the mass hang-up (the simulator sends no samples then)
            drain_trace = every_second(
                lambda: print(f"rss={meter.memory()['VmRSS']:.0f} (from {hold_end - 5} s)"),
                after=hold_end - 5,
            )
        while "result" not in (line := sim.read()):
            samples.append(line)
            if args.tracemalloc and len(samples) - hold_end in args.snap_at:
                engine.process.send_signal(signal.SIGUSR1)  # held, then in the mass hang-up
            if args.rss_trace:
                rss_now = meter.memory()["VmRSS"]
                print(f"t={len(samples)} reached={line.get('reached')} rss={rss_now:.0f}")
            if len(samples) <= hold_end - 1:  # before every caller left hangs up at once
                rss_holding = meter.rss_max
        cpu1, wall1 = meter.cpu(), time.monotonic()
        if args.tracemalloc and args.after_snap:  # the mass hang-up's aftermath
            snap = workdir / "engine.tracemalloc.txt"
            snap.unlink(missing_ok=True)
            engine.process.send_signal(signal.SIGUSR1)
            for _ in range(600):
                if snap.exists():
                    break
                time.sleep(0.5)
        sim_result = line["result"]
        reached = sim_result.pop("reached")
        hanging = sim_result.pop("hanging")
        deadline = time.monotonic() + args.record_wait
        while True:
            records = call_records(db_path)
            missing = [uuid for uuid in reached if uuid not in records]
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        cpu2 = meter.cpu()
        memory = meter.memory()
        for thread in (census, drain_trace):
            if thread is not None:
                thread.set()
        if args.profile:  # the profile now (a busy engine may be killed when it stops)
            engine.process.send_signal(signal.SIGUSR2)
            time.sleep(3.0)
        ours = [records[uuid] for uuid in reached if uuid in records]
        answered = [r for r in ours if r["disposition"] == "answered"]
        dispositions: dict[str, int] = {}
        for row in ours:
            key = row["disposition"] or "none"
            dispositions[key] = dispositions.get(key, 0) + 1
        offers = offer_latencies_ms(db_path)
        errors = [
            line
            for line in engine.log().splitlines()
            if '"level": "error"' in line or '"level": "critical"' in line
        ]
        hold = samples[int(args.ramp * time_scale) :] or samples
        concurrent = max((s["reached"] for s in samples), default=0)
        rss = max(meter.rss_max, memory["VmRSS"])
        lost = len(missing) + len(hanging)
        cpu_ms = 1000.0 * (cpu2 - cpu0)
        result: dict[str, Any] = {
            "concurrent_calls": concurrent,
            "concurrent_calls_avg": round(statistics.fmean(s["reached"] for s in hold), 1)
            if hold
            else 0,
            "rss_mb": round(rss, 1),
            "rss_idle_mb": round(rss_idle, 1),
            "rss_after_drain_mb": round(memory["VmRSS"], 1),  # calls ended: what stays (leaks)
            "rss_holding_mb": round(rss_holding, 1),
            "mb_per_call_holding": round((rss_holding - rss_idle) / concurrent, 3)
            if concurrent
            else None,
            "mb_per_concurrent_call": round((rss - rss_idle) / concurrent, 3)
            if concurrent
            else None,
            "engine_cpu_ms_per_call": round(cpu_ms / len(ours), 1) if ours else None,
            "engine_cpu_ms_per_answered_call": round(cpu_ms / len(answered), 1)
            if answered
            else None,
            "engine_cpu_percent": round(100.0 * (cpu1 - cpu0) / (wall1 - wall0), 1),
            "offer_p50_ms": round(percentile(offers, 0.5), 1) if offers else None,
            "offer_p99_ms": round(percentile(offers, 0.99), 1) if offers else None,
            "offers": len(offers),
            "lost_calls": lost,
            "missing_records": len(missing),
            "hanging_callers": len(hanging),
            "calls": len(ours),
            "calls_answered": len(answered),
            "dispositions": dispositions,
            "callers": callers,
            "agents": agents,
            "time_scale": time_scale,
            "engine_errors": len(errors),
            **sim_result,
        }
        if errors:
            print(f"{label}: engine logged {len(errors)} errors, first: {errors[0][:300]}")
        if lost:
            keep = True
        return result
    finally:
        engine_process.child_env = saved_env
        if meter is not None:
            meter.stop()
        if engine is not None:
            engine.stop()
        if sim is not None:
            sim.stop()
        redis.stop()
        keep_or_remove(workdir, keep)


def baseline_checkout(revision: str) -> Path:
    """A temporary ``git worktree`` of ``revision`` (detached; removed by the caller)."""
    folder = Path(tempfile.mkdtemp(prefix="sim_scale-base-")) / "code"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), revision],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder


def remove_checkout(folder: Path) -> None:
    """Remove the temporary worktree and its folder."""
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)],
        check=False, capture_output=True,
    )  # fmt: skip
    subprocess.run(["rm", "-rf", str(folder.parent)], check=False)


def ratio(new: float | None, old: float | None) -> float | None:
    """new / old, rounded; None when either is missing."""
    return round(new / old, 3) if new is not None and old else None


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The main measurement, then (with ``--baseline``) both codes at the baseline size."""
    result = measure(args, ROOT, args.callers, args.agents, "new", args.time_scale)
    if not args.baseline:
        return result
    small = (args.baseline_callers, args.baseline_agents, args.baseline_time_scale)
    same = small == (args.callers, args.agents, args.time_scale)
    new_small = result if same else measure(args, ROOT, *small[:2], "new-small", small[2])
    folder = baseline_checkout(args.baseline)
    try:
        base = measure(args, folder, *small[:2], "baseline", small[2])
    finally:
        remove_checkout(folder)
    result.update(
        baseline=args.baseline,
        baseline_callers=args.baseline_callers,
        baseline_agents=args.baseline_agents,
        baseline_time_scale=args.baseline_time_scale,
        baseline_engine_cpu_ms_per_call=base["engine_cpu_ms_per_call"],
        baseline_rss_mb=base["rss_mb"],
        baseline_mb_per_concurrent_call=base["mb_per_concurrent_call"],
        baseline_rss_after_drain_mb=base["rss_after_drain_mb"],
        baseline_concurrent_calls=base["concurrent_calls"],
        baseline_lost_calls=base["lost_calls"],
        baseline_offer_p99_ms=base["offer_p99_ms"],
        baseline_engine_cpu_percent=base["engine_cpu_percent"],
        same_size_engine_cpu_ms_per_call=new_small["engine_cpu_ms_per_call"],
        same_size_rss_mb=new_small["rss_mb"],
        same_size_mb_per_concurrent_call=new_small["mb_per_concurrent_call"],
        same_size_lost_calls=new_small["lost_calls"],
        same_size_offer_p99_ms=new_small["offer_p99_ms"],
        cpu_per_call_ratio=ratio(
            new_small["engine_cpu_ms_per_call"], base["engine_cpu_ms_per_call"]
        ),
        mb_per_call_ratio=ratio(
            new_small["mb_per_concurrent_call"], base["mb_per_concurrent_call"]
        ),
    )
    return result


def main() -> None:
    """Parse the arguments, run, print the summary and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=5000, help="caller slots (concurrent)")
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument(
        "--duration", type=float, default=60.0, help="real seconds of load after the ramp"
    )
    parser.add_argument("--ramp", type=float, default=20.0, help="first calls spread (sim s)")
    # 5,000 callers at real speed would need more than the one core the simulator has
    parser.add_argument(
        "--time-scale", type=float, default=10.0, help="real seconds per simulated second"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drain", type=float, default=30.0)
    parser.add_argument("--record-wait", type=float, default=60.0)
    parser.add_argument("--baseline", default="main", help="git revision to compare ('' none)")
    parser.add_argument("--baseline-callers", type=int, default=500)
    parser.add_argument("--baseline-agents", type=int, default=150)
    parser.add_argument("--baseline-time-scale", type=float, default=2.0)
    parser.add_argument("--profile", action="store_true", help="cProfile the engine")
    parser.add_argument("--tracemalloc", action="store_true", help="engine memory by line")
    parser.add_argument(
        "--snap-at",
        type=lambda t: [int(x) for x in t.split(",")],
        default=[-2],
        help="with --tracemalloc: seconds from the mass hang-up to snapshot at",
    )
    parser.add_argument("--after-snap", action="store_true", help="snapshot after the hang-up")
    parser.add_argument(
        "--census", action="store_true", help="engine census every second from the hang-up"
    )
    parser.add_argument("--rss-trace", action="store_true", help="print RSS every second")
    parser.add_argument("--sim-profile", help="cProfile the simulator process into this file")
    parser.add_argument("--quick", action="store_true", help="small and short, no baseline")
    parser.add_argument("--workdir", help="keep each run's files (db, engine.log) under here")
    args = parser.parse_args()
    if args.quick:
        args.callers, args.agents, args.duration, args.ramp = 40, 10, 8.0, 3.0
        args.time_scale, args.drain, args.record_wait, args.baseline = 1.0, 20.0, 20.0, ""
    result = run(args)
    summary = (
        f"{result['concurrent_calls']} concurrent calls, engine RSS {result['rss_mb']} MB "
        f"({result['rss_holding_mb']} MB while held), "
        f"{result['engine_cpu_ms_per_call']} ms CPU per call, offer p99 "
        f"{result['offer_p99_ms']} ms, {result['lost_calls']} lost"
    )
    if "baseline_engine_cpu_ms_per_call" in result:
        summary += (
            f"; at {args.baseline_callers} callers: {result['same_size_engine_cpu_ms_per_call']}"
            f" ms vs {result['baseline_engine_cpu_ms_per_call']} ms CPU per call "
            f"(x{result['cpu_per_call_ratio']}), {result['same_size_mb_per_concurrent_call']} vs "
            f"{result['baseline_mb_per_concurrent_call']} MB per call "
            f"(x{result['mb_per_call_ratio']}) [{args.baseline}]"
        )
    report(summary, result)


if __name__ == "__main__":
    main()
