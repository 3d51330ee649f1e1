"""CTI REST API: dial, transfer, consult, conference and DTMF checked and sent to the engine."""

from __future__ import annotations

from flask import Flask

from callcenter.live.store import LiveStore
from tests.support.console_api import app, live, sent_commands, signed_in  # noqa: F401


def test_cti_actions_are_sent_with_their_fields(app: Flask, live: LiveStore) -> None:  # noqa: F811
    client, csrf = signed_in(app, "agent1007")
    live.put_agent("1007", state="not_ready", reason="break")
    response = client.post(
        "/api/agents/1007/dial", json={"number": "139 0013-9000", "ticket": "T-9"}, headers=csrf
    )
    assert response.status_code == 202, response.get_json()
    live.put_agent("1007", state="on_call")
    posts = [
        ("transfer", {"agent": "1008"}),
        ("transfer", {"queue": "sales"}),
        ("transfer", {"number": "+4930123"}),
        ("consult", {"agent": "1008"}),
        ("dtmf", {"digits": "12#"}),
    ]
    for action, body in posts:
        assert client.post(f"/api/agents/1007/{action}", json=body, headers=csrf).status_code == 202
    live.put_agent("1007", state="on_hold")
    for action in ("consult_complete", "consult_cancel", "conference"):
        assert client.post(f"/api/agents/1007/{action}", json={}, headers=csrf).status_code == 202
    sent = [{k: v for k, v in c.items() if k not in ("by", "reason", "agent_id")}
            for c in sent_commands(live)]  # fmt: skip
    assert sent == [
        {"action": "dial", "number": "13900139000", "ticket": "T-9"},
        {"action": "transfer", "target": "agent", "to": "1008"},
        {"action": "transfer", "target": "queue", "to": "sales"},
        {"action": "transfer", "target": "number", "to": "+4930123"},
        {"action": "consult", "target": "agent", "to": "1008"},
        {"action": "dtmf", "digits": "12#"},
        {"action": "consult_complete"},
        {"action": "consult_cancel"},
        {"action": "conference"},
    ]


def test_cti_refusals_say_why(app: Flask, live: LiveStore) -> None:  # noqa: F811
    client, csrf = signed_in(app, "agent1007")
    live.put_agent("1007", state="available")
    cases = [
        ("transfer", {"agent": "1008"}, 409, "cannot transfer while available"),
        ("consult", {"agent": "1008"}, 409, "cannot consult while available"),
        ("conference", {}, 409, "cannot conference while available"),
        ("dtmf", {"digits": "1"}, 409, "cannot dtmf while available"),
        ("dial", {"number": "12ab"}, 400, "dial needs a number"),
        ("dial", {}, 400, "dial needs a number"),
        ("transfer", {}, 400, "exactly one target"),
        ("transfer", {"agent": "1008", "queue": "sales"}, 400, "exactly one target"),
        ("consult", {"queue": "sales"}, 400, "exactly one target"),
        ("transfer", {"number": "0800 CALL"}, 400, "1-32 digits"),
        ("dtmf", {"digits": "12x"}, 400, "dtmf needs digits"),
    ]
    for action, body, status, reason in cases:
        response = client.post(f"/api/agents/1007/{action}", json=body, headers=csrf)
        assert response.status_code == status, (action, body, response.get_json())
        assert reason in response.get_json()["reason"], (action, response.get_json())
    live.put_agent("1007", state="on_call")
    refused = client.post("/api/agents/1007/consult_complete", json={}, headers=csrf)
    assert refused.status_code == 409 and "while on_call" in refused.get_json()["reason"]
    live.put_agent("1007", state="on_call")
    assert sent_commands(live) == []
