"""The marks a waiting caller's channel carries, read back by the next engine process."""

from __future__ import annotations

from datetime import UTC, datetime

from callcenter.acd.routing import WaitingCall
from callcenter.engine.restart.readopt import (
    ivr_marks,
    left_by_earlier_process,
    owner_mark,
    resumed_wait,
    talking_marks,
    waiting_marks,
    was_in_ivr,
)

OLD, NEW = owner_mark("node1", "aaaa"), owner_mark("node1", "bbbb")
T0 = datetime(2026, 11, 25, 9, 0, 12, 345000, tzinfo=UTC)


def channel(*marks: dict[str, str]) -> dict[str, str]:
    """Channel variables after uuid_setvar_multi calls (an empty value unsets)."""
    variables: dict[str, str] = {}
    for mark in marks:
        for name, value in mark.items():
            if value:
                variables[name] = value
            else:
                variables.pop(name, None)
    return variables


def test_a_waiting_caller_comes_back_with_its_place_priority_and_skills() -> None:
    entry = WaitingCall("c1", "support", "138", T0, priority=2, skills=(("french", 1),))
    variables = channel(ivr_marks(OLD), waiting_marks(entry, OLD))
    assert variables["socket_resume"] == "true"
    assert left_by_earlier_process(variables, NEW)
    back = resumed_wait(variables)
    assert back is not None
    assert (back.queue, back.enqueued_at, back.priority, back.skills) == (
        "support", T0, 2, ("french",),
    )  # fmt: skip
    assert not was_in_ivr(variables)


def test_a_caller_in_the_ivr_starts_it_again() -> None:
    variables = channel(ivr_marks(OLD))
    assert left_by_earlier_process(variables, NEW) and was_in_ivr(variables)
    assert resumed_wait(variables) is None


def test_a_caller_talking_to_an_agent_is_not_sent_back() -> None:
    entry = WaitingCall("c1", "support", "138", T0)
    variables = channel(ivr_marks(OLD), waiting_marks(entry, OLD), talking_marks())
    assert variables["socket_resume"] == "false"
    assert resumed_wait(variables) is None and not was_in_ivr(variables)


def test_a_caller_this_process_sent_to_another_hotline_number_is_a_new_call() -> None:
    variables = channel(ivr_marks(NEW))
    assert not left_by_earlier_process(variables, NEW)
    assert not left_by_earlier_process({}, NEW)  # a brand-new call carries no mark
