"""The OpenAPI tests' center: a console on real SQLite and Redis with one of everything the
/api routes read (admin, agent 1001 with its user, a customer, a ticket, calls), and the
console served over HTTP by werkzeug in a thread for clients that need a real socket."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from callcenter.config import load_settings
from callcenter.store import models
from callcenter.store.base import utcnow
from callcenter.store.enums import Disposition
from callcenter.store.monitoring import MonitorSession
from callcenter.store.repositories import create_user, insert_call
from callcenter.store.session import session_scope
from callcenter.tickets import customers as cust
from callcenter.tickets import service as svc
from console import create_app
from tests.support.console import signed_in_client
from tests.support.flows import HELLO_FLOW

PASSWORD = "openapi-pass-123"
FLOW = HELLO_FLOW


@dataclass(frozen=True)
class Center:
    """The console and the values its seeded rows have."""

    app: Flask
    customer_id: int
    ticket: str


@pytest.fixture
def center(db_url: str, redis_url: str, redis_prefix: str) -> Center:
    """A console with admin "boss", agent 1001 (user agent1), a customer, a ticket, an
    answered call "c1" with boss's monitoring session 1, an abandoned call "c2", and flow
    "main" with version 1 published."""
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    with session_scope(db_url) as session:
        boss = create_user(session, "boss", PASSWORD, "admin", language="en")
        boss.extension = "1900"
        agent = create_user(session, "agent1", PASSWORD, "agent", language="zh")
        row = models.Agent(number="1001", sip_user="1001", user=agent, display_name="1001")
        session.add(row)
        session.flush()
        customer = cust.create_customer(session, "Wang Fang", ["13800138000"])
        ticket = svc.create_ticket(
            session, settings.tickets, subject="Router", customer_id=customer.id, actor_id=agent.id
        )
        insert_call(session, "c1", caller_number="13800138000", agent_id=row.id)
        insert_call(session, "c2", caller_number="13800138001", disposition=Disposition.ABANDONED)
        session.add(
            MonitorSession(
                call_uuid="c1", leg_uuid="leg-1", user_id=boss.id, username="boss",
                extension="1900", modes="listen", answered_at=utcnow(),
            )
        )  # fmt: skip
        customer_id, number = customer.id, ticket.number
    app = create_app(settings, TESTING=True)
    client, csrf = signed_in_client(app, "boss", PASSWORD)
    saved = client.post("/api/admin/flows/main/versions", json={"yaml": FLOW}, headers=csrf)
    published = client.post("/api/admin/flows/main/publish", json={"version": 1}, headers=csrf)
    assert (saved.status_code, published.status_code) == (201, 200), published.get_json()
    return Center(app, customer_id, number)


@pytest.fixture
def served(center: Center) -> Iterator[str]:
    """The center's console on a free 127.0.0.1 port (werkzeug, threaded); its base URL."""
    server = make_server("127.0.0.1", 0, center.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def http_session(base_url: str, username: str) -> tuple[requests.Session, dict[str, str]]:
    """A requests session signed in through the login form, and its CSRF header."""
    session = requests.Session()
    page = session.get(f"{base_url}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = session.post(
        f"{base_url}/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert answer.status_code == 302, f"sign-in as {username} failed"
    return session, {"X-CSRFToken": token}
