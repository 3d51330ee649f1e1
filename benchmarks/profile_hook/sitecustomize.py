"""Profiling hook for a benchmark's engine child: on PYTHONPATH, Python imports it at start.

``CALLCENTER_BENCH_PROFILE=<file>``: cProfile (CPU time, not wall time) over the whole
process, written to ``<file>`` on SIGUSR2 and at exit (``python -m pstats <file>``; forked
children write nothing).
``CALLCENTER_BENCH_TRACEMALLOC=<file>``: tracemalloc from the start; SIGUSR1 writes the top
allocation sites (by line, and by file) to ``<file>``, so a benchmark can take the snapshot at
its peak. Nothing happens without them.
"""

from __future__ import annotations

import atexit
import os
import signal
import time


def _profile(path: str) -> None:
    import cProfile

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    pid = os.getpid()

    def dump(*_: object) -> None:
        if os.getpid() == pid:
            profiler.disable()
            profiler.dump_stats(path)
            profiler.enable()

    atexit.register(dump)
    signal.signal(signal.SIGUSR2, dump)


def _tracemalloc(path: str) -> None:
    import tracemalloc

    tracemalloc.start(1)

    def snapshot(*_: object) -> None:
        snap = tracemalloc.take_snapshot()
        lines = [f"traced now {tracemalloc.get_traced_memory()[0] / 1e6:.1f} MB"]
        for key in ("lineno", "filename"):
            lines.append(f"-- top by {key}")
            lines += [str(stat) for stat in snap.statistics(key)[:40]]
        with open(path, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")

    signal.signal(signal.SIGUSR1, snapshot)


# Taken out of the environment: Python processes the engine starts are not profiled.
if _path := os.environ.pop("CALLCENTER_BENCH_PROFILE", ""):
    _profile(_path)
if _path := os.environ.pop("CALLCENTER_BENCH_TRACEMALLOC", ""):
    _tracemalloc(_path)
