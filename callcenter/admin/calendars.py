"""Named business-hours calendars: weekly opening hours and holidays in a time zone."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.admin import fields as f
from callcenter.admin.errors import Invalid
from callcenter.admin.service import Field, Service
from callcenter.ivr.schedule import check_timezone, parse_day_key, parse_holiday, parse_ranges
from callcenter.store.setup import Calendar


class CalendarService(Service):
    """Calendars a flow's schedule node can name (hours checked as the IVR reads them)."""

    kind = "calendars"
    title = "Calendars"
    object_type = "calendar"
    model = Calendar
    columns = (("name", "Calendar name"), ("timezone", "Time zone"), ("hours", "Opening hours"),
               ("active", "Active"))  # fmt: skip
    sorts = {"name": "name"}
    defaults = {"timezone": "Asia/Shanghai"}

    def fields(self, session: Session) -> list[Field]:
        """Name, time zone, hours per weekday, holidays."""
        return [
            Field("name", "Calendar name"),
            Field("timezone", "Time zone", hint="IANA name, e.g. Asia/Shanghai"),
            Field("hours", "Opening hours", "lines", hint="e.g. mon-fri: 09:00-18:00"),
            Field("holidays", "Holidays", "lines", hint="YYYY-MM-DD, MM-DD or A..B, one per line"),
            Field("active", "Active", "check"),
        ]

    def values(self, obj: Calendar) -> dict[str, Any]:
        """The calendar as plain values."""
        return {
            "name": obj.name,
            "timezone": obj.timezone,
            "hours": [x for x in (obj.hours or "").splitlines() if x],
            "holidays": [x for x in (obj.holidays or "").splitlines() if x],
            "active": obj.active is not False,
        }

    def apply(self, session: Session, obj: Calendar, data: dict[str, Any]) -> None:
        """Check every line as the IVR's schedule node would, then set them."""
        name = f.ident(data, "name")
        if session.scalar(select(Calendar.id).where(Calendar.name == name, Calendar.id != obj.id)):
            raise Invalid("name", f"a calendar named {name!r} exists already")
        zone = f.text(data, "timezone", 64) or "Asia/Shanghai"
        try:
            check_timezone(zone)
        except ValueError as exc:
            raise Invalid("timezone", f"time zone: {exc}") from None
        hours = [_hours_line(line) for line in _rows(data, "hours")]
        holidays = []
        for line in _rows(data, "holidays"):
            try:
                parse_holiday(line)
            except ValueError as exc:
                raise Invalid("holidays", f"holidays: {exc}") from None
            holidays.append(line)
        obj.name = name
        obj.timezone = zone
        obj.hours = "\n".join(hours)
        obj.holidays = "\n".join(holidays)
        obj.active = f.flag(data, "active", True)


def _rows(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name)
    if isinstance(value, list):
        value = "\n".join(str(v) for v in value)
    return [x.strip() for x in str(value or "").splitlines() if x.strip()]


def _hours_line(line: str) -> str:
    day, sep, ranges = line.partition(":")
    try:
        if not sep:
            raise ValueError(f"bad line {line!r}; write e.g. mon-fri: 09:00-18:00")
        parse_day_key(day)
        parse_ranges(ranges)
    except ValueError as exc:
        raise Invalid("hours", f"opening hours: {exc}") from None
    return f"{day.strip().lower()}: {ranges.strip()}"


CALENDARS = CalendarService()
