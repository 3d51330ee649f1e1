"""Agents' SIP accounts from the database: the admin sets a SIP password (kept as FreeSWITCH's
a1-hash, audited without it) and ``POST /freeswitch/directory`` answers mod_xml_curl's lookups."""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
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
DOMAIN = "cc.example.org"
SECRET = "fs-directory-secret"
SIP_PASSWORD = "phone-pass-4711"
AGENT = {"number": "2001", "display_name": "Li Lei", "sip_user": "2001", "max_no_answer": "3"}
FS = ("freeswitch", SECRET)


def make_app(db_url: str, redis_url: str, redis_prefix: str, **directory: Any) -> Flask:
    settings = load_settings(
        database={"url": db_url},
        redis={"url": redis_url, "prefix": redis_prefix},
        freeswitch={"directory": directory},
    )
    return create_app(settings, TESTING=True)


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    with session_scope(db_url) as session:
        create_user(session, "boss", PASSWORD, "admin", language="en")
    return make_app(db_url, redis_url, redis_prefix, sip_domain=DOMAIN, password=SECRET)


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    return signed_in_client(app, "boss", PASSWORD)[0]


def token(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def post(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    return client.post(url, data={"csrf_token": token(client, url), **data})


def agent_row(db_url: str, number: str = "2001") -> models.Agent:
    with session_scope(db_url) as session:
        agent = session.scalar(select(models.Agent).where(models.Agent.number == number))
        session.expunge(agent)
        return agent


def audit_details(db_url: str) -> list[tuple[str, str]]:
    with session_scope(db_url) as session:
        rows = session.scalars(select(models.AuditLog).order_by(models.AuditLog.id))
        return [(r.action, json.dumps(r.detail)) for r in rows if r.action.startswith("agent.")]


def lookup(client: FlaskClient, user: str, auth: tuple[str, str] | None = FS, **extra: str) -> Any:
    """What mod_xml_curl posts for a REGISTER's digest check (form-encoded)."""
    form = {
        "hostname": "fs1",
        "section": "directory",
        "tag_name": "domain",
        "key_name": "name",
        "key_value": DOMAIN,
        "user": user,
        "domain": DOMAIN,
        "action": "sip_auth",
        **extra,
    }
    return client.post("/freeswitch/directory", data=form, auth=auth)


def not_found(response: Any) -> bool:
    root = ET.fromstring(response.get_data(as_text=True))
    result = root.find("./section[@name='result']/result")
    return (
        response.status_code == 200 and result is not None and result.get("status") == ("not found")
    )


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_a_new_agent_with_a_sip_password_registers_through_the_directory(
    app: Flask, admin: FlaskClient, db_url: str
) -> None:
    assert (
        post(admin, "/admin/agents/new", {**AGENT, "sip_password": SIP_PASSWORD}).status_code == 302
    )
    row = agent_row(db_url)
    assert row.sip_a1_hash == md5(f"2001:{DOMAIN}:{SIP_PASSWORD}")
    form = admin.get(f"/admin/agents/{row.id}").get_data(as_text=True)
    assert 'type="password" name="sip_password" value=""' in form
    assert SIP_PASSWORD not in form and row.sip_a1_hash not in form
    actions = audit_details(db_url)
    assert [a for a, _ in actions] == ["agent.create", "agent.sip_secret"]
    assert all(SIP_PASSWORD not in d and row.sip_a1_hash not in d for _, d in actions)

    answer = lookup(app.test_client(), "2001")
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    root = ET.fromstring(answer.get_data(as_text=True))
    assert (root.tag, root.get("type")) == ("document", "freeswitch/xml")
    domain = root.find("./section[@name='directory']/domain")
    assert domain.get("name") == DOMAIN
    user = domain.find(".//user[@id='2001']")
    params = {p.get("name"): p.get("value") for p in user.findall("./params/param")}
    assert params == {"a1-hash": md5(f"2001:{DOMAIN}:{SIP_PASSWORD}")}
    variables = {v.get("name"): v.get("value") for v in user.findall("./variables/variable")}
    assert variables["user_context"] == "default"
    assert variables["effective_caller_id_name"] == "Li Lei"
    assert variables["effective_caller_id_number"] == "2001"


def test_a_new_password_replaces_the_hash_and_is_audited_without_it(
    admin: FlaskClient, db_url: str
) -> None:
    assert (
        post(admin, "/admin/agents/new", {**AGENT, "sip_password": SIP_PASSWORD}).status_code == 302
    )
    url = f"/admin/agents/{agent_row(db_url).id}"
    assert post(admin, url, {**AGENT, "display_name": "Li L."}).status_code == 302
    assert agent_row(db_url).sip_a1_hash == md5(f"2001:{DOMAIN}:{SIP_PASSWORD}")  # kept
    moved = post(admin, url, {**AGENT, "sip_user": "2009"})
    assert moved.status_code == 422
    assert "needs a new SIP password" in moved.get_data(as_text=True)
    assert SIP_PASSWORD not in moved.get_data(as_text=True)
    assert post(admin, url, {**AGENT, "sip_password": "other-pass-99"}).status_code == 302
    assert agent_row(db_url).sip_a1_hash == md5(f"2001:{DOMAIN}:other-pass-99")
    actions = audit_details(db_url)
    assert [a for a, _ in actions].count("agent.sip_secret") == 2
    assert all("other-pass-99" not in d and SIP_PASSWORD not in d for _, d in actions)
    short = post(admin, url, {**AGENT, "sip_password": "short"})
    assert short.status_code == 422 and "8 to 128" in short.get_data(as_text=True)


def test_unknown_inactive_and_passwordless_agents_are_not_found(
    app: Flask, admin: FlaskClient, db_url: str
) -> None:
    assert (
        post(admin, "/admin/agents/new", {**AGENT, "sip_password": SIP_PASSWORD}).status_code == 302
    )
    no_secret = {**AGENT, "number": "2002", "sip_user": "2002"}
    assert post(admin, "/admin/agents/new", no_secret).status_code == 302
    fs = app.test_client()
    assert not_found(lookup(fs, "2999"))
    assert not_found(lookup(fs, "2002"))
    assert not_found(lookup(fs, "2001", domain="other.example.org"))
    assert not not_found(lookup(fs, "2001"))
    url = f"/admin/agents/{agent_row(db_url).id}"
    assert (
        admin.post(f"{url}/deactivate", data={"csrf_token": token(admin, url)}).status_code == 302
    )
    assert agent_row(db_url).active is False
    assert not_found(lookup(fs, "2001"))


def test_no_or_wrong_credentials_get_401(app: Flask) -> None:
    fs = app.test_client()
    assert lookup(fs, "2001", auth=None).status_code == 401
    denied = lookup(fs, "2001", auth=("freeswitch", "wrong"))
    assert denied.status_code == 401 and "Basic" in denied.headers["WWW-Authenticate"]
    assert lookup(fs, "2001", auth=("someone", SECRET)).status_code == 401
    assert "a1-hash" not in denied.get_data(as_text=True)


def test_only_loopback_may_ask_by_default(app: Flask) -> None:
    outside = app.test_client()
    outside.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert lookup(outside, "2001").status_code == 403


def test_the_endpoint_is_off_without_a_password(
    db_url: str, redis_url: str, redis_prefix: str
) -> None:
    off = make_app(db_url, redis_url, redis_prefix, sip_domain=DOMAIN)
    assert lookup(off.test_client(), "2001", auth=("freeswitch", "")).status_code == 404


def test_a_lookup_of_the_domain_alone_is_left_to_freeswitchs_own_files(app: Flask) -> None:
    assert not_found(lookup(app.test_client(), "", action="", purpose="gateways"))


def test_the_admin_json_api_sets_the_password_the_same_way(
    app: Flask, admin: FlaskClient, db_url: str
) -> None:
    headers = {"X-CSRFToken": token(admin, "/admin/agents/new")}
    made = admin.post("/api/admin/agents", json=AGENT, headers=headers)
    assert made.status_code == 201 and "sip_password" not in made.get_json()
    changed = admin.put(
        f"/api/admin/agents/{made.get_json()['id']}",
        json={"sip_password": SIP_PASSWORD},
        headers=headers,
    )
    assert changed.status_code == 200
    assert agent_row(db_url).sip_a1_hash == md5(f"2001:{DOMAIN}:{SIP_PASSWORD}")
    assert not not_found(lookup(app.test_client(), "2001"))


def _dial_string(response: Any) -> str:
    root = ET.fromstring(response.get_data(as_text=True))
    return root.find("./section[@name='directory']/domain/params/param[@name='dial-string']").get(
        "value"
    )


def test_a_cluster_nodes_lookup_dials_the_agent_through_the_proxy(
    app: Flask, admin: FlaskClient, db_url: str, redis_url: str, redis_prefix: str
) -> None:
    """One FreeSWITCH: the phone registered there (sofia_contact). A node of a cluster: the
    agent's AOR through Kamailio (fs_path), where the phone registered - as the node's rendered
    files say, so a node with mod_xml_curl loaded reaches the phone too."""
    assert (
        post(admin, "/admin/agents/new", {**AGENT, "sip_password": SIP_PASSWORD}).status_code == 302
    )
    alone = _dial_string(lookup(app.test_client(), "2001"))
    assert "sofia_contact(*/${dialed_user}@${dialed_domain})" in alone
    settings = load_settings(
        database={"url": db_url},
        redis={"url": redis_url, "prefix": redis_prefix},
        freeswitch={
            "directory": {"sip_domain": DOMAIN, "password": SECRET},
            "nodes": [{"name": "fs-a", "sip_ip": "10.0.0.11", "engine": "127.0.0.1:8084"}],
            "kamailio": {"address": "10.0.0.5", "sip_port": 5070},
        },
    )
    node = create_app(settings, TESTING=True)
    through_proxy = _dial_string(lookup(node.test_client(), "2001"))
    assert "sofia/internal/${dialed_user}@${dialed_domain};fs_path=<sip:10.0.0.5:5070;lr>" in (
        through_proxy
    )
    assert "sofia_contact" not in through_proxy
