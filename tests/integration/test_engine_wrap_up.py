"""Wrap-up deadline and extend, and the delay after a missed offer, on the real engine.

The engine runs as a child process against the simulator, a real redis-server and a real
SQLite file; the agent desktop's REST call goes through the Flask console to the same Redis.
Ordering is checked on the agent's own channel (the messages the desktop gets), not timings.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from callcenter.config import load_settings
from callcenter.live.messages import Subscription
from callcenter.live.names import AGENT_COMMANDS, agent_channel
from callcenter.live.store import LiveStore
from callcenter.sim import Switch
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.calls import eventually, sign_in
from tests.support.center import Center
from tests.support.console import signed_in_client

WRAP_UP = 4  # seconds of wrap-up in the support queue
BUSY_DELAY = 4  # seconds a busy agent is skipped
USER_PASSWORD = "wrap-pass-123"
PLAIN_FLOW = """
name: plain
description: support queue only
start: line
nodes:
  line:
    type: queue
    queue: support
"""


@pytest.fixture
def center(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> Iterator[Center]:
    with Center(
        tmp_path,
        db_url,
        redis_url,
        redis_prefix,
        queue_rules={"wrap_up_seconds": WRAP_UP},
        flows={"plain": PLAIN_FLOW},
        numbers={"5000": "plain"},
        default_flow="plain",
        env={"ROUTING__RING_TIMEOUT": "4", "ROUTING__BUSY_DELAY_SECONDS": str(BUSY_DELAY)},
        start=False,
        in_process=True,
    ) as built:
        with session_scope(db_url) as session:
            user = create_user(session, "agent1000", USER_PASSWORD, "agent", language="en")
            agent = session.scalar(select(models.Agent).where(models.Agent.number == "1000"))
            agent.user = user
        built.start_engine()
        yield built


@pytest.fixture
def console(center: Center) -> Flask:
    """The console app on the center's SQLite and Redis."""
    settings = load_settings(
        database={"url": center.db_url}, redis={"url": center.redis_url, "prefix": center.prefix}
    )
    return create_app(settings, TESTING=True)


class Desktop:
    """What the agent's desktop receives on its own channel, kept in order."""

    def __init__(self, live: LiveStore, agent_id: str) -> None:
        self.subscription: Subscription = live.subscribe(agent_channel(agent_id))
        self.seen: list[dict] = []

    def until(self, check, what: str, timeout: float = 30.0) -> dict:  # noqa: ANN001
        """Read messages until one passes ``check``; returns it."""

        def step() -> dict | None:
            message = self.subscription.get(timeout=0.01)
            if message is None:
                return None
            self.seen.append(message.data)
            return message.data if check(message.data) else None

        return eventually(step, timeout, what=what)  # type: ignore[return-value]

    def agent_states(self) -> list[dict]:
        """The agent snapshots seen so far."""
        return [m["agent"] for m in self.seen if "agent" in m]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_wrap_up_deadline_is_published_and_extend_moves_it(center: Center, console: Flask) -> None:
    switch: Switch = center.switch
    live: LiveStore = center.live
    switch.add_softphone("1000", answer_after=0.5, hangup_after=2.0)
    sign_in(center, "1000")
    desktop = Desktop(live, "1000")
    switch.place_call("13800138000", "5000", [], hangup_after=40.0)
    wrapping = desktop.until(
        lambda m: m.get("agent", {}).get("state") == "wrap_up", what="agent in wrap-up"
    )["agent"]
    deadline = at(wrapping["wrap_up_until"])
    assert deadline == at(wrapping["since"]) + timedelta(seconds=WRAP_UP)
    assert live.get_agent("1000")["wrap_up_until"] == wrapping["wrap_up_until"]

    client, csrf = signed_in_client(console, "agent1000", USER_PASSWORD)
    response = client.post("/api/agents/1000/extend_wrap_up", json={"seconds": 5}, headers=csrf)
    assert response.status_code == 202, response.get_json()
    done = desktop.until(lambda m: "done" in m or "error" in m, what="engine answers the extend")
    assert done["done"] == "extend_wrap_up" and done["seconds"] == 5
    extended = at(done["wrap_up_until"])
    assert extended >= deadline + timedelta(seconds=5)
    moved = [a for a in desktop.agent_states() if a.get("wrap_up_until") == done["wrap_up_until"]]
    assert moved and moved[-1]["state"] == "wrap_up"
    assert moved[-1]["since"] == wrapping["since"]  # still the same wrap-up

    available = desktop.until(
        lambda m: m.get("agent", {}).get("state") == "available", what="agent available again"
    )["agent"]
    # Ready only once the extended deadline passed, not at the queue's original one.
    assert at(available["since"]) >= extended
    assert available["wrap_up_until"] == "" and live.get_agent("1000")["wrap_up_until"] == ""
    states = [a["state"] for a in desktop.agent_states()]
    assert states[states.index("wrap_up") :] == ["wrap_up", "wrap_up", "available"]

    # Out of wrap-up the engine refuses the action and says why.
    live.send_command(
        AGENT_COMMANDS, {"agent_id": "1000", "action": "extend_wrap_up", "seconds": "5"}
    )
    refused = desktop.until(lambda m: "error" in m, what="extend refused")
    assert refused["action"] == "extend_wrap_up"
    assert "cannot extend wrap up while available" in refused["error"]
    desktop.subscription.close()


def test_busy_agent_is_not_offered_the_next_caller_before_the_busy_delay(center: Center) -> None:
    switch: Switch = center.switch
    live: LiveStore = center.live
    busy = switch.add_softphone("1000", mode="busy", answer_after=0.5)
    switch.add_softphone("1001", answer_after=0.5, hangup_after=60.0)
    sign_in(center, "1000")
    sign_in(center, "1001")  # 1000 has been idle longer: it is offered first
    desktop = Desktop(live, "1000")
    first = switch.place_call("13800000001", "5000", [], hangup_after=60.0)
    # 1000's phone is busy: the miss leaves them available but skipped until the delay ends
    missed = desktop.until(
        lambda m: m.get("agent", {}).get("available_after"), what="1000 missed the offer"
    )["agent"]
    assert missed["state"] == "available"
    skip_until = at(missed["available_after"])
    assert skip_until == at(missed["since"]) + timedelta(seconds=BUSY_DELAY)
    eventually(lambda: live.get_agent("1001").get("call_uuid") == first.uuid, what="1001 takes it")

    busy.mode = "answer"  # the agent's phone is free again; the delay still holds
    second = switch.place_call("13800000002", "5000", [], hangup_after=60.0)
    eventually(lambda: live.get_call(second.uuid).get("state") == "queued", what="second waits")
    enqueued = at(live.get_call(second.uuid)["enqueued_at"])
    assert enqueued < skip_until  # it waited while 1000 showed available

    # (the desktop hears "ringing": "reserved" is written to Redis by the claim, not sent)
    offered = desktop.until(
        lambda m: m.get("agent", {}).get("state") == "ringing", what="second offered to 1000"
    )["agent"]
    assert offered["call_uuid"] == second.uuid
    assert at(offered["since"]) >= skip_until  # not before the busy delay ended
    # between the miss and this offer 1000 was never offered anything
    states = [a["state"] for a in desktop.agent_states()]
    after_miss = states[states.index("available") :]
    assert after_miss == ["available", "ringing"]
    desktop.until(
        lambda m: m.get("agent", {}).get("state") == "on_call", what="1000 answers the second"
    )
    desktop.subscription.close()
