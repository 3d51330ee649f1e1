"""The queue report: per queue and interval, offered / answered / abandoned, SL, ASA, AHT.

Definitions are the queue wallboard's (:mod:`callcenter.reports.queue_figures`): the
service level leaves out callers who gave up within 5 s.
One grouped SQL query over ``calls`` (index ``ix_calls_started_queue``); the ratios are
worked out from the sums of each result row (one row per queue and bucket).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from callcenter.reports.buckets import ReportRange, bucket_of
from callcenter.reports.queue_figures import SHORT_ABANDON_SECONDS
from callcenter.store.calls import Call
from callcenter.store.enums import Disposition
from callcenter.store.routing import Queue

__all__ = ["QUEUE_COLUMNS", "queue_report"]

QUEUE_COLUMNS = (
    "interval", "queue", "offered", "answered", "abandoned", "short_abandoned",
    "service_level", "asa", "aht", "longest_wait",
)  # fmt: skip


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _total(condition: ColumnElement[bool], value: Any) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0.0)), 0.0)


def _ratio(part: float, whole: float, digits: int = 1) -> float | None:
    return round(part / whole, digits) if whole else None


def queue_report(
    session: Session, period: ReportRange, queue_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """Rows of :data:`QUEUE_COLUMNS` for the calls that started in ``period``, by bucket."""
    bucket = bucket_of(Call.started_at, period).label("bucket")
    answered = Call.answered_at.is_not(None)
    abandoned = Call.disposition == Disposition.ABANDONED
    handled = and_(answered, Call.talk_seconds.is_not(None))
    wait = func.coalesce(Call.wait_seconds, 0.0)
    query = (
        select(
            bucket, Queue.name, func.count(Call.id), _count(answered), _count(abandoned),
            _count(and_(abandoned, wait < SHORT_ABANDON_SECONDS)),
            _count(and_(answered, wait <= Queue.service_level_seconds)),
            _total(answered, wait), _count(handled),
            _total(handled, Call.talk_seconds + func.coalesce(Call.wrap_up_seconds, 0.0)),
            func.max(wait),
        )
        .join(Queue, Queue.id == Call.queue_id)
        .where(Call.started_at >= period.start, Call.started_at < period.end)
        .group_by(bucket, Queue.name)
        .order_by(bucket, Queue.name)
    )  # fmt: skip
    if queue_ids:
        query = query.where(Call.queue_id.in_(queue_ids))
    rows = []
    for (
        index,
        name,
        offered,
        ans,
        aban,
        short,
        in_sl,
        waited,
        done,
        handle,
        longest,
    ) in session.execute(query):
        rows.append(
            {
                "interval": period.bucket_start(int(index)),
                "queue": name,
                "offered": int(offered),
                "answered": int(ans),
                "abandoned": int(aban),
                "short_abandoned": int(short),
                "service_level": _ratio(100.0 * in_sl, ans + aban - short),
                "asa": _ratio(waited, ans),
                "aht": _ratio(handle, done),
                "longest_wait": round(float(longest or 0.0), 1),
            }
        )
    return rows
