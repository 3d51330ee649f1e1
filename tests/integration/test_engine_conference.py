"""Three-way conferences end cleanly: the real engine process, the simulator, Redis, SQLite.

Caller, agent 1000 (who consulted) and agent 1001 (consulted) talk in one conference. Each
party leaves first in turn - by hanging up their phone or, for an agent, with the CTI hangup
action - and the test checks what a user sees: which legs are gone, the agents' states, and
the one call row (who hung up, each agent's part with its talk time). The call ends when no
agent is left in it (the caller is hung up) or when the caller leaves (the agents are).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.sim import Switch
from callcenter.sim.session import hangup as sim_hangup
from callcenter.store import models
from callcenter.store.session import session_scope
from tests.support.calls import agent_leg, call_rows, command, eventually, state, wait_state
from tests.support.center import RINGING, Center, event_types
from tests.support.cti import consulting

A, B = "1000", "1001"  # A took the call and consulted B


@pytest.fixture
def center(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> Iterator[Center]:
    with Center(
        tmp_path, db_url, redis_url, redis_prefix, env=RINGING, hotline="shipped", in_process=True
    ) as c:
        yield c


def members(switch: Switch, name: str) -> list[str]:
    out = switch.api.execute("conference", f"{name} list", None)
    return [line for line in out.splitlines() if line and not line.startswith("-ERR")]


def in_conference(center: Center) -> tuple[Switch, object, dict[str, str]]:
    """A three-way conference; the agents' legs by agent."""
    switch, caller = consulting(center)
    legs = {A: agent_leg(switch, A), B: agent_leg(switch, B)}
    command(center, A, "conference")
    name = f"cc-{caller.uuid}"
    eventually(lambda: len(members(switch, name)) == 3, what="three members")
    wait_state(center, A, "on_call")
    assert state(center, B) == "on_call"
    return switch, caller, legs


def phone_hangs_up(switch: Switch, leg: str) -> None:
    """The agent puts the phone down (BYE from the phone)."""
    sim_hangup(switch.channels[leg], "NORMAL_CLEARING", remote=True)


def leaves(center: Center, switch: Switch, agent_id: str, leg: str, how: str) -> None:
    if how == "phone":
        phone_hangs_up(switch, leg)
    else:
        command(center, agent_id, "hangup")
    eventually(lambda: leg not in switch.channels, what=f"agent {agent_id}'s leg gone")


def wrapped_up(center: Center, agent_id: str) -> None:
    eventually(
        lambda: state(center, agent_id) in ("wrap_up", "available"),
        what=f"agent {agent_id} in wrap-up",
    )


def the_record(center: Center) -> tuple[models.Call, list[tuple[str, str, float | None]]]:
    """The one call row and its agent legs as (agent, role, talk seconds)."""
    (record,) = eventually(lambda: call_rows(center.db_url), timeout=20, what="call record")
    with session_scope(center.db_url) as session:
        legs = session.scalars(
            select(models.CallAgentLeg)
            .where(models.CallAgentLeg.call_id == record.id)
            .order_by(models.CallAgentLeg.position)
        ).all()
        parts = [(leg.agent.number, leg.role, leg.talk_seconds) for leg in legs]
        for leg in legs:
            assert leg.ring_seconds is not None and leg.ring_seconds >= 0
    assert record.ring_seconds is not None and record.ring_seconds >= 0
    return record, parts


def assert_both_agents_talked(parts: list[tuple[str, str, float | None]]) -> None:
    assert [(agent, role) for agent, role, _ in parts] == [(A, "queue"), (B, "consult")]
    assert all(talk is not None and talk > 0 for _, _, talk in parts)


def test_caller_leaving_first_hangs_up_both_agents(center: Center) -> None:
    switch, caller, legs = in_conference(center)
    caller.hangup()
    eventually(lambda: not any(leg in switch.channels for leg in legs.values()),
               what="both agents' legs hung up")  # fmt: skip
    wrapped_up(center, A)
    wrapped_up(center, B)
    record, parts = the_record(center)
    assert record.disposition == "answered" and record.hangup_by == "caller"
    assert_both_agents_talked(parts)
    kinds = event_types(center.db_url, record.id)
    assert kinds.count("conference_ended") == 1 and kinds.count("call_ended") == 1
    wait_state(center, A, "available")
    wait_state(center, B, "available")


@pytest.mark.parametrize("how", ["phone", "cti"])
@pytest.mark.parametrize("first", [A, B])
def test_each_agent_leaving_first_leaves_the_other_with_the_caller(
    center: Center, first: str, how: str
) -> None:
    switch, caller, legs = in_conference(center)
    other = B if first == A else A
    leaves(center, switch, first, legs[first], how)
    wrapped_up(center, first)
    # The other agent still talks to the caller; nobody else was hung up.
    assert not caller.ended.is_set() and legs[other] in switch.channels
    assert state(center, other) == "on_call"
    eventually(lambda: len(members(switch, f"cc-{caller.uuid}")) == 2, what="two members")
    # The other agent's hangup acts on their own leg, and the call ends: no agent is left.
    leaves(center, switch, other, legs[other], how)
    eventually(lambda: caller.ended.is_set(), what="caller hung up once no agent is left")
    wrapped_up(center, other)
    record, parts = the_record(center)
    assert record.disposition == "answered" and record.hangup_by == "agent"
    assert_both_agents_talked(parts)
    kinds = event_types(center.db_url, record.id)
    assert kinds.count("conference_left") == 2 and kinds.count("call_ended") == 1


def test_hold_in_a_conference_is_refused_with_the_reason(center: Center) -> None:
    from callcenter.live.names import agent_channel

    switch, caller, legs = in_conference(center)
    subscription = center.live.subscribe(agent_channel(B))
    try:
        command(center, B, "hold")
        errors: list[str] = []

        def refused() -> bool:
            message = subscription.get(timeout=0.2)
            if message is not None and isinstance(message.data, dict):
                if message.data.get("action") == "hold" and "error" in message.data:
                    errors.append(message.data["error"])
            return bool(errors)

        eventually(refused, what="hold refused")
    finally:
        subscription.close()
    assert "conference" in errors[0]
    assert state(center, B) == "on_call" and legs[A] in switch.channels
    caller.hangup()
    eventually(lambda: not any(leg in switch.channels for leg in legs.values()),
               what="agents hung up")  # fmt: skip
