"""The variables every flow can read, and how a call's starting values are computed."""

from __future__ import annotations

from datetime import datetime

from callcenter.ivr.expr import Value
from callcenter.ivr.regions import RegionTable, default_regions
from callcenter.ivr.schedule import WEEKDAYS, check_timezone

__all__ = ["BUILTIN_VARIABLES", "call_variables"]

BUILTIN_VARIABLES: dict[str, str] = {
    "caller_number": "the caller's number as FreeSWITCH gives it",
    "dialled_number": "the number the caller dialled (the hotline)",
    "caller_region": "the caller's province, else country code (e.g. US), else ''",
    "caller_country": "ISO country code from the number prefix, e.g. CN ('' if unknown)",
    "caller_province": "province for mainland fixed-line numbers, e.g. Guangdong",
    "caller_city": "city for mainland fixed-line numbers, e.g. Shenzhen",
    "caller_carrier": "carrier for mainland mobile numbers, e.g. China Mobile",
    "call_uuid": "the call's FreeSWITCH uuid",
    "now": "the local date and time, ISO 8601 (e.g. 2025-01-06T09:30:00+08:00)",
    "date": "the local date, YYYY-MM-DD",
    "time": "the local time, HH:MM (compare as text: time >= '09:00')",
    "weekday": "the local weekday: mon tue wed thu fri sat sun",
    "hour": "the local hour, 0-23 (a number)",
}


def call_variables(
    caller_number: str,
    dialled_number: str,
    now: datetime,
    zone: str = "UTC",
    *,
    call_uuid: str = "",
    regions: RegionTable | None = None,
) -> dict[str, Value]:
    """The built-in variables of a call at the aware instant ``now``, in time zone ``zone``."""
    if now.tzinfo is None:
        raise ValueError("call_variables needs a timezone-aware datetime (UTC in the engine)")
    local = now.astimezone(check_timezone(zone))
    region = (regions or default_regions()).lookup(caller_number)
    return {
        "caller_number": caller_number,
        "dialled_number": dialled_number,
        "caller_region": region.label,
        "caller_country": region.country,
        "caller_province": region.province,
        "caller_city": region.city,
        "caller_carrier": region.carrier,
        "call_uuid": call_uuid,
        "now": local.isoformat(timespec="seconds"),
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "weekday": WEEKDAYS[local.weekday()],
        "hour": local.hour,
    }
