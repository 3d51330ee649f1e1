"""The wallboard's SQL: one grouped query for every queue's totals, and today's abandoned calls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from callcenter.reports.queue_figures import SHORT_ABANDON_SECONDS, PeriodTotals, QueueTotals
from callcenter.store.calls import Call
from callcenter.store.enums import Disposition
from callcenter.store.routing import Queue

__all__ = ["abandoned_calls", "queue_totals"]

_FIELDS = tuple(PeriodTotals.__dataclass_fields__)


def _sums(period: ColumnElement[bool]) -> list[Any]:
    """The aggregate columns of :class:`PeriodTotals` for the calls matching ``period``."""
    answered = and_(period, Call.answered_at.is_not(None))
    abandoned = and_(period, Call.disposition == Disposition.ABANDONED)
    handled = and_(answered, Call.talk_seconds.is_not(None))

    def count(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    def total(condition: ColumnElement[bool], value: Any) -> Any:
        return func.coalesce(func.sum(case((condition, value), else_=0.0)), 0.0)

    return [
        count(period),
        count(answered),
        count(abandoned),
        count(and_(abandoned, func.coalesce(Call.wait_seconds, 0.0) < SHORT_ABANDON_SECONDS)),
        count(and_(answered, Call.wait_seconds <= Queue.service_level_seconds)),
        total(answered, func.coalesce(Call.wait_seconds, 0.0)),
        count(handled),
        total(handled, Call.talk_seconds + func.coalesce(Call.wrap_up_seconds, 0.0)),
    ]


def queue_totals(session: Session, since: datetime, recent_since: datetime) -> list[QueueTotals]:
    """Every active queue's totals since ``since`` (today) and ``recent_since`` (one query)."""
    started = Call.started_at >= since
    recent = and_(Call.id.is_not(None), Call.started_at >= recent_since)
    query = (
        select(Queue.name, Queue.service_level_seconds, *_sums(Call.id.is_not(None)),
               *_sums(recent))
        .select_from(Queue)
        .outerjoin(Call, and_(Call.queue_id == Queue.id, started))
        .where(Queue.active.is_(True))
        .group_by(Queue.id, Queue.name, Queue.service_level_seconds)
        .order_by(Queue.name)
    )  # fmt: skip
    size = len(_FIELDS)
    out = []
    for name, target, *values in session.execute(query):
        today = PeriodTotals(**dict(zip(_FIELDS, values[:size], strict=True)))
        last = PeriodTotals(**dict(zip(_FIELDS, values[size:], strict=True)))
        out.append(QueueTotals(name, int(target), today, last))
    return out


def abandoned_calls(session: Session, since: datetime, limit: int = 100) -> list[dict[str, Any]]:
    """The callers who gave up waiting since ``since``, newest first."""
    query = (
        select(Call.uuid, Call.caller_number, Call.wait_seconds, Call.started_at, Queue.name)
        .join(Queue, Call.queue_id == Queue.id)
        .where(Call.started_at >= since, Call.disposition == Disposition.ABANDONED)
        .order_by(Call.started_at.desc(), Call.id.desc())
        .limit(limit)
    )
    return [
        {
            "call_uuid": uuid,
            "caller_number": number or "",
            "wait_seconds": wait,
            "started_at": started.isoformat(),
            "queue": queue,
        }
        for uuid, number, wait, started, queue in session.execute(query)
    ]
