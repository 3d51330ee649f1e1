"""The engine's flow problems in Redis (hash ``flow-problems:<node>``), as the admin page reads
them: written when they change, ``since`` kept while a file stays broken, cleared once fixed,
and a Redis outage is logged and retried, never raised."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from structlog.testing import capture_logs

from callcenter.engine.flow_problems import FlowProblemsBoard
from callcenter.ivr.registry import FlowRegistry
from callcenter.live.names import FLOW_PROBLEMS
from callcenter.live.store import LiveStore

GOOD = "name: main\nstart: bye\nnodes:\n  bye: {type: hangup}\n"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def rows(live: LiveStore) -> list[dict]:
    return json.loads(live.get(FLOW_PROBLEMS, "node1").get("problems") or "[]")


def test_problems_are_published_with_since_and_cleared(tmp_path: Path, live: LiveStore) -> None:
    (tmp_path / "main.yaml").write_text(GOOD)
    registry = FlowRegistry(tmp_path, check_interval=0)
    clock = Clock()
    board = FlowProblemsBoard(registry, live, "node1", clock)
    board.check()
    assert live.get(FLOW_PROBLEMS, "node1")["count"] == "0" and rows(live) == []

    (tmp_path / "evil.yaml").write_bytes(b"name: x\0\n")
    board.check()
    (row,) = rows(live)
    assert row["file"] == str(tmp_path / "evil.yaml") and (row["line"], row["column"]) == (1, 8)
    assert "NUL byte" in row["message"] and row["since"] == "2026-03-02T09:00:00+00:00"

    clock.now += timedelta(minutes=5)  # still broken, differently: the same since
    (tmp_path / "evil.yaml").write_text("name: x\nstart: [\n")
    board.check()
    (row,) = rows(live)
    assert "not valid YAML" in row["message"] and row["since"] == "2026-03-02T09:00:00+00:00"
    assert live.get(FLOW_PROBLEMS, "node1")["updated_at"] == "2026-03-02T09:05:00+00:00"

    (tmp_path / "evil.yaml").unlink()
    board.check()
    assert rows(live) == []


def test_redis_down_is_logged_and_retried(tmp_path: Path, live: LiveStore) -> None:
    (tmp_path / "evil.yaml").write_bytes(b"\xff")
    registry = FlowRegistry(tmp_path, check_interval=0)
    down = LiveStore("redis://127.0.0.1:1/0", live.prefix, connect_timeout=0.2)
    board = FlowProblemsBoard(registry, down, "node1")
    with capture_logs() as logged:  # the structured record, whatever logging set-up ran before
        board.check()  # no exception
    assert "flow problems not written to Redis" in [entry["event"] for entry in logged]
    board.live = live
    board.check()
    assert "not UTF-8" in rows(live)[0]["message"]
