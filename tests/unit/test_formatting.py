"""Dates and durations per language and the center's time zone (console/formatting.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.formatting import duration, when


@pytest.mark.parametrize(
    ("value", "language", "zone", "shown"),
    [
        ("2026-12-06T06:03:00+00:00", "zh", "Asia/Shanghai", "2026年12月6日 14:03"),
        ("2026-12-06T06:03:00+00:00", "en", "Asia/Shanghai", "6 Dec 2026 14:03"),
        (datetime(2026, 12, 31, 20, 5, tzinfo=UTC), "zh", "Asia/Shanghai", "2027年1月1日 04:05"),
        (datetime(2026, 7, 1, 12, 0), "en", "Europe/London", "1 Jul 2026 13:00"),  # naive: UTC
        ("2026-03-09T23:59:59Z", "en", "UTC", "9 Mar 2026 23:59"),
        (None, "zh", "UTC", ""),
    ],
)
def test_a_moment_shows_in_the_centers_zone_and_the_users_language(
    value: object, language: str, zone: str, shown: str
) -> None:
    assert when(value, language, zone) == shown


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (192, "3分12秒", "3 min 12 s"),
        (191.6, "3分12秒", "3 min 12 s"),
        (7, "7秒", "7 s"),
        (3600, "1小时0分0秒", "1 h 0 min 0 s"),
        (3725, "1小时2分5秒", "1 h 2 min 5 s"),
        (None, "", ""),
    ],
)
def test_a_duration_reads_in_the_users_language(seconds: float | None, zh: str, en: str) -> None:
    assert (duration(seconds, "zh"), duration(seconds, "en")) == (zh, en)
