"""CTI REST API: agent actions checked against live state and sent to the engine's stream."""

from __future__ import annotations

from flask import Flask

from callcenter.agent_actions import ACTIONS
from callcenter.live.store import LiveStore
from tests.support.console_api import app, live, sent_commands, signed_in  # noqa: F401


def test_agent_signs_in_and_goes_ready(app: Flask, live: LiveStore) -> None:
    client, csrf = signed_in(app, "agent1007")
    response = client.post("/api/agents/1007/login", headers=csrf)
    assert response.status_code == 202 and response.get_json()["accepted"] is True
    live.put_agent("1007", state="not_ready", reason="login")
    assert client.post("/api/agents/1007/ready", headers=csrf).status_code == 202
    commands = sent_commands(live)
    assert [(c["agent_id"], c["action"], c["by"]) for c in commands] == [
        ("1007", "login", "agent1007"),
        ("1007", "ready", "agent1007"),
    ]
    state = client.get("/api/agents/1007").get_json()
    assert state["state"] == "not_ready" and state["reason"] == "login"


def test_refusals_have_status_and_reason(app: Flask, live: LiveStore) -> None:
    client, csrf = signed_in(app, "agent1007")
    live.put_agent("1007", state="available")
    cases = [
        ("/api/agents/1007/hold", {}, 409, "cannot hold while available"),
        ("/api/agents/1007/login", {}, 409, "cannot login while available"),
        ("/api/agents/1007/not_ready", {}, 400, "needs a reason"),
        ("/api/agents/1007/not_ready", {"reason": 5}, 400, "reason must be a string"),
        ("/api/agents/1008/ready", {}, 403, "only act for themselves"),
        ("/api/agents/9999/ready", {}, 404, "no agent '9999'"),
        ("/api/agents/1007/dance", {}, 404, "unknown action 'dance'"),
    ]
    for path, body, status, reason in cases:
        response = client.post(path, json=body, headers=csrf)
        assert response.status_code == status, (path, response.get_json())
        assert reason in response.get_json()["reason"], (path, response.get_json())
    response = client.post(
        "/api/agents/1007/ready", data="[1,2", headers={**csrf, "Content-Type": "application/json"}
    )
    assert response.status_code == 400 and "JSON object" in response.get_json()["reason"]
    assert sent_commands(live) == []
    assert client.get("/api/agents/1008").status_code == 403


def test_supervisor_may_act_for_any_agent_and_csrf_is_required(app: Flask, live: LiveStore) -> None:
    client, csrf = signed_in(app, "sup")
    live.put_agent("1008", state="available")
    refused = client.post("/api/agents/1008/not_ready", json={"reason": "meeting"})
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["reason"]
    response = client.post("/api/agents/1008/not_ready", json={"reason": "meeting"}, headers=csrf)
    assert response.status_code == 202
    assert sent_commands(live) == [
        {"agent_id": "1008", "action": "not_ready", "reason": "meeting", "by": "sup"}
    ]


def test_api_needs_a_login(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/api/agents/1007")
    assert response.status_code == 401 and response.get_json()["reason"] == "sign in first"


def test_the_api_accepts_exactly_the_actions_the_engine_carries_out(
    app: Flask, live: LiveStore
) -> None:
    # the engine's side: tests/unit/test_engine_wiring.py (one handler per action of ACTIONS)
    client, csrf = signed_in(app, "sup")
    live.put_agent("1007", state="available")
    for action in ACTIONS:
        response = client.post(f"/api/agents/1007/{action}", json={}, headers=csrf)
        assert response.status_code != 404, (action, response.get_json())
    unknown = client.post("/api/agents/1007/fly", json={}, headers=csrf)
    assert unknown.status_code == 404
    assert unknown.get_json()["reason"].endswith("use one of: " + ", ".join(ACTIONS))
