"""Migration 0010 (IVR flows in the database) on a database at 0009 with users: up adds the
flow tables and keeps every row, down drops only those tables, up again works (SQLite and
PostgreSQL)."""

from __future__ import annotations

from alembic import command

from callcenter.store.migrate import alembic_config, current, upgrade
from tests.support import sql

FLOW_TABLES = {"ivr_flows", "ivr_flow_versions", "hotline_numbers"}


def _users(url: str) -> list[tuple]:
    return sql.rows(url, "SELECT username, role FROM users ORDER BY id")


def test_0010_up_and_down_keeps_other_rows(blank_db_url: str) -> None:
    url = blank_db_url
    upgrade(url, "0009")
    sql.execute(
        url,
        "INSERT INTO users (username, password_hash, role, language, active, created_at, "
        "session_epoch) VALUES ('ann', 'scrypt:x', 'admin', 'en', true, '2026-12-01', 0)",
    )
    assert not FLOW_TABLES & sql.tables(url)

    upgrade(url, "0010")
    assert current(url) == "0010"
    assert FLOW_TABLES <= sql.tables(url)
    assert _users(url) == [("ann", "admin")]
    sql.execute(
        url,
        "INSERT INTO ivr_flows (name, active, published, created_at) "
        "VALUES ('main', true, 1, '2026-12-01')",
    )
    sql.execute(
        url,
        "INSERT INTO ivr_flow_versions (flow_id, number, yaml, sha256, author, comment, "
        "valid, created_at) VALUES (1, 1, 'name: main', 'x', 'ann', '', true, '2026-12-01')",
    )
    sql.execute(url, "INSERT INTO hotline_numbers VALUES ('5000', 'main', '')")

    command.downgrade(alembic_config(url), "0009")
    assert current(url) == "0009"
    assert not FLOW_TABLES & sql.tables(url)
    assert _users(url) == [("ann", "admin")]

    upgrade(url, "0010")
    assert sql.rows(url, "SELECT count(*) FROM ivr_flows") == [(0,)]
