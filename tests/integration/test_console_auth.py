"""Console sign-in, roles, CSRF and the wallboard snapshot, on real SQLite and Redis."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from callcenter.config import load_settings
from callcenter.live.store import LiveStore
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support import sql

PASSWORD = "correct-horse"


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor")
        create_user(session, "agent7", PASSWORD, "agent")
        create_user(session, "boss", PASSWORD, "admin")
        create_user(session, "gone", PASSWORD, "supervisor", active=False)
    return create_app(settings, TESTING=True)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', page
    )
    assert match, page
    return match.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def test_every_route_needs_a_login(app: Flask) -> None:
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.login") or "<" in rule.rule:
            continue
        if rule.endpoint.startswith(("metrics.", "freeswitch.")):  # the documented exceptions:
            continue  # a scrape token / open health check (console/metrics.py) and FreeSWITCH's
            # HTTP Basic directory lookups (console/freeswitch_directory.py; the access matrix)
        method = "POST" if "POST" in rule.methods and "GET" not in rule.methods else "GET"
        response = client.open(rule.rule, method=method)
        if rule.rule == "/":
            assert response.status_code == 302
            continue
        # POST routes without a token are stopped by CSRF before the login check;
        # the JSON API answers 401 instead of redirecting to the sign-in page.
        assert response.status_code in (302, 400, 401), (rule.rule, response.status_code)
        if rule.rule.startswith("/api/"):
            assert response.status_code in (400, 401)
        elif response.status_code == 302:
            assert "/login" in response.headers["Location"]


def test_sign_in_and_out(app: Flask) -> None:
    client = app.test_client()
    response = sign_in(client, "sup")
    assert response.status_code == 302
    page = client.get("/supervisor/").get_data(as_text=True)
    assert 'data-testid="who">sup (supervisor)' in page
    token = csrf_token(client, "/supervisor/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/supervisor/").status_code == 302


def test_wrong_password_and_inactive_user_are_refused(app: Flask) -> None:
    client = app.test_client()
    response = sign_in(client, "sup", "wrong-password")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)
    assert sign_in(client, "gone").status_code == 401
    assert client.get("/supervisor/snapshot").status_code == 302


def test_login_without_csrf_token_is_rejected(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/login", data={"username": "sup", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/supervisor/").status_code == 302


def test_logout_needs_post_with_csrf(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, "sup")
    assert client.post("/logout").status_code == 400
    assert client.get("/logout").status_code == 405
    assert client.get("/supervisor/").status_code == 200


def test_agent_may_not_see_the_wallboard_but_admin_may(app: Flask) -> None:
    agent = app.test_client()
    sign_in(agent, "agent7")
    assert agent.get("/supervisor/").status_code == 403
    assert agent.get("/supervisor/snapshot").status_code == 403
    admin = app.test_client()
    sign_in(admin, "boss")
    assert admin.get("/supervisor/").status_code == 200


def test_open_redirect_after_login_is_refused(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login?next=//evil.example/x",
        data={"username": "sup", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_wallboard_snapshot_reads_live_state(app: Flask, redis_url: str, redis_prefix: str) -> None:
    store = LiveStore(redis_url, redis_prefix)
    store.put_agent("1001", extension="1001", state="available", since="2026-11-25T09:00:00+00:00")
    store.put_call("call-1", caller_number="13800138000", queue="support", state="queued")
    client = app.test_client()
    sign_in(client, "sup")
    data = client.get("/supervisor/snapshot").get_json()
    assert data["agents"] == [
        {
            "agent_id": "1001",
            "extension": "1001",
            "state": "available",
            "since": "2026-11-25T09:00:00+00:00",
        }
    ]
    assert data["calls"][0]["call_uuid"] == "call-1" and data["calls"][0]["state"] == "queued"


def test_password_is_stored_hashed_and_security_headers_set(app: Flask, db_url: str) -> None:
    [(stored,)] = sql.rows(db_url, "select password_hash from users where username='sup'")
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    response = app.test_client().get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("secure", [False, True])
def test_session_cookie_is_http_only_same_site_and_secure_when_set(
    db_url: str, redis_url: str, redis_prefix: str, secure: bool
) -> None:
    settings = load_settings(
        database={"url": db_url},
        redis={"url": redis_url, "prefix": redis_prefix},
        console={"secure_cookies": secure},
    )
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor")
    client = create_app(settings, TESTING=True).test_client()
    response = sign_in(client, "sup")
    assert response.status_code == 302
    (cookie,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert "httponly" in flags and "samesite=lax" in flags
    assert ("secure" in flags) is secure
