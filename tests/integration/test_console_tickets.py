"""Tickets over HTTP: create from a live call, workflow refusals, pages with CSRF, zh/en."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from callcenter.config import load_settings
from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.desktop import PASSWORD, signed_in


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor", language="zh")
        agent = create_user(session, "agent1", PASSWORD, "agent", language="en")
        session.add(models.Agent(number="1001", sip_user="1001", user=agent, display_name="1001"))
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    return create_app(settings, TESTING=True)


def test_ticket_from_call_through_the_workflow(
    app: Flask, redis_url: str, redis_prefix: str
) -> None:
    LiveStore(redis_url, redis_prefix).put_call(
        "c-9", caller_number="13800138000", queue="support", state="talking", agent_id="1001"
    )
    client, csrf = signed_in(app, "agent1")
    created = client.post(
        "/api/tickets",
        json={"subject": "Bill too high", "category": "complaint", "call_uuid": "c-9"},
        headers=csrf,
    )
    assert created.status_code == 201, created.get_json()
    ticket = created.get_json()
    number = ticket["number"]
    assert ticket["status"] == "new" and ticket["calls"][0]["call_uuid"] == "c-9"
    assert "queue: support" in ticket["description"]
    refused = client.post(f"/api/tickets/{number}/close", headers=csrf)
    assert refused.status_code == 409 and "resolve it first" in refused.get_json()["reason"]
    for action, status in [("start", "in_progress"), ("resolve", "resolved"), ("close", "closed")]:
        response = client.post(f"/api/tickets/{number}/{action}", json={}, headers=csrf)
        assert response.status_code == 200 and response.get_json()["status"] == status
    reopen = client.post(f"/api/tickets/{number}/reopen", json={}, headers=csrf)
    assert reopen.status_code == 409 and "needs a reason" in reopen.get_json()["reason"]
    detail = client.get(f"/api/tickets/{number}").get_json()
    assert [h["action"] for h in detail["history"]] == [
        "created",
        "link_call",
        "start",
        "resolve",
        "close",
    ]
    assert client.post("/api/tickets", json={"subject": ""}, headers=csrf).status_code == 400
    bad = client.post("/api/tickets", json={"subject": "x", "category": "nope"}, headers=csrf)
    assert "unknown category 'nope'" in bad.get_json()["reason"]
    listed = client.get("/api/tickets?status=closed&q=Bill").get_json()["tickets"]
    assert [t["number"] for t in listed] == [number]


def test_pages_forms_and_csrf(app: Flask) -> None:
    client, _ = signed_in(app, "sup")
    page = client.get("/tickets/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/tickets/new", data={"subject": "x"}).status_code == 400  # no CSRF
    response = client.post(
        "/tickets/new", data={"subject": "Noise on line", "category": "repair", "csrf_token": token}
    )
    assert response.status_code == 302
    detail_url = response.headers["Location"]
    detail = client.get(detail_url).get_data(as_text=True)
    assert "Noise on line" in detail and "新建" in detail  # zh user: status "new" in Chinese
    number = detail_url.rstrip("/").rsplit("/", 1)[1]
    client.post(f"/tickets/{number}/comment", data={"body": "called back", "csrf_token": token})
    client.post(
        f"/tickets/{number}/callback",
        data={"number": "13800138000", "due_at": "2030-01-01T10:00", "csrf_token": token},
    )
    data = client.get(f"/api/tickets/{number}").get_json()
    assert data["comments"][0]["body"] == "called back"
    assert data["callbacks"][0]["number"] == "13800138000"
    refused = client.post(f"/tickets/{number}/close", data={"csrf_token": token})
    assert "resolve+it+first" in refused.headers["Location"]
    listing = client.get("/tickets/?status=open").get_data(as_text=True)
    assert number in listing and "工单" in listing


def test_tickets_need_login(app: Flask) -> None:
    assert app.test_client().get("/api/tickets").status_code == 401


def test_linked_calls_show_their_recordings_by_id_never_by_path(
    app: Flask, db_url: str, tmp_path: Path
) -> None:
    from datetime import timedelta

    from callcenter.store import models
    from callcenter.store.base import utcnow
    from callcenter.store.repositories import insert_call

    with session_scope(db_url) as session:
        call = insert_call(session, "c-rec", caller_number="13800138000", disposition="answered")
        secret = tmp_path / "secret"
        kept = models.Recording(call=call, path=str(secret / "c-rec.ogg"), format="ogg")
        gone = models.Recording(
            call=call,
            path=str(secret / "c-rec-old.wav"),
            format="wav",
            deleted_at=utcnow() - timedelta(days=1),  # removed by the retention policy
        )
        session.add_all([kept, gone])
        session.flush()
        kept_id = kept.id
    client, csrf = signed_in(app, "sup")
    number = client.post(
        "/api/tickets", json={"subject": "Dispute", "call_uuid": "c-rec"}, headers=csrf
    ).get_json()["number"]
    (linked,) = client.get(f"/api/tickets/{number}").get_json()["calls"]
    assert linked["recordings"] == [{"id": kept_id, "format": "ogg", "duration_seconds": None}]
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert f'href="/recordings/{kept_id}/audio"' in page
    assert 'href="/calls/c-rec"' in page  # supervisors open the call record from the ticket
    assert "secret" not in page and "secret" not in str(linked)


def test_list_filters_over_http_page_and_api(app: Flask) -> None:
    client, csrf = signed_in(app, "sup")
    for subject, category, priority in (
        ("Bill too high", "complaint", "high"),
        ("Router broken", "repair", "normal"),
    ):
        body = {"subject": subject, "category": category, "priority": priority}
        assert client.post("/api/tickets", json=body, headers=csrf).status_code == 201
    listed = client.get("/api/tickets?category=repair").get_json()["tickets"]
    assert [t["subject"] for t in listed] == ["Router broken"]
    listed = client.get("/api/tickets?priority=high&status=open").get_json()["tickets"]
    assert [t["subject"] for t in listed] == ["Bill too high"]
    assert client.get("/api/tickets?mine=1").get_json()["tickets"] == []  # nothing assigned
    assert client.get("/api/tickets?overdue=1").get_json()["tickets"] == []  # all fresh
    bad = client.get("/api/tickets?status=lost")
    assert bad.status_code == 400 and "unknown status" in bad.get_json()["reason"]
    page = client.get("/tickets/?category=complaint&q=bill").get_data(as_text=True)
    assert "Bill too high" in page and "Router broken" not in page
