"""``callcenter queues|agents|skills|... list|create|update|deactivate`` over the admin
services, against a real SQLite file."""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.cli import main
from callcenter.store.routing import Agent, Queue
from callcenter.store.users import AuditLog
from tests.support.conf_render import clean_cli


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str) -> Callable[..., Result]:
    runner = clean_cli(monkeypatch, tmp_path)
    env = {
        "CALLCENTER_DATABASE__URL": db_url,
        "CALLCENTER_FREESWITCH__DIRECTORY__SIP_DOMAIN": "cc.example.org",
    }
    return lambda *args: runner.invoke(main, list(args), env=env)


def test_objects_created_on_the_command_line_are_listed_and_audited(
    run: Callable[..., Result], db_session: Session
) -> None:
    assert run("skills", "create", "name=billing", "description=Bills").exit_code == 0
    made = run("queues", "create", "name=sales", "skills=billing:5", "widening=30:3")
    assert made.exit_code == 0, made.output
    agent = run(
        "agents", "create", "number=1001", "display_name=Ann", "sip_user=1001",
        "queues=sales:1:1", "skills=billing:7",
    )  # fmt: skip
    assert agent.exit_code == 0, agent.output

    queues = run("queues", "list")
    assert queues.exit_code == 0
    assert queues.stdout.splitlines() == ["1\tsales\tlongest-idle-agent\tbilling:5\tTrue"]
    agents = run("agents", "list", "--json")
    assert '"queues": ["sales:1:1"], "skills": ["billing:7"]' in agents.stdout

    actors = set(db_session.scalars(select(AuditLog.actor)))
    assert actors == {f"cli:{getpass.getuser()}"}
    actions = list(db_session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions == ["skill.create", "queue.create", "agent.create"]


def test_update_and_deactivate_by_name(run: Callable[..., Result], db_session: Session) -> None:
    assert run("queues", "create", "name=sales").exit_code == 0
    changed = run("queues", "update", "sales", "strategy=ring-all", "wrap_up_codes=sold",
                  "wrap_up_codes=lost")  # fmt: skip
    assert changed.exit_code == 0 and changed.stdout == "updated queue sales\n"
    assert run("queues", "update", "sales", "strategy=ring-all").stdout == "no change\n"
    assert run("queues", "deactivate", "sales").exit_code == 0

    queue = db_session.scalar(select(Queue).where(Queue.name == "sales"))
    assert queue is not None
    assert (queue.strategy, queue.wrap_up_codes, queue.active) == ("ring-all", "sold\nlost", False)
    assert run("reasons", "deactivate", "lunch").exit_code == 0
    assert "\tlunch\t\t2\tFalse" in run("reasons", "list").stdout


def test_a_bad_value_prints_field_and_message_and_stores_nothing(
    run: Callable[..., Result], db_session: Session
) -> None:
    bad = run("queues", "create", "name=sales", "strategy=fastest")
    assert bad.exit_code == 1
    assert bad.stderr.startswith("strategy: unknown strategy 'fastest'; use one of: ")
    unknown = run("skills", "create", "name=billing", "colour=red")
    assert unknown.exit_code == 1 and unknown.stderr.startswith("colour: unknown field")
    missing = run("agents", "update", "9999", "display_name=X")
    assert missing.exit_code == 1 and "no agent '9999'" in missing.stderr

    assert run("queues", "list").stdout == "" and run("skills", "list").stdout == ""
    assert db_session.scalar(select(AuditLog.id)) is None


def test_a_sip_password_is_stored_as_the_a1_hash_of_the_configured_domain(
    run: Callable[..., Result], db_session: Session
) -> None:
    made = run("agents", "create", "number=1001", "display_name=Ann", "sip_user=1001",
               "sip_password=ann-phone-1")  # fmt: skip
    assert made.exit_code == 0, made.output
    a1 = db_session.scalar(select(Agent.sip_a1_hash))
    assert a1 == hashlib.md5(b"1001:cc.example.org:ann-phone-1").hexdigest()
    assert "ann-phone-1" not in run("agents", "list", "--json").stdout
    details = " ".join(str(d) for d in db_session.scalars(select(AuditLog.detail)))
    assert "ann-phone-1" not in details and a1 not in details
