"""Migration 0012 (admin set-up) on a database at 0011 with a queue and a skill: up keeps the
rows (queues get no widening and tier wait 0, skills stay active), seeds the four not-ready
reasons the desktop offered before; down drops only what it added (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic import command

from callcenter.store.migrate import alembic_config, current, upgrade
from tests.support import sql


def test_0012_up_and_down(blank_db_url: str) -> None:
    url = blank_db_url
    upgrade(url, "0011")
    sql.execute(
        url,
        "INSERT INTO queues (name, strategy, max_wait_seconds, wrap_up_seconds, "
        "wrap_up_code_required, announce_position, announce_wait_time, "
        "announce_interval_seconds, max_wait_no_agent_seconds, active, created_at) "
        "VALUES ('sales', 'longest-idle-agent', 300, 10, false, true, false, 60, 0, true, "
        "'2026-12-01')",
    )
    sql.execute(url, "INSERT INTO skills (name) VALUES ('english')")

    upgrade(url, "0012")
    assert current(url) == "0012"
    assert sql.rows(url, "SELECT name, widening, tier_wait_seconds FROM queues") == [
        ("sales", None, 0)
    ]
    assert sql.rows(url, "SELECT name, active FROM skills") == [("english", True)]
    assert sql.rows(url, "SELECT code FROM not_ready_reasons ORDER BY position") == [
        ("break",), ("lunch",), ("meeting",), ("training",)
    ]  # fmt: skip

    command.downgrade(alembic_config(url), "0011")
    assert current(url) == "0011"
    assert not {"not_ready_reasons", "calendars"} & sql.tables(url)
    assert sql.rows(url, "SELECT name FROM queues") == [("sales",)]
