"""The queue and agent reports on a real SQLite file, against hand-computed figures
(tests/integration/report_data.py: calls across hour boundaries and local midnight)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from callcenter.reports.agent_report import agent_report
from callcenter.reports.buckets import report_range
from callcenter.reports.queue_report import queue_report
from callcenter.reports.survey_report import survey_report
from callcenter.store.session import session_scope
from tests.integration.report_data import ZONE, seed

MARCH_2, MARCH_3 = date(2026, 3, 2), date(2026, 3, 3)


def figures(row: dict) -> tuple:
    """The row's figures without the interval and queue."""
    return tuple(row[k] for k in ("offered", "answered", "abandoned", "short_abandoned",
                                  "service_level", "asa", "aht", "longest_wait"))  # fmt: skip


def run(db_url: str, first: date, last: date, interval: str) -> list[dict]:
    with session_scope(db_url) as session:
        return queue_report(session, report_range(first, last, interval, ZONE))


def test_hourly_queue_report_buckets_by_local_start_time(db_url: str) -> None:
    seed(db_url)
    rows = run(db_url, MARCH_2, MARCH_3, "60min")
    assert [(r["interval"], r["queue"], figures(r)) for r in rows] == [
        # A (09:59:50, in target, handle 120) and B (09:00, abandoned within 5 s)
        (datetime(2026, 3, 2, 9), "sales", (2, 1, 1, 1, 100.0, 10.0, 120.0, 10.0)),
        (datetime(2026, 3, 2, 9), "support", (1, 1, 0, 0, 0.0, 25.0, 10.0, 25.0)),
        (datetime(2026, 3, 2, 10), "sales", (1, 1, 0, 0, 0.0, 30.0, 40.0, 30.0)),
        (datetime(2026, 3, 2, 23), "sales", (1, 1, 0, 0, 100.0, 5.0, 90.0, 5.0)),
        # E: 00:00 local on 3 March is 16:00 UTC on 2 March
        (datetime(2026, 3, 3, 0), "sales", (1, 0, 1, 0, 0.0, None, None, 40.0)),
    ]


def test_daily_and_weekly_queue_report(db_url: str) -> None:
    seed(db_url)
    days = run(db_url, MARCH_2, MARCH_3, "day")
    sales = [(r["interval"], figures(r)) for r in days if r["queue"] == "sales"]
    assert sales == [
        # SL: A and D in target of answered 3 + abandoned 1 - short 1; AHT (120+40+90)/3
        (datetime(2026, 3, 2), (4, 3, 1, 1, 66.7, 15.0, 83.3, 30.0)),
        (datetime(2026, 3, 3), (1, 0, 1, 0, 0.0, None, None, 40.0)),
    ]
    week = run(db_url, MARCH_2, MARCH_3, "week")  # 2 March 2026 is a Monday
    assert [(r["interval"], r["queue"], r["offered"]) for r in week] == [
        (datetime(2026, 3, 2), "sales", 5),
        (datetime(2026, 3, 2), "support", 1),
    ]


def test_quarter_hours_and_queue_filter(db_url: str) -> None:
    seed(db_url)
    with session_scope(db_url) as session:
        period = report_range(MARCH_2, MARCH_2, "15min", ZONE)
        rows = queue_report(session, period, queue_ids=[1])
    assert [(r["interval"].strftime("%H:%M"), r["offered"]) for r in rows] == [
        ("09:00", 1), ("09:45", 1), ("10:00", 1), ("23:45", 1),
    ]  # fmt: skip


def test_agent_report_matches_hand_computed_values(db_url: str) -> None:
    seed(db_url)
    with session_scope(db_url) as session:
        rows = agent_report(session, report_range(MARCH_2, MARCH_3, "day", ZONE))
    ann, bo = rows
    # available from 23:00 the day before is clipped at local midnight: 1 h; logged_out
    # 01:00-12:00 is not login time; the open break counts up to the end of the range (26 h)
    assert ann["login"] == 3600 + 3600 + 1800 + 60 + 30540 + 93600
    assert ann["ready"] == 3600 + 30540
    assert ann["not_ready"] == {"lunch": 3600, "break": 93600}
    assert (ann["answered"], ann["missed"], ann["transferred"]) == (2, 1, 1)
    assert (ann["talk"], ann["hold"], ann["wrap_up"], ann["aht"]) == (130.0, 5.0, 20.0, 120.0)
    assert ann["survey_average"] == 4.0
    assert (bo["answered"], bo["missed"], bo["transferred"]) == (2, 0, 0)
    # AHT over the calls Bo ended with that started in the range: C 40, D 80 + 10, H 10
    assert (bo["talk"], bo["aht"], bo["survey_average"]) == (90.0, 46.7, 2.0)
    assert bo["login"] == 0


def test_agent_offers_count_on_the_local_day_they_were_made(db_url: str) -> None:
    seed(db_url)
    with session_scope(db_url) as session:
        ann, bo = agent_report(session, report_range(MARCH_2, MARCH_2, "day", ZONE))
    # call D started at 23:59:59 and was offered 5 s later: on 3 March
    assert (ann["answered"], ann["missed"], ann["transferred"], ann["talk"]) == (1, 1, 0, 100.0)
    assert ann["not_ready"] == {"lunch": 3600, "break": 7200}
    # but D started on 2 March: its handle time and survey count for Bo (the call's agent)
    assert (bo["answered"], bo["talk"], bo["aht"], bo["survey_average"]) == (1, 40.0, 46.7, 2.0)


def test_unknown_interval_is_refused() -> None:
    with pytest.raises(ValueError):
        report_range(MARCH_2, MARCH_2, "5min", ZONE)


def test_survey_csat_per_day_queue_and_agent(db_url: str) -> None:
    seed(db_url)
    with session_scope(db_url) as session:
        rows = survey_report(session, report_range(MARCH_2, MARCH_3, "day", ZONE))
    # A scored 4 (Ann, satisfied), D scored 2 (Bo, not satisfied): both on 2 March
    assert rows == [
        {"interval": datetime(2026, 3, 2), "queue": "sales", "agent": "1001", "surveys": 1,
         "average": 4.0, "csat": 100.0},
        {"interval": datetime(2026, 3, 2), "queue": "sales", "agent": "1002", "surveys": 1,
         "average": 2.0, "csat": 0.0},
    ]  # fmt: skip
