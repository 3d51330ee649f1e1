"""Schedule nodes that name a calendar of the admin pages: the calendar's hours, holidays and
zone decide; an unknown calendar counts as closed; a node needs hours or a calendar."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from callcenter.ivr.callio import LookupFailed
from callcenter.ivr.checks import check_draft
from callcenter.ivr.loader import parse_flow
from callcenter.ivr.schedule import Calendar, read_calendar
from tests.support.ivr_script import ScriptedIO, flow, run

FLOW = """\
name: c
start: hours
nodes:
  hours:
    type: schedule
    calendar: office
    open: o
    closed: c
    holiday: h
  o: {type: hangup, cause: NORMAL_CLEARING}
  c: {type: hangup, cause: USER_BUSY}
  h: {type: hangup, cause: NO_ANSWER}
"""
OFFICE = read_calendar(["mon-fri: 09:00-12:00", "mon-fri: 13:00-18:00"], ["10-01..10-07"],
                       "Asia/Shanghai")  # fmt: skip


class Calendars:
    """Lookups that know calendars only (``"down"``: the store fails)."""

    def __init__(self, calendars: dict[str, Calendar] | str) -> None:
        self.calendars = calendars

    def customer(self, number: str) -> Mapping[str, Any] | None:
        return None

    def webhook(self, url: str, timeout: float) -> Mapping[str, Any] | None:
        return None

    def calendar(self, name: str) -> Calendar | None:
        if self.calendars == "down":
            raise LookupFailed("database down")
        return self.calendars.get(name)


@pytest.mark.parametrize(
    ("utc", "cause"),
    [
        (datetime(2025, 1, 6, 1, 0, tzinfo=UTC), "NORMAL_CLEARING"),  # Mon 09:00 Shanghai
        (datetime(2025, 1, 6, 4, 30, tzinfo=UTC), "USER_BUSY"),  # 12:30, the lunch gap
        (datetime(2025, 1, 6, 5, 0, tzinfo=UTC), "NORMAL_CLEARING"),  # 13:00
        (datetime(2025, 1, 4, 2, 0, tzinfo=UTC), "USER_BUSY"),  # Saturday
        (datetime(2025, 10, 2, 2, 0, tzinfo=UTC), "NO_ANSWER"),  # national holiday
    ],
)
def test_the_named_calendar_decides(utc: datetime, cause: str) -> None:
    lookups = Calendars({"office": OFFICE})
    outcome, _, _ = run(flow(FLOW), ScriptedIO(), clock=lambda: utc, timezone="UTC",
                        lookups=lookups)  # fmt: skip
    assert outcome.cause == cause


@pytest.mark.parametrize("calendars", [{}, "down"])
def test_an_unknown_or_unreadable_calendar_counts_as_closed(calendars: Any) -> None:
    now = datetime(2025, 1, 6, 2, 0, tzinfo=UTC)
    outcome, _, _ = run(flow(FLOW), ScriptedIO(), clock=lambda: now, lookups=Calendars(calendars))
    assert outcome.cause == "USER_BUSY"


@pytest.mark.parametrize(
    ("extra", "word"), [("", "neither"), ('    hours: {all: "00:00-24:00"}\n', "both")]
)
def test_a_schedule_node_needs_hours_or_a_calendar(extra: str, word: str) -> None:
    text = FLOW.replace("    calendar: office\n", "" if word == "neither" else
                        "    calendar: office\n" + extra)  # fmt: skip
    problems = [str(p) for p in check_draft(parse_flow(text, "c.yaml"))]
    assert any("give either hours: (with holidays:) or calendar:" in p and word in p
               for p in problems), problems  # fmt: skip


def test_bad_calendar_lines_are_refused() -> None:
    with pytest.raises(ValueError, match="end before they start"):
        read_calendar(["mon: 18:00-09:00"], [], "UTC")
    with pytest.raises(ValueError, match="unknown time zone"):
        read_calendar([], [], "Mars/Olympus")
