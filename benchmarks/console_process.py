"""The console as a child process for a benchmark: ``callcenter serve --no-engine``."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["CONSOLE_MAIN", "start_console", "stop_console"]

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CONSOLE_MAIN = "from callcenter.entry import run; run()"  # the `callcenter` console script


def start_console(
    workdir: Path, port: int, settings: dict[str, str], *, main: str = CONSOLE_MAIN
) -> tuple[subprocess.Popen, Path]:
    """Serve the console on ``port`` with these ``CALLCENTER_*`` settings; wait for /login.

    Settings of this process's environment are dropped; the log goes to workdir/console.log.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env.update(settings)
    env.update(
        {
            "CALLCENTER_CONSOLE__HOST": HOST,
            "CALLCENTER_CONSOLE__PORT": str(port),
            "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    log_path = workdir / "console.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-c", main, "serve", "--no-engine"],
            cwd=workdir,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=1)
            conn.request("GET", "/login")
            conn.getresponse().read()
            conn.close()
            return process, log_path
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit("console did not start:\n" + log_path.read_text()) from None
            time.sleep(0.1)


def stop_console(process: subprocess.Popen, wait: float = 10.0) -> None:
    """Stop the console (SIGTERM: a clean stop), killing it after ``wait`` seconds."""
    process.terminate()
    try:
        process.wait(wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
