"""#14 item 5: an oversized field is 400 with its name, an oversized request 413; nothing stored."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from callcenter.config import load_settings
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.console import signed_in_client

PASSWORD = "size-pass-123"
LIMIT = 64 * 1024  # the test console's max_request_bytes


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    with session_scope(db_url) as session:
        user = create_user(session, "agent1", PASSWORD, "agent")
        session.add(models.Agent(number="1001", sip_user="1001", user=user, display_name="1001"))
    settings = load_settings(
        database={"url": db_url},
        redis={"url": redis_url, "prefix": redis_prefix},
        console={"max_request_bytes": LIMIT},
    )
    return create_app(settings, TESTING=True)


def _count(db_url: str, column: object) -> int:
    with session_scope(db_url) as session:
        return int(session.scalar(select(func.count(column))) or 0)


def _stored(db_url: str) -> tuple[int, int, int]:
    return (
        _count(db_url, models.Ticket.id),
        _count(db_url, models.TicketComment.id),
        _count(db_url, models.Customer.id),
    )


def test_fields_over_their_limit_are_400_with_the_field_and_store_nothing(
    app: Flask, db_url: str
) -> None:
    client, csrf = signed_in_client(app, "agent1", PASSWORD)
    ticket = client.post("/api/tickets", json={"subject": "ok"}, headers=csrf).get_json()
    customer = client.post(
        "/api/customers", json={"name": "Ann", "phones": ["13800138000"]}, headers=csrf
    ).get_json()
    before = _stored(db_url)
    cases = [
        ("post", "/api/tickets", {"subject": "x", "description": "d" * 20_001}, "description"),
        ("post", "/api/tickets", {"subject": "s" * 256}, "subject"),
        ("post", f"/api/tickets/{ticket['number']}/comment", {"body": "c" * 10_001}, "comment"),
        ("post", "/api/customers", {"name": "Bo", "notes": "n" * 10_001}, "notes"),
        ("post", "/api/customers", {"name": "Bo", "tags": ["t"] * 51}, "tags"),
        ("patch", f"/api/customers/{customer['id']}", {"notes": "n" * 10_001}, "notes"),
        ("patch", f"/api/customers/{customer['id']}", {"name": "N" * 129}, "name"),
    ]
    for method, path, body, field in cases:
        response = getattr(client, method)(path, json=body, headers=csrf)
        assert response.status_code == 400, (path, field, response.get_json())
        assert f"field {field}" in response.get_json()["reason"], response.get_json()
    assert _stored(db_url) == before
    assert client.get(f"/api/customers/{customer['id']}").get_json()["notes"] == ""
    # the ticket form answers the same (a page with the reason, nothing stored)
    page = client.get("/tickets/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = client.post(
        "/tickets/new", data={"subject": "x", "description": "d" * 20_001, "csrf_token": token}
    )
    # the agent reads Chinese: the form's error is translated, the field and limit inside it
    assert form.status_code == 400
    assert "字段 description 必须是不超过 20000 个字符的文本" in form.get_data(as_text=True)
    assert _stored(db_url) == before


def test_a_request_over_max_request_bytes_is_413_and_stores_nothing(
    app: Flask, db_url: str
) -> None:
    client, csrf = signed_in_client(app, "agent1", PASSWORD)
    before = _stored(db_url)
    response = client.post(
        "/api/tickets", json={"subject": "x", "description": "d" * LIMIT}, headers=csrf
    )
    assert response.status_code == 413
    assert response.get_json()["reason"] == f"the request is larger than the limit of {LIMIT} bytes"
    form = client.post(
        "/tickets/new", data={"subject": "x", "description": "d" * LIMIT, "csrf_token": "t"}
    )
    assert form.status_code == 413
    assert _stored(db_url) == before
    assert client.post("/api/tickets", json={"subject": "x"}, headers=csrf).status_code == 201
