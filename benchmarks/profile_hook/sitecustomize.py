"""Profiling hook for a benchmark's engine child: on PYTHONPATH, Python imports it at start.

``CALLCENTER_BENCH_PROFILE=<file>``: cProfile (CPU time, not wall time) over the whole
process, written to ``<file>`` on SIGUSR2 and at exit (``python -m pstats <file>``; forked
children write nothing).
``CALLCENTER_BENCH_TRACEMALLOC=<file>``: tracemalloc from the start; SIGUSR1 writes the top
allocation sites (by line, and by file) and the live objects by type to ``<file>``, and the
snapshot itself to ``<file>.<n>.snap`` (the n-th signal), so a benchmark can take snapshots
idle and at its peak and compare them; ``CALLCENTER_BENCH_TRACEMALLOC_DEPTH``: frames kept
per allocation (default 1).
``CALLCENTER_BENCH_CENSUS=<file>``: SIGUSR1 appends one line to ``<file>``: RSS, greenlets and
the bytes of C stack they have saved, pymalloc's allocated blocks, and the most numerous live
objects (cheap enough to take every second through a mass hang-up, unlike tracemalloc).
Nothing happens without them.
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


def _object_counts() -> list[tuple[str, int]]:
    """Live gc-tracked objects by type name, most first (greenlets show how many wait)."""
    import gc
    from collections import Counter

    counts: Counter[str] = Counter()
    for obj in gc.get_objects():
        name = type(obj).__qualname__
        if name == "function":  # closures made per call: where their code is
            code = obj.__code__
            name = f"function {code.co_filename.rsplit('/', 2)[-1]}:{code.co_firstlineno}"
        elif name == "method":
            name = f"method {getattr(obj.__func__, '__qualname__', '?')}"
        counts[name] += 1
    return counts.most_common()


def _tracemalloc(path: str) -> None:
    import tracemalloc

    tracemalloc.start(int(os.environ.pop("CALLCENTER_BENCH_TRACEMALLOC_DEPTH", "1")))
    taken = [0]

    def snapshot(*_: object) -> None:
        snap = tracemalloc.take_snapshot()
        taken[0] += 1
        snap.dump(f"{path}.{taken[0]}.snap")  # for offline comparisons (Snapshot.load)
        lines = [f"traced now {tracemalloc.get_traced_memory()[0] / 1e6:.1f} MB"]
        for key in ("lineno", "filename"):
            lines.append(f"-- top by {key}")
            lines += [str(stat) for stat in snap.statistics(key)[:40]]
        lines.append("-- live objects by type (gc-tracked)")
        lines += [f"{count:8d} {name}" for name, count in _object_counts()[:80]]
        with open(path, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")

    signal.signal(signal.SIGUSR1, snapshot)


def _event_census(events: list) -> str:
    """ESL events by name and size (whole channel or a few headers)."""
    from collections import Counter

    kinds: Counter[str] = Counter()
    for event in events:
        headers = event.headers
        size = "full" if len(headers) > 40 else "slim"
        kinds[f"{headers.get('Event-Name', '?')}/{size}"] += 1
    return ", ".join(f"{k} {n}" for k, n in kinds.most_common(12))


def _census(path: str) -> None:
    import gc
    import sys

    started = time.monotonic()

    def census(*_: object) -> None:
        with open("/proc/self/status", encoding="ascii") as status:
            rss = next(line.split()[1] for line in status if line.startswith("VmRSS:"))
        import greenlet

        from callcenter.switch.protocol import Event as esl_event

        live = gc.get_objects()
        stacks = [g._stack_saved for g in live if isinstance(g, greenlet.greenlet)]
        redis_connections = sum(1 for o in live if type(o).__name__ == "Connection")
        events = _event_census([o for o in live if type(o) is esl_event])
        del live
        top = ", ".join(f"{name} {count}" for name, count in _object_counts()[:15])
        line = (
            f"t={time.monotonic() - started:.0f} rss_kb={rss} greenlets={len(stacks)} "
            f"stacks_mb={sum(stacks) / 1e6:.1f} connections={redis_connections} "
            f"blocks={sys.getallocatedblocks()} gc={gc.get_count()} | {top} | events: {events}\n"
        )
        with open(path, "a", encoding="utf-8") as out:
            out.write(line)

    signal.signal(signal.SIGUSR1, census)


# Taken out of the environment: Python processes the engine starts are not profiled.
if _path := os.environ.pop("CALLCENTER_BENCH_PROFILE", ""):
    _profile(_path)
if _path := os.environ.pop("CALLCENTER_BENCH_TRACEMALLOC", ""):
    _tracemalloc(_path)
elif _path := os.environ.pop("CALLCENTER_BENCH_CENSUS", ""):
    _census(_path)
