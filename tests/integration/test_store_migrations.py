"""Migrations: fresh SQLite file, schema equals the models, CLI upgrade and current."""

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
    assert current(db_url) == head() == "0018"
    upgrade(db_url)
    assert current(db_url) == head()


def test_current_of_missing_file_is_none(db_path: Path) -> None:
    assert current(f"sqlite:///{db_path}") is None
    assert not db_path.exists()


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
    assert "revision 0018" in first.output
    assert path.exists()

    second = runner.invoke(main, ["db", "upgrade", "--url", url])
    assert second.exit_code == 0, second.output
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0018",)]


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
    assert "revision 0018, head 0018 (up to date)" in after.output


def test_cli_db_upgrade_reports_unusable_url(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(main, ["db", "upgrade", "--url", f"sqlite:///{blocker}/x/cc.db"])
    assert result.exit_code != 0
    assert "cannot create the directory" in result.output


def test_upgrade_from_0007_keeps_users_and_starts_their_session_epoch_at_0(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    upgrade(url, "0007")
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO users (username, password_hash, role, language, active, created_at) "
            "VALUES ('old', 'scrypt:x', 'agent', 'en', 1, '2026-12-01 00:00:00')"
        )
    upgrade(url)
    assert current(url) == head()
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT username, session_epoch FROM users").fetchall()
    assert rows == [("old", 0)]


def test_upgrade_to_0013_gives_existing_queues_a_20_second_service_level(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    upgrade(url, "0011")
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO queues (name, strategy, max_wait_seconds, wrap_up_seconds,"
            " wrap_up_code_required, announce_position, announce_wait_time,"
            " announce_interval_seconds, max_wait_no_agent_seconds, active, created_at)"
            " VALUES ('old', 'ring-all', 300, 10, 0, 1, 0, 60, 0, 1, '2026-12-01 00:00:00')"
        )
    upgrade(url)
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT name, service_level_seconds FROM queues").fetchall()
    assert rows == [("old", 20)]


def test_upgrade_to_0015_keeps_agents_without_a_sip_secret(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    upgrade(url, "0014")
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO agents (number, sip_user, display_name, max_no_answer, active,"
            " created_at) VALUES ('1001', '1001', 'Old', 3, 1, '2026-12-01 00:00:00')"
        )
    upgrade(url)
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT sip_user, sip_a1_hash FROM agents").fetchall()
    assert rows == [("1001", None)]


def test_0016_adds_the_report_indexes_and_removes_them_on_downgrade(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    upgrade(url)
    names = {"ix_calls_started_queue", "ix_call_agent_legs_offered",
             "ix_agent_state_log_since_agent"}  # fmt: skip
    query = "SELECT name FROM sqlite_master WHERE type = 'index'"
    with sqlite3.connect(db_path) as conn:
        assert names <= {name for (name,) in conn.execute(query)}
    command.downgrade(alembic_config(url), "0015")
    with sqlite3.connect(db_path) as conn:
        assert not names & {name for (name,) in conn.execute(query)}


def test_0018_adds_the_ivr_steps_table_and_removes_it_on_downgrade(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    upgrade(url)
    query = "SELECT name FROM sqlite_master WHERE type IN ('table', 'index')"
    with sqlite3.connect(db_path) as conn:
        assert {"ivr_steps", "ix_ivr_steps_flow_at"} <= {name for (name,) in conn.execute(query)}
    command.downgrade(alembic_config(url), "0017")
    with sqlite3.connect(db_path) as conn:
        assert not {"ivr_steps", "ix_ivr_steps_flow_at"} & {n for (n,) in conn.execute(query)}
