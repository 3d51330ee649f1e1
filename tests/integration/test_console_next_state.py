"""The CTI REST API and 'not ready after this call': not_ready / logout on a call are accepted
for the engine to keep, ready cancels what is pending, and the live state shows it."""

from __future__ import annotations

import pytest
from flask import Flask

from callcenter.config import load_settings
from callcenter.live.names import AGENT_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.console import signed_in_client

PASSWORD = "api-pass-123"


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    with session_scope(db_url) as session:
        user = create_user(session, "agent1007", PASSWORD, "agent")
        session.add(models.Agent(number="1007", sip_user="1007", user=user, display_name="S"))
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    return create_app(settings, TESTING=True)


@pytest.fixture
def live(redis_url: str, redis_prefix: str) -> LiveStore:
    store = LiveStore(redis_url, redis_prefix)
    store.ensure_group(AGENT_COMMANDS, "test")
    return store


def sent(live: LiveStore) -> list[tuple[str, str]]:
    commands = live.read_commands(AGENT_COMMANDS, "test", "t", block=None)
    return [(c.data["action"], c.data.get("reason", "")) for c in commands]


def test_on_a_call_not_ready_and_logout_are_accepted_and_ready_cancels(
    app: Flask, live: LiveStore
) -> None:
    client, csrf = signed_in_client(app, "agent1007", PASSWORD)
    live.put_agent("1007", state="on_call", call_uuid="c-1", pending="")
    refused = client.post("/api/agents/1007/ready", headers=csrf)  # nothing to cancel
    assert refused.status_code == 409 and "cannot ready while on_call" in refused.json["reason"]
    for action, body in (("not_ready", {"reason": "lunch"}), ("logout", {})):
        response = client.post(f"/api/agents/1007/{action}", json=body, headers=csrf)
        assert response.status_code == 202, response.get_json()
    assert sent(live) == [("not_ready", "lunch"), ("logout", "")]

    live.put_agent("1007", pending="not_ready:lunch")  # as the engine keeps it
    assert client.get("/api/agents/1007").json["pending"] == "not_ready:lunch"
    snapshot = client.get("/api/desktop/1007").json["agent"]
    assert (snapshot["state"], snapshot["pending"]) == ("on_call", "not_ready:lunch")
    assert client.post("/api/agents/1007/ready", headers=csrf).status_code == 202
    assert sent(live) == [("ready", "")]
