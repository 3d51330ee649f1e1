"""'Not ready after this call': not_ready / logout asked while a call is offered or up wait
for the end of the agent's part of the call (after wrap-up when the queue has one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.acd.agents import Agent, AgentState, AgentStateError

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def available() -> Agent:
    return Agent("a1", "1000").login(at(0), ("support",)).ready(at(1))


def on_call() -> Agent:
    return available().reserve(at(2), "call-1").ring(at(2)).answer(at(3))


def test_not_ready_on_a_call_is_remembered_and_the_call_goes_on() -> None:
    agent = on_call().not_ready(at(5), "lunch")
    assert (agent.state, agent.pending, agent.call_uuid) == (
        AgentState.ON_CALL, "not_ready:lunch", "call-1",
    )  # fmt: skip
    assert agent.since == at(3)  # still the same call
    held = agent.hold(at(6)).unhold(at(7))
    assert held.pending == "not_ready:lunch"  # hold does not forget it


def test_without_wrap_up_the_pending_reason_applies_at_call_end() -> None:
    agent = on_call().not_ready(at(5), "lunch").end_call(at(9), wrap_up=False)
    assert (agent.state, agent.reason, agent.pending) == (AgentState.NOT_READY, "lunch", "")
    assert (agent.since, agent.call_uuid, agent.calls_answered) == (at(9), "", 1)
    assert not agent.offerable(at(10))


def test_with_wrap_up_it_applies_when_wrap_up_is_over() -> None:
    wrapping = on_call().not_ready(at(5), "training").end_call(at(9), wrap_up=True, seconds=30)
    assert (wrapping.state, wrapping.pending) == (AgentState.WRAP_UP, "not_ready:training")
    done = wrapping.finish_wrap_up(at(39))
    assert (done.state, done.reason, done.pending, done.call_uuid) == (
        AgentState.NOT_READY, "training", "", "",
    )  # fmt: skip
    plain = on_call().end_call(at(9), wrap_up=True, seconds=30).finish_wrap_up(at(39))
    assert (plain.state, plain.reason) == (AgentState.AVAILABLE, "")


def test_logout_on_a_call_signs_out_at_call_end() -> None:
    agent = on_call().hold(at(4)).logout(at(5))
    assert (agent.state, agent.pending) == (AgentState.ON_HOLD, "logout")
    out = agent.end_call(at(9), wrap_up=False)
    assert (out.state, out.pending, out.call_uuid) == (AgentState.LOGGED_OUT, "", "")
    wrapped = agent.end_call(at(9), wrap_up=True, seconds=5).finish_wrap_up(at(14))
    assert wrapped.state == AgentState.LOGGED_OUT


def test_ready_cancels_what_is_pending() -> None:
    agent = on_call().not_ready(at(5), "lunch").ready(at(6))
    assert (agent.state, agent.pending, agent.since) == (AgentState.ON_CALL, "", at(3))
    assert agent.end_call(at(9), wrap_up=False).state == AgentState.AVAILABLE
    # the latest wish wins
    assert on_call().not_ready(at(5), "lunch").logout(at(6)).pending == "logout"
    assert on_call().logout(at(5)).not_ready(at(6), "break").pending == "not_ready:break"


def test_ready_in_wrap_up_cancels_too_and_not_ready_there_is_at_once() -> None:
    wrapping = on_call().not_ready(at(5), "lunch").end_call(at(9), wrap_up=True, seconds=30)
    early = wrapping.ready(at(12))
    assert (early.state, early.pending) == (AgentState.AVAILABLE, "")
    now = on_call().end_call(at(9), wrap_up=True).not_ready(at(10), "break")
    assert (now.state, now.reason, now.pending) == (AgentState.NOT_READY, "break", "")


@pytest.mark.parametrize("offered", ["reserved", "ringing"])
def test_asked_while_offered_applies_when_the_offer_fails_or_is_withdrawn(offered: str) -> None:
    agent = available().reserve(at(2), "call-1")
    if offered == "ringing":
        agent = agent.ring(at(2))
    asked = agent.not_ready(at(3), "meeting")
    assert (asked.state, asked.pending) == (AgentState(offered), "not_ready:meeting")
    missed = asked.miss(at(4), max_missed=3)
    assert (missed.state, missed.reason, missed.missed_in_a_row) == (
        AgentState.NOT_READY, "meeting", 1,
    )  # fmt: skip
    withdrawn = asked.release(at(4))
    assert (withdrawn.state, withdrawn.reason, withdrawn.call_uuid) == (
        AgentState.NOT_READY, "meeting", "",
    )  # fmt: skip
    assert agent.logout(at(3)).release(at(4)).state == AgentState.LOGGED_OUT
    answered = asked.answer(at(4))
    assert (answered.state, answered.pending) == (AgentState.ON_CALL, "not_ready:meeting")


def test_checks_for_pending_requests() -> None:
    agent = on_call()
    agent.check("not_ready")
    agent.check("logout")
    with pytest.raises(AgentStateError, match="cannot ready while on_call"):
        agent.check("ready")
    agent.not_ready(at(4), "lunch").check("ready")
    with pytest.raises(AgentStateError, match="reason is required"):
        agent.not_ready(at(4), "")
    with pytest.raises(AgentStateError, match="cannot finish wrap up while on_call"):
        agent.finish_wrap_up(at(4))
    with pytest.raises(AgentStateError, match="cannot logout while logged_out"):
        Agent("a2", "1001").logout(at(1))


def test_login_starts_with_nothing_pending() -> None:
    out = on_call().logout(at(4)).end_call(at(5), wrap_up=False)
    assert out.login(at(6), ("support",)).pending == ""
