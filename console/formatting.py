"""Dates and durations for people: in the center's time zone and the user's language.

``when``: zh "2026年12月6日 14:03", en "6 Dec 2026 14:03"; ``duration``: zh "3分12秒",
en "3 min 12 s". Registered as the Jinja filters ``|when`` and ``|duration``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context
from flask_login import current_user

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UNITS = {"zh": ("小时", "分", "秒", ""), "en": (" h", " min", " s", " ")}

__all__ = ["browser_locale", "center_zone", "duration", "install_formatting", "when"]


def _language(language: str | None) -> str:
    if language is None:
        language = getattr(current_user, "language", None) or "en"
    return "zh" if str(language) == "zh" else "en"


def _zone(zone: str | None) -> ZoneInfo:
    if zone is None and has_app_context():
        settings = current_app.config.get("CALLCENTER_SETTINGS")
        zone = getattr(settings, "timezone", None)
    return ZoneInfo(zone or "UTC")


def when(
    value: datetime | str | None,
    language: str | None = None,
    zone: str | None = None,
    seconds: bool = False,
) -> str:
    """``value`` (a datetime or ISO text; naive means UTC) as local date and time, or ""."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(_zone(zone))
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    if _language(language) == "zh":
        return f"{local.year}年{local.month}月{local.day}日 {clock}"
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} {clock}"


def duration(seconds: float | None, language: str | None = None) -> str:
    """``seconds`` as hours, minutes and seconds (rounded to the second), or "" for none."""
    if seconds is None or seconds == "":
        return ""
    total = round(float(seconds))
    hours, rest = divmod(abs(total), 3600)
    minutes, secs = divmod(rest, 60)
    hour_unit, minute_unit, second_unit, gap = UNITS[_language(language)]
    parts = []
    if hours:
        parts.append(f"{hours}{hour_unit}")
    if hours or minutes:
        parts.append(f"{minutes}{minute_unit}")
    parts.append(f"{secs}{second_unit}")
    return ("-" if total < 0 else "") + gap.join(parts)


def center_zone() -> str:
    """The center's IANA time zone (setting ``timezone``), for scripts that format times."""
    return _zone(None).key


def browser_locale(language: str | None = None) -> str:
    """The BCP 47 locale scripts pass to ``toLocaleString`` for the user's language."""
    return "zh-CN" if _language(language) == "zh" else "en-GB"


def install_formatting(app: Flask) -> None:
    """Register the ``|when`` and ``|duration`` filters and the zone/locale globals."""
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.globals.update(center_zone=center_zone, browser_locale=browser_locale)
