"""#14 items 5 and 7: bad or oversized request input is a 4xx with a reason, never a 500."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.support.desktop import agent_and_supervisor_app, signed_in


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    return agent_and_supervisor_app(db_url, redis_url, redis_prefix)


def test_bad_bodies_ids_and_sizes_are_4xx_with_a_reason(app: Flask) -> None:
    client, csrf = signed_in(app, "agent1")
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post(
        "/api/tickets", data=deep, headers={**csrf, "Content-Type": "application/json"}
    )
    assert response.status_code == 400 and "JSON" in response.get_json()["reason"]
    response = client.post("/api/tickets", json={"subject": 5}, headers=csrf)
    assert response.status_code == 400
    assert response.get_json()["reason"] == "field subject must be text of at most 255 characters"
    assert client.get(f"/api/customers/{2**63}").status_code == 404
    assert client.get(f"/api/customers/{2**31}").status_code == 404  # past PostgreSQL INTEGER
    response = client.get(f"/api/tickets?customer={2**64}")
    assert response.status_code == 400 and "customer" in response.get_json()["reason"]
    assert client.get("/api/tickets?customer=\u00b2").status_code == 400
    big = client.post(
        "/api/tickets", json={"subject": "x", "description": "d" * 2_000_000}, headers=csrf
    )
    assert big.status_code == 413 and "limit" in big.get_json()["reason"]
    long = client.post(
        "/api/tickets", json={"subject": "x", "description": "d" * 30_000}, headers=csrf
    )
    assert long.status_code == 400 and "description" in long.get_json()["reason"]
