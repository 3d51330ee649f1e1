"""Sign-in test helpers: a console app with users, clients from given addresses, cookie replay."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from callcenter.config import load_settings
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from callcenter.store.users import AuditLog, User
from console import create_app

PASSWORD = "correct-horse-1"
USERS = {"sup": "supervisor", "agent7": "agent", "boss": "admin"}


def make_app(
    db_url: str,
    redis_url: str,
    redis_prefix: str,
    console: dict[str, Any] | None = None,
    timezone: str | None = None,
    **login: Any,
) -> Flask:
    """The console with users sup, agent7 and boss (all PASSWORD), ``console`` and ``login``
    settings, in ``timezone`` if given."""
    with session_scope(db_url) as session:
        for name, role in USERS.items():
            create_user(session, name, PASSWORD, role, language="en")
    settings = load_settings(
        database={"url": db_url},
        redis={"url": redis_url, "prefix": redis_prefix},
        console=console or {},
        login=login,
        **({"timezone": timezone} if timezone else {}),
    )
    return create_app(settings, TESTING=True)


def client_at(app: Flask, address: str = "127.0.0.1") -> FlaskClient:
    """A test client whose requests come from client address ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the form (or page meta tag) at ``path``."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', page
    )
    assert match, page[:500]
    return match.group(1)


def sign_in(
    client: FlaskClient, username: str, password: str = PASSWORD, **query: str
) -> TestResponse:
    """POST the login form (with its CSRF token); ``query`` goes in the URL (e.g. next=)."""
    token = csrf_token(client)
    return client.post(
        "/login",
        query_string=query,
        data={"username": username, "password": password, "csrf_token": token},
    )


def signed_in(app: Flask, username: str, address: str = "127.0.0.1") -> FlaskClient:
    """A client signed in as ``username`` with PASSWORD."""
    client = client_at(app, address)
    response = sign_in(client, username)
    assert response.status_code == 302, (username, response.status_code)
    return client


def replay(app: Flask, cookie: str, address: str = "127.0.0.1") -> FlaskClient:
    """A new client (another browser, or an attacker) carrying a copied session cookie."""
    client = client_at(app, address)
    client.set_cookie("session", cookie)
    return client


def session_cookie(client: FlaskClient) -> str:
    """The value of the client's session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def user_row(db_url: str, username: str) -> User:
    """The users row called ``username`` (detached)."""
    with session_scope(db_url) as session:
        row = session.scalar(select(User).where(User.username == username))
        assert row is not None, username
        session.expunge(row)
        return row


def audit_rows(db_url: str, action: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    """(actor, object_id, detail) of every audit entry with ``action``."""
    with session_scope(db_url) as session:
        rows = session.scalars(select(AuditLog).where(AuditLog.action == action))
        return [(r.actor, r.object_id, dict(r.detail)) for r in rows]
