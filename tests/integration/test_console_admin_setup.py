"""Admin set-up pages: queues, agents, skills, reasons, blacklist, calendars, hotline numbers
and the audit log - create, a bad value refused next to its field, edit, deactivate, audit."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from callcenter.config import load_settings
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.console import signed_in_client

PASSWORD = "admin-pass-123"


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    with session_scope(db_url) as session:
        create_user(session, "boss", PASSWORD, "admin", language="en")
        create_user(session, "sup", PASSWORD, "supervisor", language="en")
        create_user(session, "li.lei", PASSWORD, "agent", language="en")
        session.add(models.Skill(name="english"))
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    return create_app(settings, TESTING=True)


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    return signed_in_client(app, "boss", PASSWORD)[0]


def token(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def post(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    return client.post(url, data={"csrf_token": token(client, url), **data})


def one(db_url: str, model: Any, **where: Any) -> Any:
    with session_scope(db_url) as session:
        row = session.scalar(select(model).filter_by(**where))
        return None if row is None else {c.name: getattr(row, c.name) for c in model.__table__.c}


def audits(db_url: str, action: str) -> list[dict[str, Any]]:
    with session_scope(db_url) as session:
        rows = session.scalars(select(models.AuditLog).where(models.AuditLog.action == action))
        return [{"actor": r.actor, **r.detail} for r in rows]


def error_next_to(page: str, name: str) -> str:
    """The message shown under field ``name`` (partials/field.html), or ''."""
    match = re.search(rf'data-testid="{name}-error">([^<]*)<', page)
    if match is None:
        return ""
    assert re.search(rf'aria-describedby="[^"]*\b{name}-error"', page), "not tied to the field"
    return html.unescape(match.group(1))


QUEUE = {
    "name": "sales",
    "strategy": "longest-idle-agent",
    "wrap_up_seconds": "15",
    "max_wait_seconds": "120",
    "skills": "english:5",
    "widening": "30:3, 60:1",
    "tier_wait_seconds": "20",
    "exit_key": "0",
    "overflow_target": "",
}


def test_queue_create_bad_value_edit_deactivate_and_audit(admin: FlaskClient, db_url: str) -> None:
    created = post(admin, "/admin/queues/new", QUEUE)
    assert created.status_code == 302 and created.headers["Location"].endswith("/admin/queues/")
    row = one(db_url, models.Queue, name="sales")
    assert (row["widening"], row["tier_wait_seconds"], row["exit_key"]) == ("30:3, 60:1", 20, "0")
    assert row["announce_position"] is False and row["active"] is True  # box left unchecked
    [entry] = audits(db_url, "queue.create")
    assert entry["actor"] == "boss" and entry["before"] is None
    assert entry["after"]["skills"] == ["english:5"]

    url = f"/admin/queues/{row['id']}"
    bad = post(admin, url, {**QUEUE, "max_wait_seconds": "-5", "active": "on"})
    assert bad.status_code == 422
    assert "max wait seconds must be a whole number" in error_next_to(
        bad.get_data(True), "max_wait_seconds"
    )
    assert one(db_url, models.Queue, name="sales")["max_wait_seconds"] == 120  # nothing stored

    bad_skill = post(admin, url, {**QUEUE, "skills": "klingon:5", "active": "on"})
    assert "unknown skill 'klingon'" in error_next_to(bad_skill.get_data(True), "skills")

    changed = post(
        admin, url,
        {**QUEUE, "max_wait_seconds": "90", "service_level_seconds": "30", "active": "on"},
    )  # fmt: skip
    assert changed.status_code == 302
    [update] = audits(db_url, "queue.update")
    assert (update["before"]["max_wait_seconds"], update["after"]["max_wait_seconds"]) == (120, 90)
    assert one(db_url, models.Queue, name="sales")["service_level_seconds"] == 30

    listed = admin.get("/admin/queues/").get_data(as_text=True)
    assert 'data-name="sales"' in listed and "english:5" in listed
    assert (
        admin.post(f"{url}/deactivate", data={"csrf_token": token(admin, url)}).status_code == 302
    )
    assert one(db_url, models.Queue, name="sales")["active"] is False
    [off] = audits(db_url, "queue.deactivate")
    assert (off["before"]["active"], off["after"]["active"]) == (True, False)


def test_agent_with_user_tiers_and_skills(admin: FlaskClient, db_url: str) -> None:
    assert post(admin, "/admin/queues/new", QUEUE).status_code == 302
    agent = {"number": "2001", "display_name": "Li Lei", "username": "li.lei",
             "sip_user": "2001", "queues": "sales:2:3", "skills": "english:7"}  # fmt: skip
    bad = post(admin, "/admin/agents/new", {**agent, "queues": "nowhere:1:1"})
    assert bad.status_code == 422
    assert "unknown queue 'nowhere'" in error_next_to(bad.get_data(True), "queues")
    assert one(db_url, models.Agent, number="2001") is None
    assert post(admin, "/admin/agents/new", agent).status_code == 302
    row = one(db_url, models.Agent, number="2001")
    tier = one(db_url, models.AgentQueue, agent_id=row["id"])
    assert (tier["level"], tier["position"]) == (2, 3)
    assert one(db_url, models.AgentSkill, agent_id=row["id"])["proficiency"] == 7
    taken = post(admin, "/admin/agents/new", {**agent, "number": "2002"})
    assert "taken by another agent" in error_next_to(taken.get_data(True), "sip_user")
    [entry] = audits(db_url, "agent.create")
    assert entry["after"]["queues"] == ["sales:2:3"] and entry["after"]["username"] == "li.lei"


def test_reasons_are_seeded_editable_and_offered_on_the_desktop(
    app: Flask, admin: FlaskClient, db_url: str
) -> None:
    listed = admin.get("/admin/reasons/").get_data(as_text=True)
    assert all(f'data-name="{c}"' in listed for c in ("break", "lunch", "meeting", "training"))
    bad = post(admin, "/admin/reasons/new", {"code": "coffee break", "position": "9"})
    assert "code may hold only letters" in error_next_to(bad.get_data(True), "code")
    made = post(admin, "/admin/reasons/new", {"code": "coaching", "label": "Coaching 1:1"})
    assert made.status_code == 302
    lunch = one(db_url, models.NotReadyReason, code="lunch")
    url = f"/admin/reasons/{lunch['id']}"
    admin.post(f"{url}/deactivate", data={"csrf_token": token(admin, url)})
    agent = {"number": "2001", "display_name": "Li", "username": "li.lei", "sip_user": "2001"}
    assert post(admin, "/admin/agents/new", agent).status_code == 302

    desktop = signed_in_client(app, "li.lei", PASSWORD)[0].get("/agent/").get_data(as_text=True)
    offered = re.findall(r'<option value="([a-z]+)">([^<]*)</option>', desktop)
    assert ("coaching", "Coaching 1:1") in offered and ("break", "break") in offered
    assert "lunch" not in dict(offered)


def test_blacklist_prefix_expiry_and_flood_settings(admin: FlaskClient, db_url: str) -> None:
    bad = post(admin, "/admin/blacklist/new", {"number": "12ab", "reason": "x"})
    assert "number must be 2 to 31 digits" in error_next_to(bad.get_data(True), "number")
    bad_day = post(admin, "/admin/blacklist/new", {"number": "1390*", "expires_at": "tomorrow"})
    assert "expires at: write YYYY-MM-DD" in error_next_to(bad_day.get_data(True), "expires_at")
    made = post(
        admin,
        "/admin/blacklist/new",
        {"number": "1390*", "reason": "spam", "expires_at": "2099-01-01"},
    )
    assert made.status_code == 302
    page = admin.get("/admin/blacklist/").get_data(as_text=True)
    assert 'data-name="1390*"' in page and 'data-testid="flood"' in page
    row = one(db_url, models.BlacklistEntry, number="1390*")
    url = f"/admin/blacklist/{row['id']}"
    admin.post(f"{url}/deactivate", data={"csrf_token": token(admin, url)})
    [off] = audits(db_url, "blacklist.deactivate")
    assert off["before"]["active"] is True and off["after"]["active"] is False


def test_skills_and_calendars(admin: FlaskClient, db_url: str) -> None:
    assert post(admin, "/admin/skills/new", {"name": "french"}).status_code == 302
    dup = post(admin, "/admin/skills/new", {"name": "french"})
    assert "exists already" in error_next_to(dup.get_data(True), "name")
    cal = {"name": "office", "timezone": "Asia/Shanghai", "hours": "mon-fri: 09:00-18:00",
           "holidays": "10-01..10-07"}  # fmt: skip
    bad = post(admin, "/admin/calendars/new", {**cal, "hours": "mon-fri: 18:00-09:00"})
    assert "end before they start" in error_next_to(bad.get_data(True), "hours")
    zone = post(admin, "/admin/calendars/new", {**cal, "timezone": "Mars/Olympus"})
    assert "unknown time zone" in error_next_to(zone.get_data(True), "timezone")
    assert post(admin, "/admin/calendars/new", cal).status_code == 302
    assert one(db_url, models.Calendar, name="office")["hours"] == "mon-fri: 09:00-18:00"


def test_hotline_numbers_page(admin: FlaskClient, db_url: str) -> None:
    bad = post(admin, "/admin/numbers", {"numbers": "50x0 main"})
    assert bad.status_code == 422 and "digits" in error_next_to(bad.get_data(True), "numbers")
    assert post(admin, "/admin/numbers", {"numbers": "5000 main hotline"}).status_code == 302
    assert one(db_url, models.HotlineNumber, number="5000")["flow_name"] == "main"
    assert "5000 main hotline" in admin.get("/admin/numbers").get_data(as_text=True)


def test_audit_log_filters_by_user_object_and_day(admin: FlaskClient) -> None:
    post(admin, "/admin/skills/new", {"name": "german"})
    post(admin, "/admin/queues/new", QUEUE)
    page = admin.get("/admin/audit?user=boss&object=skill").get_data(as_text=True)
    assert 'data-action="skill.create"' in page and 'data-action="queue.create"' not in page
    assert 'data-action="skill.create"' not in admin.get("/admin/audit?user=sup").get_data(True)
    assert 'data-action="skill.create"' not in admin.get("/admin/audit?to=2000-01-01").get_data(
        True
    )
    assert admin.get("/admin/audit?from=yesterday").status_code == 400


def test_supervisor_reads_lists_but_changes_nothing(app: Flask) -> None:
    sup = signed_in_client(app, "sup", PASSWORD)[0]
    page = sup.get("/admin/queues/")
    assert page.status_code == 200 and 'data-testid="new"' not in page.get_data(True)
    assert sup.get("/admin/queues/new").status_code == 403
    assert sup.get("/admin/audit").status_code == 403


def test_json_api_for_queues_and_agents(app: Flask, db_url: str) -> None:
    client, headers = signed_in_client(app, "boss", PASSWORD)
    made = client.post(
        "/api/admin/queues", json={**QUEUE, "skills": ["english:4"]}, headers=headers
    )
    assert made.status_code == 201 and made.get_json()["skills"] == ["english:4"]
    assert made.get_json()["announce_position"] is True  # left out: the default
    queue_id = made.get_json()["id"]
    bad = client.put(f"/api/admin/queues/{queue_id}", json={"exit_key": "x"}, headers=headers)
    assert bad.status_code == 400 and bad.get_json()["field"] == "exit_key"
    ok = client.put(f"/api/admin/queues/{queue_id}", json={"tier_wait_seconds": 5}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["tier_wait_seconds"] == 5
    assert ok.get_json()["widening"] == "30:3, 60:1"  # left alone
    agent = {"number": "3001", "display_name": "A", "sip_user": "3001", "queues": ["sales"]}
    assert client.post("/api/admin/agents", json=agent, headers=headers).status_code == 201
    listed = client.get("/api/admin/agents").get_json()["items"]
    assert [(a["number"], a["queues"]) for a in listed] == [("3001", ["sales:1:1"])]
    assert client.get("/api/admin/agents/999").status_code == 404
    gone = client.delete(f"/api/admin/queues/{queue_id}", headers=headers)
    assert gone.status_code == 200 and gone.get_json()["active"] is False
