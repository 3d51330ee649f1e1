"""Business hours and holidays across time zones, with the instant injected; caller regions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callcenter.ivr import IvrError, RegionTable, ScheduleNode, call_variables, load_flow
from callcenter.ivr.regions import DEFAULT_TABLE
from callcenter.ivr.schedule import parse_holiday, parse_ranges, schedule_state

FLOW = """\
name: s
start: hours
nodes:
  hours:
    type: schedule
    timezone: {zone}
    hours:
      mon-fri: 09:00-18:00
      sat: [10:00-12:00, 13:00-16:00]
      sun: closed
    holidays: [2025-10-01..2025-10-07, 01-01]
    open: a
    closed: a
  a:
    type: hangup
"""


def node(tmp_path: Path, zone: str = "Asia/Shanghai") -> ScheduleNode:
    path = tmp_path / "s.yaml"
    path.write_text(FLOW.format(zone=zone), encoding="utf-8")
    loaded = load_flow(path).start_node
    assert isinstance(loaded, ScheduleNode)
    return loaded


def state(sched: ScheduleNode, when: datetime, zone: str | None = None) -> str:
    return schedule_state(sched.hours, sched.holidays, when, zone or sched.timezone or "UTC")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_unquoted_times_and_dates_read_as_written(tmp_path: Path) -> None:
    sched = node(tmp_path)
    assert sched.hours[0] == ((540, 1080),)
    assert sched.hours[5] == ((600, 720), (780, 960))


def test_edges_of_the_day_in_shanghai(tmp_path: Path) -> None:
    sched = node(tmp_path)
    # Monday 2025-01-06 in Shanghai is UTC+8: 09:00 local is 01:00 UTC.
    assert state(sched, utc(2025, 1, 6, 0, 59, 59)) == "closed"
    assert state(sched, utc(2025, 1, 6, 1, 0, 0)) == "open"
    assert state(sched, utc(2025, 1, 6, 9, 59, 59)) == "open"  # 17:59:59 local
    assert state(sched, utc(2025, 1, 6, 10, 0, 0)) == "closed"  # 18:00:00 local
    # Saturday lunch break and Sunday.
    assert state(sched, utc(2025, 1, 11, 3, 30)) == "open"  # 11:30
    assert state(sched, utc(2025, 1, 11, 4, 30)) == "closed"  # 12:30
    assert state(sched, utc(2025, 1, 12, 3, 0)) == "closed"


def test_same_instant_other_zone(tmp_path: Path) -> None:
    sched = node(tmp_path, "America/New_York")
    instant = utc(2025, 1, 6, 15, 0)  # 10:00 in New York, 23:00 in Shanghai
    assert state(sched, instant) == "open"
    assert state(sched, instant, "Asia/Shanghai") == "closed"
    # The UTC date is Tuesday but it is still Monday 23:30 in New York.
    assert state(sched, utc(2025, 1, 7, 4, 30)) == "closed"


def test_daylight_saving_uses_wall_clock(tmp_path: Path) -> None:
    sched = node(tmp_path, "Europe/Berlin")
    assert state(sched, utc(2025, 1, 6, 8, 0)) == "open"  # 09:00 CET (UTC+1)
    assert state(sched, utc(2025, 7, 7, 7, 0)) == "open"  # 09:00 CEST (UTC+2)
    assert state(sched, utc(2025, 7, 7, 6, 59)) == "closed"


def test_holidays_win_and_follow_the_local_date(tmp_path: Path) -> None:
    sched = node(tmp_path)
    assert state(sched, utc(2025, 10, 1, 2, 0)) == "holiday"  # a Wednesday, 10:00 local
    assert state(sched, utc(2025, 10, 7, 15, 59)) == "holiday"  # 23:59 local on the last day
    # 2025-10-08 00:00 local: a Wednesday before opening, so closed, not holiday.
    assert state(sched, utc(2025, 10, 7, 16, 0)) == "closed"
    assert state(sched, utc(2025, 10, 7, 16, 0) + timedelta(hours=9)) == "open"  # 09:00
    # The yearly 01-01 holiday: 2026-01-01 09:30 local is a Thursday.
    assert state(sched, utc(2026, 1, 1, 1, 30)) == "holiday"
    # 2025-12-31 23:30 UTC is already 01-01 07:30 in Shanghai.
    assert state(sched, utc(2025, 12, 31, 23, 30)) == "holiday"


def test_naive_instant_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        state(node(tmp_path), datetime(2025, 1, 6, 9, 0))


def test_parsers() -> None:
    assert parse_ranges("00:00-24:00") == ((0, 1440),)
    assert parse_ranges("closed") == ()
    assert parse_holiday("12-24..12-26").yearly
    with pytest.raises(ValueError, match="mixes"):
        parse_holiday("2025-01-01..01-02")
    with pytest.raises(ValueError, match="split"):
        parse_ranges("22:00-02:00")


def test_call_variables_in_local_time() -> None:
    values = call_variables(
        "+86 755 1234 5678", "5000", utc(2025, 1, 5, 16, 30), "Asia/Shanghai", call_uuid="u1"
    )
    assert values == {
        "caller_number": "+86 755 1234 5678",
        "dialled_number": "5000",
        "caller_region": "Guangdong",
        "caller_country": "CN",
        "caller_province": "Guangdong",
        "caller_city": "Shenzhen",
        "caller_carrier": "",
        "call_uuid": "u1",
        "now": "2025-01-06T00:30:00+08:00",
        "date": "2025-01-06",
        "time": "00:30",
        "weekday": "mon",
        "hour": 0,
    }


@pytest.mark.parametrize(
    ("number", "region", "city", "carrier"),
    [
        ("01012345678", "Beijing", "Beijing", ""),
        ("075512345678", "Guangdong", "Shenzhen", ""),
        ("+8613812345678", "CN", "", "China Mobile"),
        ("008618612345678", "CN", "", "China Unicom"),
        ("8618912345678", "CN", "", "China Telecom"),
        ("+14155550100", "US", "", ""),
        ("0085221234567", "HK", "", ""),
        ("1001", "", "", ""),
        ("anonymous", "", "", ""),
    ],
)
def test_regions(number: str, region: str, city: str, carrier: str) -> None:
    found = RegionTable.load().lookup(number)
    assert (found.label, found.city, found.carrier) == (region, city, carrier)


def test_shipped_table_is_small_and_a_bigger_one_can_be_plugged_in(tmp_path: Path) -> None:
    assert len(DEFAULT_TABLE.read_text(encoding="utf-8").splitlines()) < 500
    table = tmp_path / "segments.csv"
    table.write_text(
        "prefix,kind,country,province,city,carrier\n86,country,CN,,,\n"
        "1380013,mobile,CN,Beijing,Beijing,China Mobile\n",
        encoding="utf-8",
    )
    found = RegionTable.load(table).lookup("13800138000")
    assert (found.province, found.city, found.country) == ("Beijing", "Beijing", "CN")
    table.write_text("prefix,kind\nabc,area\n", encoding="utf-8")
    with pytest.raises(IvrError, match="row 2"):
        RegionTable.load(table)
