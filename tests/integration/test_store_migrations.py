"""Migrations: a fresh database (SQLite, or PostgreSQL with CALLCENTER_TEST_DB=postgresql),
schema equals the models, down to base and up again, CLI upgrade and current."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import Engine, inspect, text

from callcenter.cli import main
from callcenter.store.migrate import alembic_config, current, head, upgrade
from callcenter.store.models import Base
from tests.support import sql
from tests.support.postgres import backend_under_test


def test_migrated_schema_matches_models(db_engine: Engine) -> None:
    with db_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    assert diffs == [], "models and migrations differ; write a migration (callcenter db revision)"


def test_every_model_table_is_migrated(db_engine: Engine) -> None:
    tables = set(inspect(db_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_twice_is_a_no_op_and_current_is_head(db_url: str) -> None:
    assert current(db_url) == head() == "0019"
    upgrade(db_url)
    assert current(db_url) == head()


def test_current_of_missing_file_is_none(db_path: Path) -> None:
    assert current(f"sqlite:///{db_path}") is None
    assert not db_path.exists()


@pytest.mark.skipif(backend_under_test() != "sqlite", reason="WAL and PRAGMA are SQLite's")
def test_sqlite_runs_with_wal_and_foreign_keys(db_engine: Engine) -> None:
    with db_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_cli_db_upgrade_on_fresh_file_and_again(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "cc.db"
    url = f"sqlite:///{path}"
    runner = CliRunner()

    first = runner.invoke(main, ["db", "upgrade", "--url", url])
    assert first.exit_code == 0, first.output
    assert "revision 0019" in first.output
    assert path.exists()

    second = runner.invoke(main, ["db", "upgrade", "--url", url])
    assert second.exit_code == 0, second.output
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0019",)]


def test_cli_db_uses_configured_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no callcenter.yaml here
    path = tmp_path / "configured.db"
    env = {"CALLCENTER_DATABASE__URL": f"sqlite:///{path}", "CALLCENTER_CONFIG": None}
    runner = CliRunner()

    before = runner.invoke(main, ["db", "current"], env=env)
    assert before.exit_code == 0, before.output
    assert "revision none" in before.output and "db upgrade" in before.output

    assert runner.invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    after = runner.invoke(main, ["db", "current"], env=env)
    assert "revision 0019, head 0019 (up to date)" in after.output


def test_cli_db_upgrade_reports_unusable_url(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(main, ["db", "upgrade", "--url", f"sqlite:///{blocker}/x/cc.db"])
    assert result.exit_code != 0
    assert "cannot create the directory" in result.output


def test_upgrade_from_0007_keeps_users_and_starts_their_session_epoch_at_0(
    blank_db_url: str,
) -> None:
    upgrade(blank_db_url, "0007")
    sql.execute(
        blank_db_url,
        "INSERT INTO users (username, password_hash, role, language, active, created_at) "
        "VALUES ('old', 'scrypt:x', 'agent', 'en', true, '2026-12-01 00:00:00')",
    )
    upgrade(blank_db_url)
    assert current(blank_db_url) == head()
    assert sql.rows(blank_db_url, "SELECT username, session_epoch FROM users") == [("old", 0)]


def test_upgrade_to_0013_gives_existing_queues_a_20_second_service_level(
    blank_db_url: str,
) -> None:
    upgrade(blank_db_url, "0011")
    sql.execute(
        blank_db_url,
        "INSERT INTO queues (name, strategy, max_wait_seconds, wrap_up_seconds,"
        " wrap_up_code_required, announce_position, announce_wait_time,"
        " announce_interval_seconds, max_wait_no_agent_seconds, active, created_at)"
        " VALUES ('old', 'ring-all', 300, 10, false, true, false, 60, 0, true,"
        " '2026-12-01 00:00:00')",
    )
    upgrade(blank_db_url)
    rows = sql.rows(blank_db_url, "SELECT name, service_level_seconds FROM queues")
    assert rows == [("old", 20)]


def test_upgrade_to_0015_keeps_agents_without_a_sip_secret(blank_db_url: str) -> None:
    upgrade(blank_db_url, "0014")
    sql.execute(
        blank_db_url,
        "INSERT INTO agents (number, sip_user, display_name, max_no_answer, active,"
        " created_at) VALUES ('1001', '1001', 'Old', 3, true, '2026-12-01 00:00:00')",
    )
    upgrade(blank_db_url)
    assert sql.rows(blank_db_url, "SELECT sip_user, sip_a1_hash FROM agents") == [("1001", None)]


def test_0016_adds_the_report_indexes_and_removes_them_on_downgrade(blank_db_url: str) -> None:
    upgrade(blank_db_url)

    def report_indexes() -> set[str]:
        return (
            sql.indexes(blank_db_url, "calls")
            | sql.indexes(blank_db_url, "call_agent_legs")
            | sql.indexes(blank_db_url, "agent_state_log")
        )

    names = {"ix_calls_started_queue", "ix_call_agent_legs_offered",
             "ix_agent_state_log_since_agent"}  # fmt: skip
    assert names <= report_indexes()
    command.downgrade(alembic_config(blank_db_url), "0015")
    assert not names & report_indexes()


def test_every_migration_goes_down_to_base_and_up_again(blank_db_url: str) -> None:
    upgrade(blank_db_url)
    command.downgrade(alembic_config(blank_db_url), "base")
    assert current(blank_db_url) is None
    assert sql.tables(blank_db_url) <= {"alembic_version"}

    upgrade(blank_db_url)
    assert current(blank_db_url) == head()
    assert set(Base.metadata.tables) <= sql.tables(blank_db_url)


def test_cli_db_upgrade_and_current_by_url(blank_db_url: str) -> None:
    runner = CliRunner()
    before = runner.invoke(main, ["db", "current", "--url", blank_db_url])
    assert before.exit_code == 0, before.output
    assert "revision none" in before.output

    upgraded = runner.invoke(main, ["db", "upgrade", "--url", blank_db_url])
    assert upgraded.exit_code == 0, upgraded.output
    after = runner.invoke(main, ["db", "current", "--url", blank_db_url])
    assert "revision 0019, head 0019 (up to date)" in after.output


def test_0018_adds_the_ivr_steps_table_and_removes_it_on_downgrade(blank_db_url: str) -> None:
    upgrade(blank_db_url)
    assert "ivr_steps" in sql.tables(blank_db_url)
    assert "ix_ivr_steps_flow_at" in sql.indexes(blank_db_url, "ivr_steps")
    command.downgrade(alembic_config(blank_db_url), "0017")
    assert "ivr_steps" not in sql.tables(blank_db_url)


def test_0019_sip_subscribers_hold_active_agents_with_a_sip_secret(blank_db_url: str) -> None:
    upgrade(blank_db_url)
    sql.execute(
        blank_db_url,
        "INSERT INTO agents (number, sip_user, sip_a1_hash, display_name, max_no_answer, active,"
        " created_at) VALUES (:n, :u, :a1, 'x', 3, :active, CURRENT_TIMESTAMP)",
        {"n": "1", "u": "1000", "a1": "a" * 32, "active": True},
        {"n": "2", "u": "1001", "a1": "b" * 32, "active": False},  # deactivated
        {"n": "3", "u": "1002", "a1": None, "active": True},  # no SIP password set
    )
    assert sql.rows(blank_db_url, "SELECT username, ha1 FROM sip_subscribers") == [
        ("1000", "a" * 32)
    ]
    command.downgrade(alembic_config(blank_db_url), "0018")
    with sql.connect(blank_db_url) as conn:
        assert "sip_subscribers" not in inspect(conn).get_view_names()
