"""'Not ready after this call' on the real engine: the agent asks for not_ready (or sign-out)
while talking; the call goes on, and when it ends - the queue has no wrap-up - the agent is
not ready with that reason and the caller waiting behind is not offered to them.

The engine runs as a child process against the simulator, a real redis-server and SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from callcenter.live.names import agent_channel
from callcenter.sim import Switch, press, wait
from tests.support.calls import command, eventually, sign_in, wait_state
from tests.support.center import Center


@pytest.fixture
def center(
    request: pytest.FixtureRequest, tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> Iterator[Center]:
    # one agent; a queue without wrap-up: without the pending state the next caller rings at once
    with Center(
        tmp_path, db_url, redis_url, redis_prefix, request=request, agents=("1000",),
        queue_rules={"wrap_up_seconds": 0},
    ) as built:  # fmt: skip
        yield built


def queued_call(center: Center, caller_number: str) -> str:
    """The uuid of ``caller_number``'s call while it waits in a queue ("" if it does not)."""
    for uuid, fields in center.live.all("call").items():
        if fields.get("caller_number") == caller_number and fields.get("state") == "queued":
            return uuid
    return ""


def test_not_ready_asked_on_a_call_takes_effect_when_it_ends(center: Center) -> None:
    switch: Switch = center.switch
    live = center.live
    switch.add_softphone("1000", answer_after=0.5)
    sign_in(center, "1000")
    first = switch.place_call("13800000001", "5000", [wait(1.0), press("2")])
    wait_state(center, "1000", "on_call")
    first_uuid = live.get_agent("1000")["call_uuid"]
    desktop = live.subscribe(agent_channel("1000"))  # what the agent's desktop hears

    command(center, "1000", "not_ready", reason="lunch")
    eventually(
        lambda: live.get_agent("1000").get("pending") == "not_ready:lunch",
        what="the request remembered in the live agent hash",
    )
    agent = live.get_agent("1000")
    assert (agent["state"], agent["call_uuid"]) == ("on_call", first_uuid)  # the call goes on

    second = switch.place_call("13800000002", "5000", [wait(1.0), press("2")])
    waiting = eventually(lambda: queued_call(center, "13800000002"), what="second caller queued")
    first.hangup()
    eventually(lambda: first.ended.is_set(), what="first call ended")
    wait_state(center, "1000", "not_ready")
    agent = live.get_agent("1000")
    assert (agent["reason"], agent["pending"], agent["call_uuid"]) == ("lunch", "", "")

    # The agent's channel: the pending request, then straight from the call to not_ready -
    # never offered the waiting caller in between.
    seen: list[dict] = []

    def heard_not_ready() -> bool:
        message = desktop.get(timeout=0.01)
        if message is not None and "agent" in message.data:
            seen.append(message.data["agent"])
        return any(a["state"] == "not_ready" for a in seen)

    eventually(heard_not_ready, what="not_ready on the agent's channel")
    desktop.close()
    states = [(a["state"], a.get("pending", "")) for a in seen]
    assert ("on_call", "not_ready:lunch") in states
    after_call = states[states.index(("on_call", "not_ready:lunch")) :]
    assert [s for s, _ in after_call if s != "on_call"] == ["not_ready"]
    assert live.get_call(waiting).get("state") == "queued"  # still waiting for an agent

    # Ready again: now the waiting caller is offered to the agent.
    command(center, "1000", "ready")
    eventually(
        lambda: live.get_agent("1000").get("call_uuid") == waiting,
        what="the waiting caller offered once the agent is ready",
    )
    second.hangup()


def test_ready_cancels_and_logout_waits_for_the_call_end(center: Center) -> None:
    switch: Switch = center.switch
    live = center.live
    switch.add_softphone("1000", answer_after=0.5)
    sign_in(center, "1000")
    first = switch.place_call("13800000003", "5000", [wait(1.0), press("2")])
    wait_state(center, "1000", "on_call")
    command(center, "1000", "not_ready", reason="break")
    eventually(lambda: live.get_agent("1000").get("pending") == "not_ready:break", what="pending")
    command(center, "1000", "ready")  # changed their mind
    eventually(lambda: live.get_agent("1000").get("pending") == "", what="pending cancelled")
    command(center, "1000", "logout")
    eventually(lambda: live.get_agent("1000").get("pending") == "logout", what="logout pending")
    assert live.get_agent("1000")["state"] == "on_call"
    first.hangup()
    wait_state(center, "1000", "logged_out")
