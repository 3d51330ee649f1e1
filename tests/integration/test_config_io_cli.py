"""``callcenter config export|import``: a center kept as one YAML file, imported back into a
new database the same, idempotently, all or nothing."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter.cli import main
from callcenter.flows.numbers import replace_numbers
from callcenter.store.migrate import upgrade
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from callcenter.store.users import AuditLog

ROOT = Path(__file__).resolve().parents[2]
Run = Callable[..., Result]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[str], Run]:
    """``cli(url)(*args)`` runs ``callcenter *args`` on the database at ``url``."""
    for name in list(os.environ):
        if name.startswith("CALLCENTER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def on(url: str) -> Run:
        env = {"CALLCENTER_DATABASE__URL": url, "CALLCENTER_IVR__PROMPTS": str(ROOT / "prompts")}
        return lambda *args: CliRunner().invoke(main, list(args), env=env)

    return on


@pytest.fixture
def fresh_url(tmp_path: Path) -> str:
    """A second, empty (migrated) database: the 'wiped' center."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    return url


def _center(run: Run, db_session: Session) -> None:
    """A small center made the way an admin would: users, skills, queues, agents, flows..."""
    create_user(db_session, "ann", "a long secret 1!", "agent", display_name="Ann")
    db_session.commit()
    commands = [
        ("skills", "create", "name=billing"),
        ("skills", "create", "name=english", "description=Speaks English"),
        *(("queues", "create", f"name={q}") for q in ("support", "complaints", "operator")),
        ("queues", "create", "name=sales", "skills=billing:5", "widening=30:3",
         "tier_wait_seconds=20"),
        ("calendars", "create", "name=office", "hours=mon-fri: 09:00-18:00", "holidays=01-01"),
        ("reasons", "create", "code=coaching", "label=Coaching", "position=7"),
        ("reasons", "deactivate", "lunch"),
        ("agents", "create", "number=1001", "display_name=Ann", "sip_user=1001", "username=ann",
         "queues=sales:1:1", "queues=support:2:1", "skills=billing:7", "skills=english:3"),
        ("blacklist", "create", "number=1380013*", "reason=spam"),
        ("ivr", "import", str(ROOT / "ivr_flows")),
    ]  # fmt: skip
    for args in commands:
        done = run(*args)
        assert done.exit_code == 0, (args, done.output)
    replace_numbers(db_session, [{"number": "4008001", "flow": "main", "comment": "hotline"}])
    db_session.commit()


def _audit_rows(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count(AuditLog.id))) or 0)


def test_export_then_import_into_a_new_database_gives_the_same_center(
    cli: Callable[[str], Run], db_url: str, fresh_url: str, db_session: Session, tmp_path: Path
) -> None:
    old, new = cli(db_url), cli(fresh_url)
    _center(old, db_session)
    exported = old("config", "export", "-o", "center.yaml")
    assert exported.exit_code == 0, exported.output
    text = (tmp_path / "center.yaml").read_text(encoding="utf-8")
    assert "password" not in text and "tier_wait_seconds: 20" in text
    assert (ROOT / "ivr_flows" / "main.yaml").read_text(encoding="utf-8").splitlines()[1] in text

    imported = new("config", "import", "center.yaml")
    assert imported.exit_code == 0, imported.output
    assert "create agents[1001]" in imported.stdout
    assert "update reasons[lunch]: active: True -> False" in imported.stdout
    assert new("config", "export").stdout == text
    with session_scope(fresh_url) as fresh:
        assert set(fresh.scalars(select(AuditLog.actor))) == {f"cli:{getpass.getuser()}"}

    again = new("config", "import", "center.yaml")
    assert again.exit_code == 0
    assert again.stdout == "nothing to change: the database matches the file\n"


def test_a_second_import_writes_nothing(
    cli: Callable[[str], Run], db_url: str, db_session: Session
) -> None:
    run = cli(db_url)
    _center(run, db_session)
    assert run("config", "export", "-o", "center.yaml").exit_code == 0
    rows = _audit_rows(db_session)
    result = run("config", "import", "center.yaml")
    assert result.stdout == "nothing to change: the database matches the file\n"
    assert _audit_rows(db_session) == rows


def test_dry_run_prints_the_changes_and_writes_nothing(
    cli: Callable[[str], Run], db_url: str, fresh_url: str, db_session: Session, tmp_path: Path
) -> None:
    old, new = cli(db_url), cli(fresh_url)
    _center(old, db_session)
    assert old("config", "export", "-o", "center.yaml").exit_code == 0
    empty = new("config", "export").stdout

    dry = new("config", "import", "center.yaml", "--dry-run")
    assert dry.exit_code == 0, dry.output
    lines = dry.stdout.splitlines()
    assert "create queues[sales]" in lines and "create flows[main]: published" in lines
    assert "deactivate reasons[coaching]" not in lines
    assert lines[-1].startswith("dry run: ") and lines[-1].endswith(" change(s) not written")
    assert new("config", "export").stdout == empty

    # a section in the file is the whole truth: what it leaves out is deactivated
    (tmp_path / "less.yaml").write_text("skills:\n- name: billing\n", encoding="utf-8")
    fewer = old("config", "import", "less.yaml", "--dry-run")
    assert fewer.stdout.splitlines() == [
        "deactivate skills[english]",
        "dry run: 1 change(s) not written",
    ]
    assert (
        "name: english\n  description: Speaks English\n  active: true"
        in old("config", "export").stdout
    )


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("  strategy: fastest\n", "queues[sales].strategy: unknown strategy 'fastest'"),
        ("  skills: [cooking:5]\n", "queues[sales].skills: unknown skill 'cooking'"),
        ("  colour: red\n", "queues[sales].colour: unknown field"),
    ],
)
def test_a_bad_field_names_file_object_and_field_and_stores_nothing(
    cli: Callable[[str], Run], db_url: str, tmp_path: Path, body: str, where: str
) -> None:
    run = cli(db_url)
    before = run("config", "export").stdout
    (tmp_path / "center.yaml").write_text(
        "skills:\n- name: billing\nqueues:\n- name: sales\n" + body, encoding="utf-8"
    )
    result = run("config", "import", "center.yaml")
    assert result.exit_code == 1
    first, last = result.stderr.splitlines()
    assert first.startswith(f"center.yaml: {where}") and last == "nothing was imported"
    assert run("config", "export").stdout == before  # the skill before it was not kept either


def test_flows_can_be_kept_as_files_beside_the_configuration(
    cli: Callable[[str], Run], db_url: str, fresh_url: str, db_session: Session, tmp_path: Path
) -> None:
    old, new = cli(db_url), cli(fresh_url)
    _center(old, db_session)
    done = old("config", "export", "-o", "conf/center.yaml", "--flows-dir", "conf/flows")
    assert done.exit_code == 0, done.output
    assert "main:\n    file: flows/main.yaml\n" in (tmp_path / "conf" / "center.yaml").read_text()
    main_flow = (ROOT / "ivr_flows" / "main.yaml").read_text(encoding="utf-8")
    assert (tmp_path / "conf" / "flows" / "main.yaml").read_text(encoding="utf-8") == main_flow

    assert new("config", "import", "conf/center.yaml").exit_code == 0
    assert new("config", "export").stdout == old("config", "export").stdout
