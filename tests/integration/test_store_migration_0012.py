"""Migration 0012 (admin set-up) on a database at 0011 with a queue and a skill: up keeps the
rows (queues get no widening and tier wait 0, skills stay active), seeds the four not-ready
reasons the desktop offered before; down drops only what it added."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from callcenter.store.migrate import alembic_config, current, upgrade


def _rows(db_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchall()


def test_0012_up_and_down(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    upgrade(url, "0011")
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO queues (name, strategy, max_wait_seconds, wrap_up_seconds, "
            "wrap_up_code_required, announce_position, announce_wait_time, "
            "announce_interval_seconds, max_wait_no_agent_seconds, active, created_at) "
            "VALUES ('sales', 'longest-idle-agent', 300, 10, 0, 1, 0, 60, 0, 1, '2026-12-01')"
        )
        conn.execute("INSERT INTO skills (name) VALUES ('english')")

    upgrade(url, "0012")
    assert current(url) == "0012"
    assert _rows(db_path, "SELECT name, widening, tier_wait_seconds FROM queues") == [
        ("sales", None, 0)
    ]
    assert _rows(db_path, "SELECT name, active FROM skills") == [("english", 1)]
    assert _rows(db_path, "SELECT code FROM not_ready_reasons ORDER BY position") == [
        ("break",), ("lunch",), ("meeting",), ("training",)
    ]  # fmt: skip

    command.downgrade(alembic_config(url), "0011")
    assert current(url) == "0011"
    tables = {r[0] for r in _rows(db_path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert not {"not_ready_reasons", "calendars"} & tables
    assert _rows(db_path, "SELECT name FROM queues") == [("sales",)]
