"""Flows in the database: versions saved with their problems, diff, publish refused while
invalid, rollback, audit rows, hotline numbers; and the registry serving published versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from callcenter.config import load_settings
from callcenter.flows.errors import FlowNotFound, FlowStoreError, PublishRefused
from callcenter.flows.numbers import hotline_numbers, replace_numbers, seed_numbers
from callcenter.flows.publish import publish, rollback
from callcenter.flows.setup import flow_source
from callcenter.flows.source import DatabaseSource
from callcenter.flows.versions import diff_versions, list_flows, list_versions, save_version
from callcenter.ivr import FlowRegistry
from callcenter.store import models
from callcenter.store.session import session_factory
from tests.support.flows import HELLO_FLOW

GOOD = HELLO_FLOW
BROKEN = GOOD.replace("next: bye", "next: nowhere")


def audit_rows(session: Session) -> list[tuple]:
    rows = session.scalars(select(models.AuditLog).order_by(models.AuditLog.id))
    return [
        (r.actor, r.action, r.object_id, r.detail.get("before"), r.detail.get("after"))
        for r in rows
    ]


def test_every_save_is_a_new_version_and_problems_name_the_flow(db_session: Session) -> None:
    first = save_version(db_session, "main", GOOD, author="ann", comment="first")
    assert first.problems == [] and first.version.number == 1 and first.version.valid
    second = save_version(db_session, "main", BROKEN, author="bob", comment="oops")
    assert second.version.number == 2 and not second.version.valid
    assert [str(p) for p in second.problems] == [
        "main:7:11: node 'hello': missing target node 'nowhere' (nodes: bye, hello)",
        "main:8:3: node 'bye' is unreachable from the start node 'hello'; link to it or delete it",
    ]
    versions = list_versions(db_session, "main")
    assert [(v.number, v.author, v.comment) for v in versions] == [
        (2, "bob", "oops"),
        (1, "ann", "first"),
    ]
    assert versions[0].sha256 != versions[1].sha256


def test_text_must_carry_the_flow_name_and_names_are_checked(db_session: Session) -> None:
    saved = save_version(db_session, "other", GOOD, author="ann")
    assert any("saved as 'other'" in p.message and p.file == "other" for p in saved.problems)
    with pytest.raises(FlowStoreError, match="bad flow name"):
        save_version(db_session, "../etc", GOOD, author="ann")


def test_diff_between_two_versions(db_session: Session) -> None:
    save_version(db_session, "main", GOOD, author="ann")
    save_version(db_session, "main", GOOD.replace("say:hello", "say:welcome"), author="ann")
    diff = diff_versions(db_session, "main", 1, 2)
    assert diff.startswith("--- main v1\n+++ main v2\n")
    assert '-    prompt: "say:hello"\n+    prompt: "say:welcome"\n' in diff
    with pytest.raises(FlowNotFound):
        diff_versions(db_session, "main", 1, 9)


def test_invalid_version_is_never_published(db_session: Session) -> None:
    save_version(db_session, "main", GOOD, author="ann")
    save_version(db_session, "main", BROKEN, author="ann")
    publish(db_session, "main", 1, actor="ann")
    with pytest.raises(PublishRefused) as refused:
        publish(db_session, "main", 2, actor="ann")
    assert [p.line for p in refused.value.problems] == [7, 8]
    assert list_flows(db_session)[0] | {"published_at": None} == {
        "name": "main",
        "active": True,
        "published": 1,
        "published_at": None,
        "newest": 2,
    }


def test_publish_and_rollback_are_audited(db_session: Session) -> None:
    save_version(db_session, "main", GOOD, author="ann")
    save_version(db_session, "main", GOOD.replace("say:hello", "say:v2"), author="ann")
    publish(db_session, "main", 1, actor="ann")
    publish(db_session, "main", 2, actor="ann")
    rollback(db_session, "main", 1, actor="bob")
    assert audit_rows(db_session) == [
        ("ann", "ivr_flow_publish", "main", None, 1),
        ("ann", "ivr_flow_publish", "main", 1, 2),
        ("bob", "ivr_flow_rollback", "main", 2, 1),
    ]
    assert list_flows(db_session)[0]["published"] == 1


def test_hotline_numbers_replace_seed_and_refuse_bad_entries(db_session: Session) -> None:
    assert seed_numbers(db_session, {"5000": "main"}) is True
    assert seed_numbers(db_session, {"6000": "other"}) is False  # only into an empty table
    assert [n["number"] for n in hotline_numbers(db_session)] == ["5000"]
    replace_numbers(
        db_session, [{"number": "5001", "flow": "vip", "comment": "VIP line"}], actor="ann"
    )
    assert hotline_numbers(db_session) == [{"number": "5001", "flow": "vip", "comment": "VIP line"}]
    assert audit_rows(db_session)[-1][:2] == ("ann", "hotline_numbers")
    with pytest.raises(FlowStoreError, match=r"numbers\[1\].number: 5001 is listed twice"):
        replace_numbers(
            db_session, [{"number": "5001", "flow": "a"}, {"number": "5001", "flow": "b"}]
        )
    with pytest.raises(FlowStoreError, match=r"numbers\[0\].flow"):
        replace_numbers(db_session, [{"number": "5002", "flow": 3}])


def test_registry_serves_published_versions_and_keeps_a_running_flow(db_engine: Engine) -> None:
    sessions = session_factory(db_engine)
    with sessions() as session:
        save_version(session, "main", GOOD, author="ann")
        publish(session, "main", 1, actor="ann")
        replace_numbers(session, [{"number": "5000", "flow": "main"}], actor="ann")
        session.commit()
    registry = FlowRegistry(DatabaseSource(sessions), check_interval=0)
    running = registry.flow_for_number("5000")
    assert running.node("hello").prompt.text == "say:hello"  # type: ignore[attr-defined]
    with sessions() as session:
        save_version(session, "main", GOOD.replace("say:hello", "say:v2"), author="ann")
        save_version(session, "main", BROKEN, author="ann")  # saved, not published
        publish(session, "main", 2, actor="ann")
        session.commit()
    newer = registry.flow_for_number("5000")
    assert newer.node("hello").prompt.text == "say:v2"  # type: ignore[attr-defined]
    assert running.node("hello").prompt.text == "say:hello"  # type: ignore[attr-defined]
    assert registry.problems == {}


def test_a_number_mapped_after_the_last_check_routes_the_next_call(db_engine: Engine) -> None:
    sessions = session_factory(db_engine)
    with sessions() as session:
        save_version(session, "main", GOOD, author="ann")
        save_version(session, "sales", GOOD.replace("name: main", "name: sales"), author="ann")
        publish(session, "main", 1, actor="ann")
        publish(session, "sales", 1, actor="ann")
        session.commit()
    now = [0.0]
    registry = FlowRegistry(
        DatabaseSource(sessions), default_flow="main", check_interval=2.0, clock=lambda: now[0]
    )
    assert registry.flow_for_number("4008").name == "main"  # the default flow: not mapped yet
    with sessions() as session:
        replace_numbers(session, [{"number": "4008", "flow": "sales"}], actor="ann")
        session.commit()
    now[0] = 2.5  # the next check is due: the call must see the new mapping, not the last one
    assert registry.flow_for_number("4008").name == "sales"


def test_a_check_with_nothing_changed_is_one_query(db_engine: Engine) -> None:
    sessions = session_factory(db_engine)
    with sessions() as session:
        save_version(session, "main", GOOD, author="ann")
        publish(session, "main", 1, actor="ann")
        session.commit()
    registry = FlowRegistry(DatabaseSource(sessions), check_interval=0)
    statements: list[str] = []
    event.listen(db_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert registry.names() == ["main"]
    assert len(statements) == 1 and "UNION ALL" in statements[0]


def test_first_start_imports_the_folder_and_seeds_the_numbers(
    db_engine: Engine, tmp_path: Path
) -> None:
    sessions = session_factory(db_engine)
    (tmp_path / "main.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(BROKEN.replace("name: main", "name: bad"), encoding="utf-8")
    settings = load_settings(ivr={"source": "database", "numbers": {"5001": "main"}})
    assert flow_source(load_settings().ivr, tmp_path, sessions) == tmp_path  # folder: as is
    source = flow_source(settings.ivr, tmp_path, sessions)
    registry = FlowRegistry(source, check_interval=0)
    assert registry.names() == ["main"] and registry.numbers == {"5001": "main"}
    with sessions() as session:
        assert [(f["name"], f["published"], f["newest"]) for f in list_flows(session)] == [
            ("bad", None, 1),
            ("main", 1, 1),
        ]
    (tmp_path / "main.yaml").write_text(GOOD.replace("say:hello", "say:v2"), encoding="utf-8")
    later = load_settings(ivr={"source": "database", "numbers": {"6000": "main"}})
    flow_source(later.ivr, tmp_path, sessions)  # not empty any more: nothing imported
    with sessions() as session:
        assert [v.number for v in list_versions(session, "main")] == [1]
        assert [n["number"] for n in hotline_numbers(session)] == ["5001"]


def test_flows_stay_in_service_while_the_database_cannot_be_read(db_engine: Engine) -> None:
    sessions = session_factory(db_engine)
    with sessions() as session:
        save_version(session, "main", GOOD, author="ann")
        publish(session, "main", 1, actor="ann")
        session.commit()
    registry = FlowRegistry(DatabaseSource(sessions), check_interval=0)
    with db_engine.begin() as conn:
        conn.execute(text("DROP TABLE hotline_numbers"))  # every scan fails from now on
    assert registry.get("main").node("hello").prompt.text == "say:hello"  # type: ignore[attr-defined]
    assert registry.problems == {}
