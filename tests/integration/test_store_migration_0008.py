"""Migration 0008 (users.session_epoch) on a database at 0007 that has users and rows that
point at them: up keeps every row, down drops only the column (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic import command

from callcenter.store.migrate import alembic_config, current, upgrade
from tests.support import sql


def _rows(url: str) -> dict[str, list[tuple]]:
    return {
        "users": sql.rows(url, "SELECT id, username, active FROM users ORDER BY id"),
        "agents": sql.rows(url, "SELECT number, user_id FROM agents"),
        "audit": sql.rows(url, "SELECT actor, user_id FROM audit_log"),
    }


def test_0008_up_and_down_on_a_database_with_users(blank_db_url: str) -> None:
    url = blank_db_url
    upgrade(url, "0007")
    sql.execute(
        url,
        "INSERT INTO users (username, password_hash, role, language, active, created_at) "
        "VALUES (:name, 'scrypt:x', 'agent', 'en', :active, '2026-12-01 00:00:00')",
        {"name": "old", "active": True},
        {"name": "gone", "active": False},
    )
    sql.execute(
        url,
        "INSERT INTO agents (user_id, number, sip_user, display_name, max_no_answer, "
        "active, created_at) VALUES (1, '1001', '1001', 'Old', 3, true, '2026-12-01 00:00:00')",
    )
    sql.execute(
        url,
        "INSERT INTO audit_log (ts, user_id, actor, action, detail) "
        "VALUES ('2026-12-01 00:00:00', 1, 'old', 'login', '{}')",
    )
    before = _rows(url)
    assert "session_epoch" not in sql.columns(url, "users")

    upgrade(url, "0008")
    assert current(url) == "0008"
    assert _rows(url) == before
    assert sql.rows(url, "SELECT session_epoch FROM users") == [(0,), (0,)]
    sql.execute(url, "UPDATE users SET session_epoch = 4 WHERE username = 'old'")

    command.downgrade(alembic_config(url), "0007")
    assert current(url) == "0007"
    assert "session_epoch" not in sql.columns(url, "users")
    assert _rows(url) == before

    upgrade(url, "0008")  # and up again: epochs start over at 0
    assert _rows(url) == before
    assert sql.rows(url, "SELECT session_epoch FROM users") == [(0,), (0,)]
