"""Overflow targets of queues, and what a waiting caller is told."""

from __future__ import annotations

import pytest

from callcenter.acd.overflow import OverflowError, OverflowTarget, parse_overflow
from callcenter.engine.routing.queue_wait import announcement


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("", None),
        (None, None),
        ("queue:sales", OverflowTarget("queue", "sales")),
        ("voicemail", OverflowTarget("voicemail")),
        ("voicemail:support", OverflowTarget("voicemail", "support")),
        (" Callback ", OverflowTarget("callback")),
        ("flow:after_hours", OverflowTarget("flow", "after_hours")),
        ("transfer:+8613800000000", OverflowTarget("transfer", "+8613800000000")),
        ("hangup", OverflowTarget("hangup")),
    ],
)
def test_overflow_targets_parse(text: str | None, target: OverflowTarget | None) -> None:
    assert parse_overflow(text) == target


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("queues:sales", "unknown kind 'queues'; use one of queue, voicemail"),
        ("queue:", "needs a value, e.g. 'queue:NAME'"),
        ("hangup:now", "'hangup' takes no value"),
        ("transfer:12 34", "may hold only letters, digits"),
    ],
)
def test_bad_overflow_targets_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(OverflowError, match="queue 'support'") as error:
        parse_overflow(text, queue="support")
    assert message in str(error.value)


def test_announcement_says_place_and_rounded_wait() -> None:
    assert announcement(3, 2) == (
        "You are number 3 in line. Your estimated wait time is about 2 minutes."
    )
    assert (
        announcement(1, 1)
        == "You are number 1 in line. Your estimated wait time is about 1 minute."
    )
    assert announcement(None, 4) == "Your estimated wait time is about 4 minutes."
    assert announcement(2, None) == "You are number 2 in line."
    assert announcement(None, None) == ""
