"""Report buckets on both backends: a call started a fraction of a second before the hour
belongs to the hour it started in (PostgreSQL's EXTRACT(EPOCH) has fractions, SQLite's
strftime('%s') has none - both must truncate)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from callcenter.reports.buckets import report_range
from callcenter.reports.queue_report import queue_report
from callcenter.store import models
from callcenter.store.enums import Disposition
from callcenter.store.session import session_scope
from tests.integration.report_data import ZONE, local


def test_a_call_at_half_a_second_before_the_hour_is_in_the_hour_before(db_url: str) -> None:
    with session_scope(db_url) as session:
        sales = models.Queue(name="sales", service_level_seconds=20)
        session.add(sales)
        session.flush()
        for uuid, started in (
            ("late", local(2, 9, 59, 59) + timedelta(microseconds=700_000)),
            ("on", local(2, 10)),
        ):
            session.add(
                models.Call(
                    uuid=uuid, queue_id=sales.id, started_at=started, wait_seconds=2,
                    answered_at=started + timedelta(seconds=2), disposition=Disposition.ANSWERED,
                )
            )  # fmt: skip
    with session_scope(db_url) as session:
        rows = queue_report(
            session, report_range(date(2026, 3, 2), date(2026, 3, 2), "60min", ZONE)
        )
    assert [(r["interval"], r["offered"]) for r in rows] == [
        (datetime(2026, 3, 2, 9), 1),
        (datetime(2026, 3, 2, 10), 1),
    ]
