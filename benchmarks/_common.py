"""What the end-to-end benchmarks share: /proc figures, the run's folder, and the tail.

The tail of every run is the same: start the harness, run it, stop it whatever happened,
keep the run's files when asked (``--workdir``) or when the run found a fault, print one
human line and, last, one JSON object (what ``benchmarks/quick.py`` and the README read).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (fields 14 and 15 of /proc/<pid>/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "; field 3 is fields[0]
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of ``pid`` in MB (/proc/<pid>/status)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def make_workdir(kept: str | None, prefix: str) -> Path:
    """The run's folder: ``kept`` (``--workdir``, made if missing) or a new temporary one."""
    workdir = Path(kept) if kept else Path(tempfile.mkdtemp(prefix=prefix))
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir


def keep_or_remove(workdir: Path, keep: bool) -> None:
    """Say where the run's files are when they are kept; else delete them."""
    if keep:
        print(f"run files kept in {workdir}", flush=True)
    else:
        shutil.rmtree(workdir, ignore_errors=True)


class Harness(Protocol):
    """A benchmark's set-up: started, run once for its figures, stopped."""

    def start(self) -> None:
        """Start what the run needs (servers, engine, callers)."""

    def run(self) -> dict[str, Any]:
        """Run the load; the figures."""

    def stop(self) -> None:
        """Stop everything started, also after a failure."""


def run_harness(
    harness: Harness, workdir: Path, *, kept: bool, faulty: Callable[[dict[str, Any]], Any]
) -> dict[str, Any]:
    """Start, run and stop ``harness``; keep ``workdir`` if ``kept`` or the run was ``faulty``."""
    try:
        harness.start()
        result = harness.run()
    finally:
        harness.stop()
    keep_or_remove(workdir, kept or bool(faulty(result)))
    return result


def stop_center(engine: Any, switch: Any, live: Any, redis: Any) -> None:
    """Stop the engine, the simulator, the live store and Redis (each that was started)."""
    if engine is not None:
        engine.stop()
    if switch is not None:
        switch.stop()
    if live is not None:
        live.close()
    redis.stop()


def report(summary: str, result: dict[str, Any]) -> None:
    """Print the human summary, then the figures as the last line (one JSON object)."""
    print(summary, flush=True)
    print(json.dumps(result), flush=True)
