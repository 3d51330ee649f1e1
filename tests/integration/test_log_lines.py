"""With ``log.format: json`` every line the engine, the console and the demo write is a JSON
log record (third-party libraries' and the web server's lines too, with ``log.access`` each
request), and alembic's start-up chatter is gone."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.calls import sign_in
from tests.support.center import Center
from tests.support.engine_process import child_env, free_port
from tests.support.log_lines import alembic_chatter, json_records


def test_every_line_of_the_engine_is_a_json_record(
    tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> None:
    with Center(tmp_path, db_url, redis_url, redis_prefix, agents=["1000"]) as center:
        sign_in(center, "1000")
        center.switch.place_call("13800000701", "5000", hangup_after=3.0)
        engine = center.engine
        engine.wait_for_record("outbound call")
        engine.wait_for_record("call gone", timeout=30)
        center.stop_engine()
    records = json_records(engine.log())
    events = {r["event"] for r in records}
    assert {"engine started", "outbound call", "call gone"} <= events, events
    assert alembic_chatter(records) == []


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_every_line_of_the_console_is_a_json_record(
    tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> None:
    port = free_port()
    env = child_env() | {
        "CALLCENTER_DATABASE__URL": db_url,
        "CALLCENTER_REDIS__URL": redis_url,
        "CALLCENTER_REDIS__PREFIX": redis_prefix,
        "CALLCENTER_CONSOLE__PORT": str(port),
        "CALLCENTER_LOG__FORMAT": "json",
        "CALLCENTER_LOG__ACCESS": "true",
    }
    command = [sys.executable, "-c", "from callcenter.entry import run; run()"]
    process = subprocess.Popen(
        [*command, "serve", "--no-engine"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status = _get(url + "/login")
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "no console"
                time.sleep(0.1)
        assert status == 200
        assert _get(url + "/no-such-page") == 404
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            assert conn.recv(100).startswith(b"HTTP/1.1 400")
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    records = json_records(output)
    assert "console listening" in {r["event"] for r in records}, output
    requests = [(r["path"], r["status"]) for r in records if r["event"] == "http request"]
    assert ("/login", 200) in requests and ("/no-such-page", 404) in requests, requests
    assert any(r["logger"] == "callcenter.http" and r["level"] == "error" for r in records)
    assert alembic_chatter(records) == []


DEMO_BANNER = re.compile(
    r"^$|^callcenter demo running: |^  (admin|supervisor|agent\d+\.\.agent\d+) +/ \S+$"
    r"|^  hotline |^demo stopped after \d+ calls$"
)
"""The demo's own output on stdout (its console address and logins), not log lines."""


def test_every_log_line_of_the_demo_is_a_json_record(tmp_path: Path) -> None:
    env = child_env() | {"CALLCENTER_LOG__FORMAT": "json"}
    result = subprocess.run(
        [sys.executable, "-c", "from callcenter.entry import run; run()", "demo"]
        + ["--duration", "8", "--calls-per-minute", "60", "--agents", "2", "--port", "0"]
        + ["--workdir", str(tmp_path / "demo"), "--seed", "3"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    records = json_records(result.stderr)
    events = {r["event"] for r in records}
    assert {"engine started", "console listening", "ivr_flow_loaded"} <= events, events
    assert alembic_chatter(records) == []
    others = [line for line in result.stdout.splitlines() if not DEMO_BANNER.match(line)]
    assert others == [], result.stdout


def test_every_log_line_of_the_simulator_is_a_json_record(tmp_path: Path) -> None:
    port = free_port()
    env = child_env() | {"CALLCENTER_LOG__FORMAT": "json"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from callcenter.entry import run; run()", "sim", "serve"]
        + ["--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "no simulator"
                time.sleep(0.1)
        with conn:  # a command too long to take: the simulator logs a warning and hangs up
            conn.sendall(b"api status\nContent-Length: 99999999\n\n")
            while conn.recv(4096):
                pass
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=20)
    records = json_records(stderr)
    assert any(
        r["logger"] == "callcenter.sim" and r["level"] == "warning" and "oversized" in r["event"]
        for r in records
    ), stderr
    assert stdout.startswith(f"FreeSWITCH simulator: ESL on 127.0.0.1:{port}"), stdout
