"""Migration 0008 (users.session_epoch) on a database at 0007 that has users and rows that
point at them: up keeps every row, down drops only the column."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from callcenter.store.migrate import alembic_config, current, upgrade


def _rows(db_path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(db_path) as conn:
        return {
            "users": conn.execute("SELECT id, username, active FROM users ORDER BY id").fetchall(),
            "agents": conn.execute("SELECT number, user_id FROM agents").fetchall(),
            "audit": conn.execute("SELECT actor, user_id FROM audit_log").fetchall(),
        }


def _columns(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {row[1] for row in conn.execute("PRAGMA table_info(users)")}


def test_0008_up_and_down_on_a_database_with_users(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    upgrade(url, "0007")
    with sqlite3.connect(db_path) as conn:
        conn.executemany(
            "INSERT INTO users (username, password_hash, role, language, active, created_at) "
            "VALUES (?, 'scrypt:x', 'agent', 'en', ?, '2026-12-01 00:00:00')",
            [("old", 1), ("gone", 0)],
        )
        conn.execute(
            "INSERT INTO agents (user_id, number, sip_user, display_name, max_no_answer, "
            "active, created_at) VALUES (1, '1001', '1001', 'Old', 3, 1, '2026-12-01 00:00:00')"
        )
        conn.execute(
            "INSERT INTO audit_log (ts, user_id, actor, action, detail) "
            "VALUES ('2026-12-01 00:00:00', 1, 'old', 'login', '{}')"
        )
    before = _rows(db_path)
    assert "session_epoch" not in _columns(db_path)

    upgrade(url, "0008")
    assert current(url) == "0008"
    assert _rows(db_path) == before
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT session_epoch FROM users").fetchall() == [(0,), (0,)]
        conn.execute("UPDATE users SET session_epoch = 4 WHERE username = 'old'")

    command.downgrade(alembic_config(url), "0007")
    assert current(url) == "0007"
    assert "session_epoch" not in _columns(db_path)
    assert _rows(db_path) == before

    upgrade(url, "0008")  # and up again: epochs start over at 0
    assert _rows(db_path) == before
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT session_epoch FROM users").fetchall() == [(0,), (0,)]
