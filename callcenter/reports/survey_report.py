"""The survey report: CSAT per day, queue and agent from the calls' survey scores (1-5).

One grouped SQL query; CSAT is the share of surveyed calls scored 4 or 5, in percent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from callcenter.reports.buckets import ReportRange, bucket_of
from callcenter.store.calls import Call
from callcenter.store.routing import Agent, Queue

__all__ = ["SATISFIED_SCORE", "SURVEY_COLUMNS", "survey_report"]

SATISFIED_SCORE = 4
SURVEY_COLUMNS = ("interval", "queue", "agent", "surveys", "average", "csat")


def survey_report(session: Session, period: ReportRange) -> list[dict[str, Any]]:
    """Rows of :data:`SURVEY_COLUMNS` for the surveyed calls that started in ``period``."""
    bucket = bucket_of(Call.started_at, period).label("bucket")
    satisfied = func.sum(case((Call.survey_score >= SATISFIED_SCORE, 1), else_=0))
    query = (
        select(bucket, Queue.name, Agent.number, func.count(Call.id),
               func.avg(Call.survey_score), satisfied)
        .outerjoin(Queue, Queue.id == Call.queue_id)
        .outerjoin(Agent, Agent.id == Call.agent_id)
        .where(Call.started_at >= period.start, Call.started_at < period.end,
               Call.survey_score.is_not(None))
        .group_by(bucket, Queue.name, Agent.number)
        .order_by(bucket, Queue.name, Agent.number)
    )  # fmt: skip
    return [
        {
            "interval": period.bucket_start(int(index)),
            "queue": queue or "",
            "agent": agent or "",
            "surveys": int(count),
            "average": round(float(average), 2),
            "csat": round(100.0 * int(happy) / int(count), 1),
        }
        for index, queue, agent, count, average, happy in session.execute(query)
    ]
