"""Canned answers and call scripts per queue (#18 item 2): the admin page (create, a bad value
next to its field, edit, deactivate, audited) and the screen-pop of a call in that queue."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from tests.support.console import signed_in_client
from tests.support.desktop import PASSWORD, app, live, signed_in  # noqa: F401 - fixtures


@pytest.fixture
def queues(app: Flask, db_url: str) -> Flask:
    """Queues "support" and "sales" and the admin "boss"."""
    with session_scope(db_url) as session:
        session.add_all([models.Queue(name="support"), models.Queue(name="sales")])
        create_user(session, "boss", PASSWORD, "admin", language="en")
    return app


def post(client: FlaskClient, url: str, data: dict[str, str], form: str | None = None) -> Any:
    page = client.get(form or url).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post(url, data={"csrf_token": csrf, **data})


def rows(db_url: str) -> list[tuple[str, str, str, bool]]:
    with session_scope(db_url) as session:
        found = session.scalars(select(models.CannedAnswer).order_by(models.CannedAnswer.id))
        return [(r.queue.name, r.kind, r.title, r.active) for r in found]


def actions(db_url: str) -> list[str]:
    with session_scope(db_url) as session:
        stmt = select(models.AuditLog.action).where(models.AuditLog.object_type == "canned_answer")
        return list(session.scalars(stmt))


def add(client: FlaskClient, queue: str, kind: str, title: str, text: str, position: int) -> None:
    data = {"queue": queue, "kind": kind, "title": title, "text": text, "position": str(position)}
    response = post(client, "/admin/canned/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_admin_creates_edits_and_deactivates_canned_answers(queues: Flask, db_url: str) -> None:
    admin = signed_in_client(queues, "boss", PASSWORD)[0]
    add(admin, "support", "answer", "Greeting", "您好，很高兴为您服务。", 1)
    # a bad value: shown next to its field, nothing stored
    bad = post(admin, "/admin/canned/new", {"queue": "support", "title": "Empty", "text": ""})
    assert bad.status_code == 422
    assert 'data-testid="text-error">text is required<' in bad.get_data(as_text=True)
    unknown = post(admin, "/admin/canned/new", {"queue": "nope", "title": "x", "text": "y"})
    assert unknown.status_code == 422 and "no queue named" in unknown.get_data(as_text=True)
    assert rows(db_url) == [("support", "answer", "Greeting", True)]

    listing = admin.get("/admin/canned/").get_data(as_text=True)
    assert 'data-name="Greeting"' in listing and "support" in listing
    with session_scope(db_url) as session:
        row_id = session.scalar(select(models.CannedAnswer.id))
    edited = post(admin, f"/admin/canned/{row_id}", {"queue": "sales", "kind": "script",
                                                      "title": "Opening", "text": "Ask the name",
                                                      "active": "on"})  # fmt: skip
    assert edited.status_code == 302
    assert rows(db_url) == [("sales", "script", "Opening", True)]
    gone = post(admin, f"/admin/canned/{row_id}/deactivate", {}, "/admin/canned/")
    assert gone.status_code == 302
    assert rows(db_url) == [("sales", "script", "Opening", False)]
    assert actions(db_url) == [
        "canned_answer.create", "canned_answer.update", "canned_answer.deactivate"
    ]  # fmt: skip


def test_supervisors_read_the_list_agents_do_not(queues: Flask) -> None:
    sup = signed_in_client(queues, "sup", PASSWORD)[0]
    page = sup.get("/admin/canned/")
    assert page.status_code == 200 and 'data-testid="new"' not in page.get_data(as_text=True)
    assert sup.get("/admin/canned/new").status_code == 403
    agent = signed_in_client(queues, "agent1007", PASSWORD)[0]
    assert agent.get("/admin/canned/").status_code == 403


def test_the_pop_has_the_script_and_active_answers_of_the_calls_queue(
    queues: Flask, db_url: str, live: LiveStore
) -> None:
    admin = signed_in_client(queues, "boss", PASSWORD)[0]
    add(admin, "support", "answer", "Wait", "请稍等，我为您查询。", 2)
    add(admin, "support", "answer", "Greeting", "您好，很高兴为您服务。", 1)
    add(admin, "support", "script", "Guide", "1. Greet 2. Verify the caller", 0)
    add(admin, "sales", "answer", "Price", "The price list is online.", 1)
    add(admin, "support", "answer", "Old", "no longer said", 3)
    with session_scope(db_url) as session:
        old = session.scalar(select(models.CannedAnswer).filter_by(title="Old"))
        old.active = False
    for uuid, queue in (("c-sup", "support"), ("c-none", "billing")):
        live.put_call(uuid, state="talking", caller_number="13800138000", queue=queue,
                      agent_id="1007")  # fmt: skip
    client, _ = signed_in(queues, "agent1007")
    canned = client.get("/api/desktop/pop/c-sup").get_json()["canned"]
    assert canned["script"] == [{"title": "Guide", "text": "1. Greet 2. Verify the caller"}]
    assert [a["title"] for a in canned["answers"]] == ["Greeting", "Wait"]
    assert canned["answers"][0]["text"] == "您好，很高兴为您服务。"
    # a queue without any: empty lists (the desktop shows its empty state)
    none = client.get("/api/desktop/pop/c-none").get_json()["canned"]
    assert none == {"script": [], "answers": []}
