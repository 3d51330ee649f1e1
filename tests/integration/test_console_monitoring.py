"""The monitoring API and the call record's "Monitored by" section, on real SQLite and Redis
(no engine: the request is read back from the stream the engine takes it from)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from callcenter.live.names import MONITOR_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.enums import Disposition
from callcenter.store.monitoring import MonitorSession
from callcenter.store.repositories import create_user, insert_call
from callcenter.store.session import session_scope
from tests.support.login import PASSWORD, csrf_token, make_app, signed_in

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    """Users sup (phone 1002), agent7, boss (no phone) and sup2 (phone 1003)."""
    built = make_app(db_url, redis_url, redis_prefix)
    with session_scope(db_url) as session:
        sup = session.scalar(select(models.User).where(models.User.username == "sup"))
        sup.extension = "1002"
        create_user(session, "sup2", PASSWORD, "supervisor", language="en").extension = "1003"
    return built


def post(client: FlaskClient, path: str, body: dict | None = None) -> TestResponse:
    """POST JSON with the page's CSRF token."""
    return client.post(
        path, json=body or {}, headers={"X-CSRFToken": csrf_token(client, "/customers/")}
    )


def requests_sent(live: LiveStore) -> list[dict]:
    """What the console put on the engine's monitoring stream, oldest first."""
    entries = live.redis.xrange(live.key("stream", MONITOR_COMMANDS))
    return [json.loads(fields["data"]) for _id, fields in entries]


def test_start_rings_the_supervisors_phone_through_the_engine(app: Flask, live: LiveStore) -> None:
    live.put_call("call-1", state="talking", caller_number="13800138000", agent_id="1000")
    sup = signed_in(app, "sup")

    started = post(sup, "/api/monitor", {"call_uuid": "call-1", "mode": "whisper"})

    assert started.status_code == 202
    session_id = started.get_json()["session_id"]
    (request,) = requests_sent(live)
    assert request["action"] == "start" and request["call_uuid"] == "call-1"
    assert request["mode"] == "whisper" and request["extension"] == "1002"
    assert request["caller_number"] == "13800138000" and request["username"] == "sup"
    shown = sup.get(f"/api/monitor/{session_id}").get_json()
    assert shown["modes"] == ["whisper"] and shown["answered_at"] is None
    assert shown["ended_at"] is None and shown["username"] == "sup"
    twice = post(sup, "/api/monitor", {"call_uuid": "call-1", "mode": "listen"})
    assert twice.status_code == 409 and twice.get_json()["session_id"] == session_id
    # not answered yet: no mode switch; another supervisor's session: not theirs
    assert post(sup, f"/api/monitor/{session_id}/mode", {"mode": "barge"}).status_code == 409
    other = signed_in(app, "sup2")
    assert post(other, f"/api/monitor/{session_id}/leave").status_code == 403
    left = post(sup, f"/api/monitor/{session_id}/leave")
    assert left.status_code == 202
    assert requests_sent(live)[-1] == {
        "action": "leave",
        "leg_uuid": request["leg_uuid"],
        "call_uuid": "call-1",
    }


def test_refusals(app: Flask, live: LiveStore) -> None:
    live.put_call("call-2", state="talking", caller_number="13800138000")
    sup = signed_in(app, "sup")
    assert post(sup, "/api/monitor", {"call_uuid": "gone", "mode": "listen"}).status_code == 409
    bad = post(sup, "/api/monitor", {"call_uuid": "call-2", "mode": "shout"})
    assert bad.status_code == 400 and "mode must be one of" in bad.get_json()["reason"]
    assert post(sup, "/api/monitor", {"mode": "listen"}).status_code == 400
    no_phone = post(signed_in(app, "boss"), "/api/monitor", {"call_uuid": "call-2"})
    assert no_phone.status_code == 409 and "extension" in no_phone.get_json()["reason"]
    agent = post(signed_in(app, "agent7"), "/api/monitor", {"call_uuid": "call-2"})
    assert agent.status_code == 403
    assert post(sup, "/api/monitor/999/leave").status_code == 404
    assert requests_sent(live) == []


def test_a_live_calls_page_has_the_monitoring_buttons_until_its_record_exists(
    app: Flask, live: LiveStore
) -> None:
    live.put_call("call-9", state="talking", caller_number="13800138009", queue="sales",
                  agent_id="1000", since="2026-03-02T09:30:00+00:00")  # fmt: skip
    sup = signed_in(app, "sup")

    page = sup.get("/calls/call-9")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-monitor-call="call-9"' in html and "13800138009" in html and "sales" in html
    assert signed_in(app, "agent7").get("/calls/call-9").status_code == 403
    assert sup.get("/calls/no-such-call").status_code == 404
    live.put_call("call-9", state="ended")
    assert sup.get("/calls/call-9").status_code == 404


def test_call_record_shows_who_monitored(app: Flask, db_url: str) -> None:
    with session_scope(db_url) as session:
        insert_call(session, "call-3", caller_number="13800138000", started_at=AT,
                    answered_at=AT, ended_at=AT, disposition=Disposition.ANSWERED)  # fmt: skip
        session.add(
            MonitorSession(
                call_uuid="call-3", leg_uuid="leg-3", username="sup", extension="1002",
                modes="listen,whisper,barge", requested_at=AT, answered_at=AT, ended_at=AT,
                end_reason="NORMAL_CLEARING",
            )
        )  # fmt: skip
    sup = signed_in(app, "sup")

    page = sup.get("/calls/call-3").get_data(as_text=True)

    section = page.split('id="monitoring"', 1)[1].split("</table>", 1)[0]
    assert "sup" in section and "1002" in section and "listen, whisper, barge" in section
    assert "NORMAL_CLEARING" in section
    (entry,) = sup.get("/api/calls/call-3").get_json()["monitoring"]
    assert entry["modes"] == ["listen", "whisper", "barge"] and entry["username"] == "sup"
    as_admin = signed_in(app, "boss").get("/calls/call-3").get_data(as_text=True)
    assert "listen, whisper, barge" in as_admin
    with session_scope(db_url) as session:
        insert_call(session, "call-4", caller_number="13800138001", started_at=AT)
    assert "Nobody monitored this call." in sup.get("/calls/call-4").get_data(as_text=True)


def test_admin_sets_a_users_phone_extension(app: Flask, db_url: str) -> None:
    boss = signed_in(app, "boss")
    with session_scope(db_url) as session:
        user_id = session.scalar(select(models.User.id).where(models.User.username == "boss"))
    page = boss.get(f"/admin/users/{user_id}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"csrf_token": token, "role": "admin", "language": "en", "active": "on"}

    saved = boss.post(f"/admin/users/{user_id}", data=form | {"extension": "1009"})
    refused = boss.post(f"/admin/users/{user_id}", data=form | {"extension": "10 09"})

    assert saved.status_code == 302
    assert refused.status_code == 400
    with session_scope(db_url) as session:
        assert session.get(models.User, user_id).extension == "1009"
