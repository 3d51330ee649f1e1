"""`callcenter demo` runs engine + console + simulator + population and prints its logins."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path


def test_demo_runs_the_population_against_the_engine(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
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
