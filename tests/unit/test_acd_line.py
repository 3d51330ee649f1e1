"""WaitingLine keeps callers in routing order: same answers as sorting every time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.acd.agents import Agent
from callcenter.acd.line import WaitingLine
from callcenter.acd.routing import WaitingCall, next_caller, position
from callcenter.acd.strategies import QueueConfig, choose_for_queue

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def waiting(uuid: str, seconds: float, priority: int = 0, queue: str = "q") -> WaitingCall:
    return WaitingCall(uuid, queue, "+100", T0 + timedelta(seconds=seconds), priority)


def test_order_head_position_and_leave() -> None:
    line = WaitingLine([waiting("a", 5), waiting("b", 1), waiting("vip", 9, priority=2)])
    line.join(waiting("other", 0, queue="r"))
    assert [c.call_uuid for c in line.calls("q")] == ["vip", "b", "a"]
    assert line.head("q").call_uuid == "vip" and line.position("a") == 3
    assert line.leave("vip").call_uuid == "vip" and line.leave("vip") is None
    assert line.position("a") == 2 and line.position("nobody") is None
    assert (len(line), line.size("q"), sorted(line.queues())) == (3, 2, ["q", "r"])
    line.join(waiting("a", 0))  # re-joined with an earlier place: replaced, not doubled
    assert [c.call_uuid for c in line.calls("q")] == ["a", "b"] and "a" in line


def test_choose_for_queue_reads_the_line_in_order() -> None:
    agent = Agent("x", "x").login(T0, ("q",)).ready(T0)
    line = WaitingLine([waiting("late", 5), waiting("early", 1)])
    call, chosen, _ = choose_for_queue(QueueConfig("q"), line, [agent], T0 + timedelta(seconds=9))
    assert call.call_uuid == "early" and [a.agent_id for a in chosen] == ["x"]
    busy = agent.reserve(T0, "c")
    assert choose_for_queue(QueueConfig("q"), line, [busy], T0)[0] is None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 50), st.integers(0, 2), st.booleans()),
        max_size=40,
    )
)
def test_line_agrees_with_sorting(ops: list[tuple[int, int, int, bool]]) -> None:
    line, calls = WaitingLine(), {}
    for n, seconds, priority, leave in ops:
        uuid = f"c{n}"
        if leave:
            assert (line.leave(uuid) is None) == (uuid not in calls)
            calls.pop(uuid, None)
        else:
            calls[uuid] = waiting(uuid, seconds, priority, queue="q" if n % 3 else "r")
            line.join(calls[uuid])
    for queue in ("q", "r"):
        expected = sorted((c for c in calls.values() if c.queue == queue), key=WaitingCall.sort_key)
        assert list(line.calls(queue)) == expected
        assert line.head(queue) == next_caller(calls.values(), queue)
    for uuid in calls:
        assert line.position(uuid) == position(calls.values(), uuid)
