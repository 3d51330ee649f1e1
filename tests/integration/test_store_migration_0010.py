"""Migration 0010 (IVR flows in the database) on a database at 0009 with users: up adds the
flow tables and keeps every row, down drops only those tables, up again works."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from callcenter.store.migrate import alembic_config, current, upgrade

FLOW_TABLES = {"ivr_flows", "ivr_flow_versions", "hotline_numbers"}


def _tables(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _users(db_path: Path) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT username, role FROM users ORDER BY id").fetchall()


def test_0010_up_and_down_keeps_other_rows(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    upgrade(url, "0009")
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO users (username, password_hash, role, language, active, created_at, "
            "session_epoch) VALUES ('ann', 'scrypt:x', 'admin', 'en', 1, '2026-12-01', 0)"
        )
    assert not FLOW_TABLES & _tables(db_path)

    upgrade(url, "0010")
    assert current(url) == "0010"
    assert FLOW_TABLES <= _tables(db_path)
    assert _users(db_path) == [("ann", "admin")]
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO ivr_flows (name, active, published, created_at) "
            "VALUES ('main', 1, 1, '2026-12-01')"
        )
        conn.execute(
            "INSERT INTO ivr_flow_versions (flow_id, number, yaml, sha256, author, comment, "
            "valid, created_at) VALUES (1, 1, 'name: main', 'x', 'ann', '', 1, '2026-12-01')"
        )
        conn.execute("INSERT INTO hotline_numbers VALUES ('5000', 'main', '')")

    command.downgrade(alembic_config(url), "0009")
    assert current(url) == "0009"
    assert not FLOW_TABLES & _tables(db_path)
    assert _users(db_path) == [("ann", "admin")]

    upgrade(url, "0010")
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM ivr_flows").fetchone() == (0,)
