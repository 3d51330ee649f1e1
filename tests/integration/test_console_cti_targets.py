"""#14 item 9: transfer / consult targets are checked at the API by the engine's own rule."""

from __future__ import annotations

import pytest
from flask import Flask

from callcenter.agent_actions import ActionError, AgentCommand
from callcenter.live.names import AGENT_COMMANDS
from callcenter.live.store import LiveStore
from tests.support.console_api import app, live, sent_commands, signed_in  # noqa: F401

BAD_NAMES = [
    "1008\nbgapi originate user/1009 &park",
    "1008\r\n",
    "${system(id)}",
    "sales&park",
    "sales|grep",
    "o'brien",
    "sales team",
    " 1008",
    "1008\t",
    "10\x0008",
    "10\x1b[2J08",
    "",
    "x" * 65,
]
BAD_NUMBERS = ["1390\n", "1390\nbgapi", "${caller_id_number}", "139&0", "139|0", "1'39", "\t1390"]
CASES = [
    (action, kind, value)
    for action, kinds in (("transfer", ("agent", "queue")), ("consult", ("agent",)))
    for kind in kinds
    for value in BAD_NAMES
] + [(action, "number", value) for action in ("transfer", "consult") for value in BAD_NUMBERS]


@pytest.mark.parametrize(("action", "kind", "value"), CASES)
def test_a_bad_target_is_refused_at_the_api_and_never_reaches_the_stream(
    app: Flask,  # noqa: F811
    live: LiveStore,  # noqa: F811
    action: str,
    kind: str,
    value: str,
) -> None:
    client, csrf = signed_in(app, "agent1007")
    live.put_agent("1007", state="on_call")
    before = live.stream_length(AGENT_COMMANDS)
    response = client.post(f"/api/agents/1007/{action}", json={kind: value}, headers=csrf)
    assert response.status_code == 400, (value, response.get_json())
    reason = response.get_json()["reason"]
    assert kind in reason or "target" in reason, reason
    assert live.stream_length(AGENT_COMMANDS) == before
    with pytest.raises(ActionError):  # the engine reading such a command refuses it the same way
        AgentCommand.from_message({"agent_id": "1", "action": action, "target": kind, "to": value})


def test_good_targets_are_accepted(app: Flask, live: LiveStore) -> None:  # noqa: F811
    client, csrf = signed_in(app, "agent1007")
    live.put_agent("1007", state="on_call")
    for action, body in [
        ("transfer", {"agent": "1008"}),
        ("transfer", {"queue": "vip-support.en"}),
        ("transfer", {"number": "+49 30-123"}),
        ("consult", {"agent": "agent_1008@default"}),
        ("consult", {"number": "*86#"}),
    ]:
        response = client.post(f"/api/agents/1007/{action}", json=body, headers=csrf)
        assert response.status_code == 202, (body, response.get_json())
    assert [c["to"] for c in sent_commands(live)] == [
        "1008", "vip-support.en", "+4930123", "agent_1008@default", "*86#",
    ]  # fmt: skip


def test_control_characters_in_a_reason_or_ticket_are_refused_on_both_dial_routes(
    app: Flask,  # noqa: F811
    live: LiveStore,  # noqa: F811
) -> None:
    client, csrf = signed_in(app, "agent1007")
    live.put_agent("1007", state="not_ready", reason="break")
    before = live.stream_length(AGENT_COMMANDS)
    cases = [
        ("/api/agents/1007/dial", {"number": "1390", "ticket": "T-1\nx"}, "ticket"),
        ("/api/desktop/1007/dial", {"number": "1390", "ticket": "T-1\x1b"}, "ticket"),
        ("/api/agents/1007/not_ready", {"reason": "lunch\r\nx"}, "reason"),
    ]
    for path, body, field in cases:
        response = client.post(path, json=body, headers=csrf)
        assert response.status_code == 400, (path, response.get_json())
        assert field in response.get_json()["reason"]
    assert live.stream_length(AGENT_COMMANDS) == before
    ok = client.post(
        "/api/desktop/1007/dial", json={"number": "1390", "ticket": "T-1"}, headers=csrf
    )
    assert ok.status_code == 202, ok.get_json()
