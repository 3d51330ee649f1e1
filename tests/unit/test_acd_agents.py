"""Agent state machine and routing as pure functions with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.acd.agents import Agent, AgentState, AgentStateError, MissDelays, miss_kind
from callcenter.acd.routing import (
    WaitingCall,
    anyone_logged_in,
    longest_idle_agent,
    next_caller,
    position,
)

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ready_agent(agent_id: str, ready_at: float, queues=("support",)) -> Agent:
    return Agent(agent_id, agent_id).login(at(0), queues).ready(at(ready_at))


def test_login_starts_not_ready_then_ready() -> None:
    agent = Agent("a1", "1000").login(at(0), ("sales",))
    assert (agent.state, agent.reason) == (AgentState.NOT_READY, "login")
    assert agent.ready(at(1)).state == AgentState.AVAILABLE


def test_full_call_cycle_with_wrap_up() -> None:
    agent = ready_agent("a1", 1).reserve(at(2), "call-1").ring(at(2))
    agent = agent.answer(at(5)).hold(at(6)).unhold(at(8)).end_call(at(20), wrap_up=True)
    assert agent.state == AgentState.WRAP_UP and agent.calls_answered == 1
    assert agent.ready(at(30)).state == AgentState.AVAILABLE


def test_refused_actions_say_why() -> None:
    agent = ready_agent("a1", 1).reserve(at(2), "call-1").ring(at(2)).answer(at(3))
    with pytest.raises(AgentStateError, match="cannot ready while on_call"):
        agent.ready(at(4))  # nothing pending to cancel
    with pytest.raises(AgentStateError, match="reason is required"):
        ready_agent("a2", 1).not_ready(at(2), "")


def test_consecutive_misses_put_agent_not_ready() -> None:
    agent = ready_agent("a1", 1)
    for attempt in range(2):
        agent = agent.reserve(at(2 + attempt), f"c{attempt}").ring(at(2 + attempt))
        agent = agent.miss(at(3 + attempt), max_missed=3)
        assert agent.state == AgentState.AVAILABLE
    agent = agent.reserve(at(9), "c3").ring(at(9)).miss(at(10), max_missed=3)
    assert (agent.state, agent.reason) == (AgentState.NOT_READY, "missed")


def test_unregistered_phone_goes_not_ready_at_once() -> None:
    agent = ready_agent("a1", 1).reserve(at(2), "c").miss(at(2), 3, "USER_NOT_REGISTERED")
    assert (agent.state, agent.reason) == (AgentState.NOT_READY, "unregistered")


def test_answer_resets_missed_count() -> None:
    agent = ready_agent("a1", 1).reserve(at(2), "c").ring(at(2)).miss(at(3), 3)
    agent = agent.reserve(at(4), "d").ring(at(4)).answer(at(5))
    assert agent.missed_in_a_row == 0


def test_longest_idle_agent_of_the_queue_is_picked() -> None:
    agents = [ready_agent("a1", 30), ready_agent("a2", 10), ready_agent("a3", 5, ("sales",))]
    assert longest_idle_agent(agents, "support", at(60)).agent_id == "a2"
    assert longest_idle_agent(agents, "billing", at(60)) is None
    busy = [agents[1].reserve(at(40), "c"), agents[0]]
    assert longest_idle_agent(busy, "support", at(60)).agent_id == "a1"


def test_priority_then_arrival_order_and_positions() -> None:
    waiting = [
        WaitingCall("c1", "support", "111", at(1)),
        WaitingCall("c2", "support", "222", at(2)),
        WaitingCall("vip", "support", "333", at(3), priority=5),
        WaitingCall("s1", "sales", "444", at(0)),
    ]
    assert next_caller(waiting, "support").call_uuid == "vip"
    assert [position(waiting, c) for c in ("vip", "c1", "c2", "s1")] == [1, 2, 3, 1]
    assert position(waiting, "gone") is None
    assert next_caller(waiting, "nobody") is None


def test_anyone_logged_in() -> None:
    agents = [Agent("a1", "1000"), Agent("a2", "1001").login(at(0), ("sales",))]
    assert anyone_logged_in(agents, "sales") and not anyone_logged_in(agents, "support")


def test_withdrawn_offer_is_not_a_miss() -> None:
    agent = ready_agent("a1", 1).reserve(at(2), "c").ring(at(2)).release(at(3))
    assert (agent.state, agent.missed_in_a_row, agent.call_uuid) == (AgentState.AVAILABLE, 0, "")


def test_check_says_why_an_action_is_refused() -> None:
    agent = ready_agent("a1", 1)
    agent.check("not_ready")
    with pytest.raises(AgentStateError, match="cannot hold while available"):
        agent.check("hold")
    with pytest.raises(AgentStateError, match="unknown agent action 'dance'"):
        agent.check("dance")


def on_call(agent_id: str = "a1") -> Agent:
    return ready_agent(agent_id, 1).reserve(at(2), "c").ring(at(2)).answer(at(3))


def test_wrap_up_has_a_deadline_that_extend_moves() -> None:
    agent = on_call().end_call(at(10), wrap_up=True, seconds=20)
    assert agent.state == AgentState.WRAP_UP and agent.wrap_up_until == at(30)
    extended = agent.extend_wrap_up(at(15), 30)
    assert extended.wrap_up_until == at(60)
    assert (extended.state, extended.since) == (AgentState.WRAP_UP, at(10))  # same state
    # past the deadline already: the extra time counts from now
    assert agent.extend_wrap_up(at(40), 5).wrap_up_until == at(45)
    assert extended.ready(at(61)).wrap_up_until is None  # any other transition clears it
    assert on_call().end_call(at(10), wrap_up=False, seconds=20).wrap_up_until is None


def test_extend_wrap_up_is_refused_outside_wrap_up_or_with_bad_seconds() -> None:
    with pytest.raises(AgentStateError, match="cannot extend wrap up while on_call"):
        on_call().extend_wrap_up(at(5), 30)
    with pytest.raises(AgentStateError, match="cannot extend wrap up while available"):
        ready_agent("a2", 1).check("extend_wrap_up")
    wrapping = on_call().end_call(at(10), wrap_up=True, seconds=20)
    wrapping.check("extend_wrap_up")
    for bad in (0, 601, -5):
        with pytest.raises(AgentStateError, match="1 to 600 seconds"):
            wrapping.extend_wrap_up(at(11), bad)
    with pytest.raises(AgentStateError, match="whole seconds"):
        wrapping.extend_wrap_up(at(11), 2.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cause", "kind"),
    [
        ("CALL_REJECTED", "reject"),
        ("USER_BUSY", "busy"),
        ("USER_NOT_REGISTERED", "unregistered"),
        ("SUBSCRIBER_ABSENT", "unregistered"),
        ("NO_ANSWER", "no_answer"),
        ("NO_USER_RESPONSE", "no_answer"),
    ],
)
def test_each_miss_cause_has_its_own_delay(cause: str, kind: str) -> None:
    delays = MissDelays(reject=10, busy=60, unregistered=30, no_answer=5)
    assert miss_kind(cause) == kind
    assert delays.for_cause(cause) == {"reject": 10, "busy": 60, "unregistered": 30,
                                       "no_answer": 5}[kind]  # fmt: skip


def test_miss_with_a_delay_keeps_the_state_but_the_agent_is_not_offerable() -> None:
    agent = ready_agent("a1", 1).reserve(at(2), "c").ring(at(2)).miss(at(3), 3, "USER_BUSY", 60)
    assert agent.state == AgentState.AVAILABLE and agent.available_after == at(63)
    assert not agent.offerable(at(62)) and agent.offerable(at(63))
    # a delay survives going not ready and ready again, and ends with an answered call
    again = agent.not_ready(at(4), "break").ready(at(5))
    assert not again.offerable(at(6))
    answered = again.dial(at(7), "out").ring(at(7)).answer(at(8))
    assert answered.available_after is None
    no_delay = ready_agent("a2", 1).reserve(at(2), "c").miss(at(3), 3, "NO_ANSWER")
    assert no_delay.available_after is None and no_delay.offerable(at(3))
    unregistered = (
        ready_agent("a3", 1).reserve(at(2), "c").miss(at(2), 3, "USER_NOT_REGISTERED", 30)
    )
    assert (unregistered.state, unregistered.reason) == (AgentState.NOT_READY, "unregistered")
    assert unregistered.available_after == at(32)
