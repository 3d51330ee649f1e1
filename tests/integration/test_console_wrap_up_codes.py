"""Wrap-up panel: the queue's disposition codes and notes, saved per agent and call; with a
required code the agent cannot finish wrap-up (ready) before saving one."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from callcenter.config import load_settings
from callcenter.live.names import AGENT_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.console import signed_in_client

PASSWORD = "wrap-pass-123"
CODES = ["sold", "no interest", "call back"]


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    with session_scope(db_url) as session:
        sales = models.Queue(
            name="sales", wrap_up_seconds=60, wrap_up_codes="sold\n no interest\n\ncall back\n",
            wrap_up_code_required=True,
        )  # fmt: skip
        support = models.Queue(name="support", wrap_up_seconds=60, wrap_up_codes="solved")
        for number, queue in (("1007", sales), ("1008", support)):
            user = create_user(session, f"agent{number}", PASSWORD, "agent")
            agent = models.Agent(number=number, sip_user=number, user=user, display_name=number)
            session.add_all([queue, agent, models.AgentQueue(agent=agent, queue=queue)])
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    return create_app(settings, TESTING=True)


@pytest.fixture
def live(redis_url: str, redis_prefix: str) -> LiveStore:
    store = LiveStore(redis_url, redis_prefix)
    store.ensure_group(AGENT_COMMANDS, "test")
    return store


def wrapping(live: LiveStore, agent_id: str, call_uuid: str) -> None:
    live.put_agent(
        agent_id, state="wrap_up", call_uuid=call_uuid, since="2026-12-06T10:00:00+00:00",
        wrap_up_until="2099-01-01T00:00:00+00:00",
    )  # fmt: skip


def test_required_code_must_be_saved_before_ready(app: Flask, live: LiveStore, db_url: str) -> None:
    client, csrf = signed_in_client(app, "agent1007", PASSWORD)
    wrapping(live, "1007", "c-1")
    panel = client.get("/api/desktop/1007").json["wrap_up"]
    assert (panel["codes"], panel["required"], panel["saved"]) == (CODES, True, None)

    refused = client.post("/api/agents/1007/ready", headers=csrf)
    assert refused.status_code == 409
    assert "save a wrap-up code first" in refused.json["reason"]
    bad = client.post("/api/desktop/1007/wrap_up", json={"code": "maybe"}, headers=csrf)
    assert bad.status_code == 400 and "code must be one of: sold" in bad.json["reason"]
    control = client.post(
        "/api/desktop/1007/wrap_up", json={"code": "sold", "notes": "a\u0007"}, headers=csrf
    )
    assert control.status_code == 400 and "control characters" in control.json["reason"]
    assert live.read_commands(AGENT_COMMANDS, "test", "t", block=None) == []

    body = {"code": "sold", "notes": "two routers\nship Monday"}
    saved = client.post("/api/desktop/1007/wrap_up", json=body, headers=csrf)
    assert saved.status_code == 200 and saved.json["code"] == "sold"
    again = client.post("/api/desktop/1007/wrap_up", json={"code": "call back"}, headers=csrf)
    assert again.status_code == 200  # a second save replaces the first
    with session_scope(db_url) as session:
        rows = session.scalars(select(models.CallWrapUp)).all()
        assert [(r.call_uuid, r.code, r.notes) for r in rows] == [("c-1", "call back", None)]
    panel = client.get("/api/desktop/1007").json["wrap_up"]
    assert panel["saved"] == {"code": "call back", "notes": ""}
    assert client.post("/api/agents/1007/ready", headers=csrf).status_code == 202
    (command,) = live.read_commands(AGENT_COMMANDS, "test", "t", block=None)
    assert command.data["action"] == "ready"


def test_optional_codes_and_who_may_save(app: Flask, live: LiveStore) -> None:
    client, csrf = signed_in_client(app, "agent1008", PASSWORD)
    wrapping(live, "1008", "c-2")
    panel = client.get("/api/desktop/1008").json["wrap_up"]
    assert (panel["codes"], panel["required"]) == (["solved"], False)
    assert client.post("/api/agents/1008/ready", headers=csrf).status_code == 202  # no code
    other = client.post("/api/desktop/1007/wrap_up", json={"code": "sold"}, headers=csrf)
    assert other.status_code == 403
    live.put_agent("1008", state="available", call_uuid="")
    idle = client.post("/api/desktop/1008/wrap_up", json={"code": "solved"}, headers=csrf)
    assert idle.status_code == 409 and "no call to wrap up" in idle.json["reason"]
