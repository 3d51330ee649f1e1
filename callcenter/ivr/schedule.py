"""Business hours per weekday and holidays, evaluated in a time zone at an injected instant."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "WEEKDAYS",
    "Calendar",
    "Holiday",
    "WeeklyHours",
    "check_timezone",
    "parse_day_key",
    "parse_holiday",
    "parse_ranges",
    "parse_time",
    "read_calendar",
    "schedule_state",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEARLY = re.compile(r"(\d{2})-(\d{2})")

Range = tuple[int, int]  # minutes after local midnight, [start, end)
WeeklyHours = tuple[tuple[Range, ...], ...]  # seven entries, Monday first


@dataclass(frozen=True, slots=True)
class Holiday:
    """Closed from ``first`` to ``last`` (inclusive); ``yearly`` ignores the year."""

    first: date
    last: date
    yearly: bool = False

    def covers(self, day: date) -> bool:
        """Whether ``day`` (a local date) falls on this holiday."""
        if not self.yearly:
            return self.first <= day <= self.last
        key = (day.month, day.day)
        return (self.first.month, self.first.day) <= key <= (self.last.month, self.last.day)


def check_timezone(name: str) -> ZoneInfo:
    """The zone, or ValueError saying to use an IANA name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as 'Asia/Shanghai' or 'UTC'"
        ) from None


def parse_time(text: str) -> int:
    """``HH:MM`` (00:00-24:00) as minutes after midnight, or ValueError."""
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise ValueError(f"bad time {text!r}; write HH:MM, e.g. 09:00")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ValueError(f"bad time {text!r}; hours go 00-23 (24:00 for midnight), minutes 00-59")
    return hours * 60 + minutes


def parse_ranges(text: str) -> tuple[Range, ...]:
    """``HH:MM-HH:MM`` or ``closed`` as open ranges, or ValueError."""
    text = text.strip()
    if text.lower() == "closed":
        return ()
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(
            f"bad opening hours {text!r}; write HH:MM-HH:MM (e.g. 09:00-18:00) or closed"
        )
    first, last = parse_time(start), parse_time(end)
    if last <= first:
        raise ValueError(
            f"opening hours {text!r} end before they start; an overnight range must be split "
            "at 24:00 across two days (e.g. fri: 22:00-24:00 and sat: 00:00-02:00)"
        )
    return ((first, last),)


def parse_day_key(text: str) -> list[int]:
    """``mon``, ``mon-fri`` or ``all`` as weekday numbers (Monday 0), or ValueError."""
    key = text.strip().lower()
    if key in ("all", "daily"):
        return list(range(7))
    first, sep, last = key.partition("-")
    names = [first, last] if sep else [first]
    for name in names:
        if name not in WEEKDAYS:
            raise ValueError(
                f"unknown weekday {name!r}; use {', '.join(WEEKDAYS)}, a range like mon-fri, or all"
            )
    if not sep:
        return [WEEKDAYS.index(first)]
    a, b = WEEKDAYS.index(first), WEEKDAYS.index(last)
    if b < a:
        raise ValueError(f"weekday range {text!r} runs backwards; write e.g. mon-fri")
    return list(range(a, b + 1))


def _date(text: str) -> date:
    if not _DATE.fullmatch(text):
        raise ValueError(f"bad date {text!r}; write YYYY-MM-DD (or MM-DD for every year)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"bad date {text!r}: no such day") from None


def _yearly(text: str) -> date:
    match = _YEARLY.fullmatch(text)
    if not match:
        raise ValueError(f"bad date {text!r}; write YYYY-MM-DD (or MM-DD for every year)")
    try:
        return date(2000, int(match.group(1)), int(match.group(2)))  # a leap year: 02-29 is fine
    except ValueError:
        raise ValueError(f"bad date {text!r}: no such day") from None


def parse_holiday(text: str) -> Holiday:
    """``YYYY-MM-DD``, ``MM-DD`` (every year) or ``A..B`` ranges of either, or ValueError."""
    text = text.strip()
    first_text, sep, last_text = text.partition("..")
    last_text = last_text if sep else first_text
    yearly = len(first_text) == 5
    if yearly != (len(last_text) == 5):
        raise ValueError(f"holiday {text!r} mixes YYYY-MM-DD and MM-DD; use one form")
    read = _yearly if yearly else _date
    first, last = read(first_text), read(last_text)
    if last < first:
        raise ValueError(f"holiday range {text!r} ends before it starts")
    return Holiday(first, last, yearly)


def schedule_state(
    hours: WeeklyHours, holidays: tuple[Holiday, ...], now: datetime, zone: str
) -> str:
    """``holiday``, ``open`` or ``closed`` at the aware instant ``now`` in ``zone``'s wall time."""
    if now.tzinfo is None:
        raise ValueError("schedule_state needs a timezone-aware datetime (UTC in the engine)")
    local = now.astimezone(check_timezone(zone))
    if any(holiday.covers(local.date()) for holiday in holidays):
        return "holiday"
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    for start, end in hours[local.weekday()]:
        if start * 60 <= seconds < end * 60:
            return "open"
    return "closed"


@dataclass(frozen=True, slots=True)
class Calendar:
    """A named calendar's week, holidays and time zone (the admin pages' calendars table)."""

    hours: WeeklyHours
    holidays: tuple[Holiday, ...]
    timezone: str


def read_calendar(hours: list[str], holidays: list[str], timezone: str) -> Calendar:
    """``day: HH:MM-HH:MM`` lines (a day given again adds a range), holiday lines and the
    zone as a Calendar; ValueError on the first bad line."""
    check_timezone(timezone)
    week: list[list[Range]] = [[] for _ in range(7)]
    for line in hours:
        key, sep, ranges = line.partition(":")
        if not sep:
            raise ValueError(f"bad opening hours line {line!r}; write e.g. mon-fri: 09:00-18:00")
        for day in parse_day_key(key):
            week[day].extend(parse_ranges(ranges))
    return Calendar(
        tuple(tuple(sorted(day)) for day in week),
        tuple(parse_holiday(line) for line in holidays),
        timezone,
    )
