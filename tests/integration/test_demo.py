"""`callcenter demo` runs engine + console + simulator + population and prints its logins."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.engine_process import child_env


def test_demo_runs_the_population_against_the_engine(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    env = child_env()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from callcenter.entry import run; run()",
            "demo",
            "--duration",
            "25",
            "--calls-per-minute",
            "40",
            "--agents",
            "4",
            "--port",
            "0",
            "--workdir",
            str(workdir),
            "--seed",
            "7",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert re.search(r"console http://127\.0\.0\.1:\d+/", result.stdout), result.stdout
    assert re.search(r"supervisor / \S{8,}", result.stdout)
    placed = int(re.search(r"demo stopped after (\d+) calls", result.stdout).group(1))
    assert placed > 3
    db = sqlite3.connect(workdir / "demo.db")
    rows = db.execute("select disposition, ivr_path from calls").fetchall()
    assert rows, output[-3000:]
    assert any('"node": "main:menu"' in path for _, path in rows), rows
    dispositions = {disposition for disposition, _ in rows}
    assert "answered" in dispositions, (dispositions, output[-3000:])
    # Every answered call has its recording on disk (WAV, or its compressed copy by now).
    answered = db.execute(
        "select c.uuid, r.path from calls c left join recordings r on r.call_id = c.id"
        " where c.disposition = 'answered'"
    ).fetchall()
    assert answered and all(path for _, path in answered), answered
    for call_uuid, path in answered:
        file = Path(path) if Path(path).is_absolute() else workdir / path
        assert file.stem == call_uuid and file.stat().st_size > 0, (call_uuid, path)
    states = {state for (state,) in db.execute("select state from agent_state_log")}
    assert {"not_ready", "available"} <= states
    # Chinese first: without --language every demo account signs in to a Chinese console.
    languages = dict(db.execute("select username, language from users"))
    assert languages and set(languages.values()) == {"zh"}, languages


def _redis_servers_in(folder: Path) -> list[int]:
    """Pids of redis-server processes whose working directory is ``folder`` (the demo's)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if "redis-server" in (proc / "comm").read_text() and (
                (proc / "cwd").resolve() == folder.resolve()
            ):
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(lambda process: process.send_signal(signal.SIGTERM), id="sigterm"),
        # Ctrl-C in a terminal: SIGINT to the whole foreground process group.
        pytest.param(lambda process: os.killpg(process.pid, signal.SIGINT), id="ctrl-c"),
    ],
)
def test_demo_stopped_with_sigterm_or_ctrl_c_cleans_up_and_language_en_switches(
    tmp_path: Path, stop: Callable[[subprocess.Popen], None]
) -> None:
    workdir = tmp_path / "demo"
    errors = tmp_path / "demo.err"
    with errors.open("w") as err:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from callcenter.entry import run; run()",
                "demo",
                "--duration",
                "300",
                "--agents",
                "2",
                "--port",
                "0",
                "--workdir",
                str(workdir),
                "--language",
                "en",
            ],
            cwd=tmp_path,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            start_new_session=True,  # its own process group, as a shell gives a command
        )
    try:
        for line in process.stdout:
            if "callcenter demo running" in line:
                break
        assert _redis_servers_in(workdir), "the demo's redis-server should be running"
        stop(process)
        out, _ = process.communicate(timeout=120)
    finally:
        process.kill()
    logged = errors.read_text(errors="replace")
    assert process.returncode == 0, logged[-3000:]
    assert "demo stopped after" in out
    assert _redis_servers_in(workdir) == []
    # Redis outlives the engine's shutdown (a Ctrl-C to the group does not reach it).
    assert "cannot reach Redis" not in logged, logged[-3000:]
    assert "Traceback" not in logged, logged[-3000:]
    users = sqlite3.connect(workdir / "demo.db").execute("select username, language from users")
    languages = dict(users)
    assert {"admin", "supervisor", "agent1000"} <= set(languages), languages
    assert set(languages.values()) == {"en"}, languages


def test_simulator_stopped_with_sigterm_exits_cleanly(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from callcenter.entry import run; run()",
            "sim",
            "serve",
            "--port",
            "0",
        ],
        cwd=tmp_path,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "FreeSWITCH simulator: ESL on" in process.stdout.readline()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    # The signal stops the simulator, not whichever greenlet happened to run when it came.
    assert "KeyboardInterrupt" not in err, err
    assert "Traceback" not in err, err
