"""The simulator side of ``benchmarks/sim_scale.py``, in a process of its own.

At thousands of calls the simulated FreeSWITCH and its population (callers dialling, agents'
softphones) cost more CPU than the engine under test; in the bench process they would share
one core with the measuring and stall. Here they get a process (a core) of their own.

Protocol (lines on stdin / stdout, each stdout line one JSON object): the process starts the
simulator and prints ``{"esl_port": P}``; on the line ``go`` it starts the population (agents
signed in through Redis commands, ``--callers`` slots that each redial shortly after their
call ended, first calls spread over ``--ramp`` simulated seconds); every second it prints
``{"up": <callers on the line>, "reached": <of them connected to the engine>}``; ``--duration``
real seconds after the ramp it stops placing calls, hangs up every caller still on the line (also
those talking: at thousands of calls waiting for talks to end would take minutes), and prints
the result (``{"result": {...}}``: the uuids of the callers that reached the engine, those
still up at the end, its own CPU and longest event-loop stall).
The ESL password comes in the environment (``SCALE_ESL_PASSWORD``).
"""

from __future__ import annotations

import os

# gevent records the spawning stack of every greenlet (a few per call, thousands of frames
# to keep and to scan); this process spawns tens of thousands and never reads them
os.environ.setdefault("GEVENT_TRACK_GREENLET_TREE", "0")

from gevent import monkey  # noqa: E402

monkey.patch_all()

import argparse  # noqa: E402
import collections  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import select  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.load_callers import LoadPopulation, caller_up, reached_engine  # noqa: E402
from benchmarks.load_meters import HubLag  # noqa: E402
from callcenter.live.names import AGENT_COMMANDS  # noqa: E402
from callcenter.live.store import LiveStore  # noqa: E402
from callcenter.sim import Switch  # noqa: E402
from callcenter.sim.endpoints import Caller  # noqa: E402
from callcenter.sim.population import PopulationConfig  # noqa: E402


class ScaleCallers(LoadPopulation):
    """LoadPopulation whose first calls are spread over ``ramp`` simulated seconds; it keeps
    only the callers on the line (``live``) and the uuids of the ended ones that reached the
    engine (``reached``): tens of thousands of ended calls would hold their channels."""

    def __init__(self, *args: Any, ramp: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ramp = ramp
        self.live: dict[Caller, None] = {}
        self.reached: list[str] = []

    def _track(self, caller: Caller) -> None:
        self.live[caller] = None

    def _slot(self, index: int) -> None:
        self._sleep(self.random.uniform(0.0, self.ramp))
        while self.placing:
            caller = self._place()
            caller.ended.wait()
            self.live.pop(caller, None)
            if reached_engine(caller):
                self.reached.append(caller.uuid)
            self._sleep(self.random.uniform(0.5, 2.0))

    def on_line(self) -> list[Caller]:
        """The callers whose channel is up."""
        return [c for c in self.live if caller_up(c)]

    def all_reached(self) -> list[str]:
        """Uuids of every caller that reached the engine (ended or still known)."""
        return self.reached + [c.uuid for c in self.live if reached_engine(c)]


class GcPauses:
    """The longest garbage collection of this process (a full one over a big heap stalls
    every greenlet)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.total = 0.0
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            took = time.perf_counter() - self._start
            self.total += took
            self.longest = max(self.longest, took)


def census(path: str) -> None:
    """Write the counts of this process's GC-tracked objects by type (what a call holds)."""
    counts = collections.Counter(type(o).__name__ for o in gc.get_objects())
    lines = [f"{n:>10} {name}" for name, n in counts.most_common(40)]
    Path(path).write_text(f"{sum(counts.values())} objects\n" + "\n".join(lines) + "\n")


def emit(obj: dict[str, Any]) -> None:
    """One JSON line to the bench process."""
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def cpu_now() -> float:
    """This process's user + system CPU seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(args: argparse.Namespace) -> None:
    """Start the simulator, wait for ``go``, run the load, print the result."""
    extensions = [str(1000 + n) for n in range(args.agents)]
    switch = Switch(
        password=os.environ["SCALE_ESL_PASSWORD"],
        time_scale=args.time_scale,
        users=extensions,
        dialplan={args.hotline: f"{args.target} async full"},
    ).start()
    live = LiveStore(args.redis_url, args.prefix)
    population: ScaleCallers | None = None
    try:
        emit({"esl_port": switch.port})
        select.select([sys.stdin], [], [])  # cooperative: the simulator runs meanwhile
        if sys.stdin.readline().strip() != "go":
            return

        def agent_action(extension: str, action: str, reason: str) -> None:
            live.send_command(
                AGENT_COMMANDS, {"agent_id": extension, "action": action, "reason": reason}
            )

        # an agent answers an offer 1-4 real seconds after it rang (the engine's originate
        # timeout runs in real time: at --time-scale 10 the default 1-4 simulated seconds
        # would ring 10-40 s and most offers would time out)
        answer = (1.0 / args.time_scale, 4.0 / args.time_scale)
        config = PopulationConfig(
            agents=extensions, hotline=args.hotline, seed=args.seed, answer_after=answer
        )
        cpu0, wall0 = cpu_now(), time.monotonic()
        lag = HubLag()
        pauses = GcPauses()
        # what exists now (modules, the switch, the agents' phones) stays for the run: out of
        # the collector's scans; and fewer young collections (each call makes thousands of
        # short-lived objects, its long-lived ones are collected in the full passes)
        gc.freeze()
        gc.set_threshold(10_000, 20, 10)
        population = ScaleCallers(switch, config, agent_action, args.callers, ramp=args.ramp)
        population.start()
        load_seconds = args.ramp * args.time_scale + args.duration  # ramp, then the hold
        while time.monotonic() - wall0 < load_seconds:
            gevent.sleep(1.0)
            up = population.on_line()
            emit({"up": len(up), "reached": sum(1 for c in up if reached_engine(c))})
        population.placing = False
        population.stop()
        cpu1, wall1 = cpu_now(), time.monotonic()
        if os.environ.get("SCALE_SIM_CENSUS"):
            census(os.environ["SCALE_SIM_CENSUS"])
        stall = lag.max_lag  # over the load (hanging up thousands at once stalls by design)
        cut = 0  # every caller still on the line hangs up: in the IVR, in line or talking
        for caller in population.on_line():
            cut += 1
            caller.hangup()
            if cut % 100 == 0:
                gevent.sleep(0)
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline and population.on_line():
            gevent.sleep(0.2)
        hanging = [c.uuid for c in population.on_line()]
        for caller in population.on_line():
            caller.hangup()
        switch.wait_idle(15.0)
        lag.stop()
        emit(
            {
                "result": {
                    "calls_placed": population.calls_placed,
                    "reached": population.all_reached(),
                    "hanging": hanging,
                    "cut_at_end": cut,
                    "sim_cpu_percent": round(100.0 * (cpu1 - cpu0) / (wall1 - wall0), 1),
                    "sim_max_stall_s": round(stall, 3),
                    "sim_connect_wait_max_s": round(switch.connect_wait_max, 3),
                    "sim_gc_max_s": round(pauses.longest, 3),
                    "sim_gc_total_s": round(pauses.total, 1),
                    "sim_rss_mb": round(
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1
                    ),
                }
            }
        )
    finally:
        if population is not None:
            population.placing = False
            population.stop()
        switch.stop()
        live.close()


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, required=True)
    parser.add_argument("--agents", type=int, required=True)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--ramp", type=float, default=30.0)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drain", type=float, default=30.0)
    parser.add_argument("--hotline", default="5000")
    parser.add_argument("--target", required=True, help="the engine's outbound host:port")
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--prefix", required=True)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
