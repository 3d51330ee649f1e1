"""Run every benchmark once at small sizes, so a broken benchmark fails CI (``.ci/run``).

Each script runs as its own process with the arguments below and must exit 0 and end with one
JSON object holding the figures its README row quotes. Nothing is timed against a budget here:
budgets are read from full runs. Usage: ``python3 benchmarks/quick.py [NAME ...]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

QUICK: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "esl_ingest": (["3000"], ("events_per_s", "floor_ratio")),
    "acd_dispatch": (["--waiting", "50", "--agents", "40", "--queues", "4", "--rounds", "50",
                      "--idle", "0.5"], ("offer_p99_ms", "enqueue_offer_p99_ms")),
    "recording_pipeline": (["6"], ("transcode_x_realtime",)),
    "screen_pop": (["--clients", "5", "--answers", "20", "--step-answers", "10"], ("by_clients",)),
    "sim_load": (["--callers", "4", "--agents", "3", "--duration", "8", "--drain", "20",
                  "--record-wait", "10"], ("calls_completed", "lost_calls")),
    "restart_chaos": (["--quick"], ("calls_placed", "calls_bridged", "calls_lost",
                                    "records_missing", "max_downtime_s")),
    "fuzz_soak": (["--inputs", "2000"], ("inputs", "server_errors", "crashes",
                                         "engine_calls_failed")),
    "queue_wallboard": (["--quick"], ("render_ms", "script_ms_per_update", "snapshot_ms")),
    "reports": (["--quick"], ("calls", "queue_report_s", "agent_report_s", "ivr_funnel_s")),
    "sim_scale": (["--quick"], ("concurrent_calls", "rss_mb", "engine_cpu_ms_per_call",
                                "offer_p99_ms", "lost_calls")),
}  # fmt: skip


def run(name: str) -> str:
    """Run one benchmark quickly; "" if it worked, else what went wrong."""
    args, keys = QUICK[name]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(HERE / f"{name}.py"), *args],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    lines = done.stdout.strip().splitlines()
    try:
        figures = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        figures = None
    if done.returncode != 0 or not isinstance(figures, dict):
        tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
        return f"exit {done.returncode}, last line not a JSON object:\n  " + "\n  ".join(tail)
    missing = [key for key in keys if key not in figures]
    if missing:
        return f"figures missing from the JSON line: {', '.join(missing)}"
    print(f"{name}: ok in {seconds:.0f} s", flush=True)
    return ""


def main() -> None:
    names = sys.argv[1:] or list(QUICK)
    unknown = [n for n in names if n not in QUICK]
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(QUICK)}")
    failures = {name: problem for name in names if (problem := run(name))}
    for name, problem in failures.items():
        print(f"{name}: FAILED - {problem}", flush=True)
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
