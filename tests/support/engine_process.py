"""Run the real engine (``callcenter serve --no-console``) as a child process in tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import gevent

from callcenter.live.errors import LiveError
from callcenter.live.names import ENGINE_STATUS
from callcenter.live.store import LiveStore

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120.0
"""How long an engine may take to start: an engine that exits is reported at once, so only a
hung one waits this long - and a slow machine (a loaded CI runner) never fails a test."""


def child_env() -> dict[str, str]:
    """This process's environment for a child callcenter: no CALLCENTER_ settings, and
    this checkout's code first on the path (not whatever an editable install points at)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class EngineProcess:
    """A running engine: its process, outbound port and log file."""

    process: subprocess.Popen
    outbound_port: int
    log_path: Path

    def log(self) -> str:
        """Everything the engine logged so far."""
        return self.log_path.read_text(errors="replace")

    def records(self, event: str | None = None, **fields: object) -> list[dict]:
        """The engine's JSON log records so far (lines that are not JSON objects skipped),
        only those whose ``event`` is ``event`` and whose ``fields`` have these values."""
        found = []
        for line in self.log().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict):
                continue
            if event is not None and record.get("event") != event:
                continue
            if all(record.get(name) == value for name, value in fields.items()):
                found.append(record)
        return found

    def wait_for_record(self, event: str, timeout: float = 15.0, **fields: object) -> dict:
        """Wait (cooperatively) until the engine logged a record with this ``event`` (and
        ``fields``); returns the first such record."""
        deadline = time.monotonic() + timeout
        while not (found := self.records(event, **fields)):
            if self.process.poll() is not None:
                raise AssertionError(f"engine exited {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {event!r} record within {timeout} s:\n{self.log()}")
            gevent.sleep(0.05)
        return found[0]

    def wait_status(
        self,
        live: LiveStore,
        done: Callable[[dict[str, str]], bool],
        what: str,
        node: str = "node1",
        timeout: float = 15.0,
    ) -> dict[str, str]:
        """Wait (cooperatively) until this process's status hash of ``node`` satisfies ``done``."""
        deadline = time.monotonic() + timeout
        while True:
            status = live.get(ENGINE_STATUS, node)
            if status.get("pid") == str(self.process.pid) and done(status):
                return status
            if self.process.poll() is not None:
                raise AssertionError(f"engine exited {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"not {what} within {timeout} s ({status}):\n{self.log()}")
            gevent.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM, then kill if it lingers."""
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def start_engine(
    tmp_path: Path,
    *,
    esl_port: int,
    esl_password: str,
    db_url: str,
    redis_url: str,
    redis_prefix: str,
    outbound_port: int | None = None,
    **settings: str,
) -> EngineProcess:
    """Start ``callcenter serve --no-console`` with env settings; returns once it listens."""
    outbound_port = outbound_port or free_port()
    env = child_env()
    env.update(
        {
            "CALLCENTER_ESL__PORT": str(esl_port),
            "CALLCENTER_ESL__PASSWORD": esl_password,
            "CALLCENTER_OUTBOUND__PORT": str(outbound_port),
            "CALLCENTER_DATABASE__URL": db_url,
            "CALLCENTER_REDIS__URL": redis_url,
            "CALLCENTER_REDIS__PREFIX": redis_prefix,
            "CALLCENTER_RECORDING__PATH": str(tmp_path / "recordings"),
            "CALLCENTER_ROUTING__DOMAIN": "127.0.0.1",
            "CALLCENTER_LOG__FORMAT": "json",
        }
    )
    env.update({f"CALLCENTER_{k.upper()}": v for k, v in settings.items()})
    log_path = tmp_path / "engine.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from callcenter.entry import run; run()",
                "serve",
                "--no-console",
            ],
            cwd=tmp_path,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    engine = EngineProcess(process, outbound_port, log_path)
    try:
        with LiveStore(redis_url, redis_prefix) as live:
            if _reachable(live):
                node = settings.get("NODE_ID", "node1")
                engine.wait_status(live, _running, "running", node, STARTUP_SECONDS)
            else:  # a test of the engine without Redis: only its log records tell
                engine.wait_for_record("engine started", STARTUP_SECONDS)
    except AssertionError:
        engine.stop()
        raise
    return engine


def _running(status: dict[str, str]) -> bool:
    return status.get("state") == "running"


def _reachable(live: LiveStore) -> bool:
    try:
        live.ping()
    except LiveError:
        return False
    return True


def wait_taken_over(
    live: LiveStore, engine: EngineProcess, node: str = "node1", timeout: float = STARTUP_SECONDS
) -> dict[str, str]:
    """Wait until ``engine`` took over what the last process of ``node`` left (its status hash
    has its pid and ``taken_over_at``; part of its start-up); returns the hash."""
    return engine.wait_status(
        live, lambda status: "taken_over_at" in status, "taken over", node, timeout
    )


HOTLINE_XML = Path(__file__).resolve().parents[2] / "dialplan/public/10_callcenter_hotline.xml"


def hotline_actions(target: str) -> list[tuple[str, str]]:
    """The shipped hotline extension (dialplan/public/10_callcenter_hotline.xml) as simulator
    dialplan actions, so a test meets what a real FreeSWITCH does with our configuration."""
    preprocess = {"callcenter_outbound} async full": target, "hold_music}": "local_stream://moh"}
    actions = []
    for action in ElementTree.parse(HOTLINE_XML).iter("action"):
        data = action.get("data", "")
        for name, value in preprocess.items():
            data = data.replace("$${" + name, value)
        actions.append((action.get("application", ""), data))
    return actions
