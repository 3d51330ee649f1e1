"""Customers over HTTP: create with several numbers, duplicates refused, search, edit."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from callcenter.store.session import session_scope
from tests.support.desktop import agent_and_supervisor_app, signed_in


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    return agent_and_supervisor_app(db_url, redis_url, redis_prefix)


def test_customer_api(app: Flask) -> None:
    client, csrf = signed_in(app, "agent1")
    created = client.post(
        "/api/customers",
        json={
            "name": "Zhao Lei",
            "phones": ["13800138000", "010-12345678"],
            "vip": True,
            "tags": "gold, repeat",
        },
        headers=csrf,
    )
    assert created.status_code == 201, created.get_json()
    customer = created.get_json()
    assert customer["phones"] == ["13800138000", "01012345678"] and customer["tags"] == [
        "gold",
        "repeat",
    ]
    dup = client.post("/api/customers", json={"name": "X", "phones": ["13800138000"]}, headers=csrf)
    assert dup.status_code == 400 and "already belongs" in dup.get_json()["reason"]
    found = client.get("/api/customers?phone=+8613800138000").get_json()["customers"]
    assert [c["name"] for c in found] == ["Zhao Lei"]
    assert [c["id"] for c in client.get("/api/customers?q=repeat").get_json()["customers"]] == [
        customer["id"]
    ]
    patched = client.patch(
        f"/api/customers/{customer['id']}",
        json={"phones": ["13900000000"], "vip": False},
        headers=csrf,
    )
    assert patched.get_json()["phones"] == ["13900000000"] and patched.get_json()["vip"] is False
    full = client.get(f"/api/customers/{customer['id']}").get_json()
    assert full["calls"] == [] and full["tickets"] == []


def test_customer_pages(app: Flask) -> None:
    client, _ = signed_in(app, "agent1")
    page = client.get("/customers/new?phone=13700000000").get_data(as_text=True)
    assert "13700000000" in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/customers/new",
        data={
            "name": "Sun Li",
            "phones": "13700000000\n13700000001",
            "vip": "on",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sun Li" in detail and "VIP" in detail and "13700000001" in detail
    assert "Sun Li" in client.get("/customers/?q=1370000").get_data(as_text=True)
    assert client.post("/customers/new", data={"name": "", "csrf_token": token}).status_code == 400


def test_customer_notes_and_full_call_and_ticket_history(app: Flask, db_url: str) -> None:
    from datetime import timedelta

    from callcenter.store.base import utcnow
    from callcenter.store.repositories import insert_call

    client, csrf = signed_in(app, "agent1")
    created = client.post(
        "/api/customers",
        json={
            "name": "Qian Wei",
            "phones": ["13800138001", "13800138002"],
            "notes": "prefers calls after 18:00",
        },
        headers=csrf,
    ).get_json()
    assert created["notes"] == "prefers calls after 18:00"
    edited = client.patch(
        f"/api/customers/{created['id']}", json={"notes": "deaf in the left ear"}, headers=csrf
    ).get_json()
    assert edited["notes"] == "deaf in the left ear"
    now = utcnow()
    with session_scope(db_url) as session:
        insert_call(session, "h-1", caller_number="13800138001", started_at=now - timedelta(2))
        insert_call(session, "h-2", caller_number="+8613800138002", started_at=now - timedelta(1))
        insert_call(  # we called them (click-to-call or a ticket's callback)
            session,
            "h-3",
            caller_number="4000",
            dialled_number="13800138002",
            direction="outbound",
            started_at=now,
        )
        insert_call(session, "h-4", caller_number="13900000000", started_at=now)  # someone else
    for subject in ("First", "Second"):
        client.post(
            "/api/tickets", json={"subject": subject, "customer_id": created["id"]}, headers=csrf
        )
    full = client.get(f"/api/customers/{created['id']}").get_json()
    # an agent who took none of these calls sees them without their uuids (#14)
    assert [c["call_uuid"] for c in full["calls"]] == [None, None, None]
    assert [c["caller_number"] for c in full["calls"]][1:] == ["+8613800138002", "13800138001"]
    assert sorted(t["subject"] for t in full["tickets"]) == ["First", "Second"]
    page = client.get(f"/customers/{created['id']}").get_data(as_text=True)
    assert "deaf in the left ear" in page and "Second" in page and "data-call=" not in page
    sup, _ = signed_in(app, "sup")
    assert [
        c["call_uuid"] for c in sup.get(f"/api/customers/{created['id']}").get_json()["calls"]
    ] == ["h-3", "h-2", "h-1"]
    page = sup.get(f"/customers/{created['id']}").get_data(as_text=True)
    for uuid in ("h-1", "h-2", "h-3"):
        assert f'data-call="{uuid}"' in page
    assert "&rarr; 13800138002" in page and 'data-call="h-4"' not in page
