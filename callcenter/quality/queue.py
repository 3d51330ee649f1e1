"""Calls to evaluate: answered, recorded calls of an agent with no evaluation yet.

Offered first: calls whose recording was flagged for sensitive words, then calls whose caller
gave a low survey score (:data:`LOW_SURVEY` or less, on the 1-5 scale), then the rest; newest
first within each group. One SQL query, paged in SQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, select
from sqlalchemy.orm import Session

from callcenter.store.calls import Call, Recording
from callcenter.store.quality import QaEvaluation
from callcenter.store.routing import Agent

__all__ = ["LOW_SURVEY", "REASONS", "to_evaluate"]

LOW_SURVEY = 2
REASONS = ("sensitive words", "low survey score", "")


def to_evaluate(session: Session, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
    """A page of calls to evaluate, each with its ``reason`` (see :data:`REASONS`)."""
    kept = and_(Recording.call_id == Call.id, Recording.deleted_at.is_(None))
    flagged = exists().where(kept, Recording.flagged.is_(True))
    low = and_(Call.survey_score.is_not(None), Call.survey_score <= LOW_SURVEY)
    rank = case((flagged, 0), (low, 1), else_=2)
    query = (
        select(Call.uuid, Call.started_at, Call.caller_number, Call.survey_score,
               Call.talk_seconds, Agent.number, Agent.display_name, rank.label("rank"))
        .join(Agent, Agent.id == Call.agent_id)
        .where(Call.answered_at.is_not(None), exists().where(kept))
        .where(~exists().where(QaEvaluation.call_id == Call.id))
        .order_by(rank, Call.started_at.desc(), Call.id.desc())
        .offset(offset)
        .limit(limit)
    )  # fmt: skip
    return [
        {
            "uuid": uuid,
            "started_at": started,
            "caller": caller,
            "survey_score": survey,
            "talk_seconds": talk,
            "agent": number,
            "agent_name": name,
            "reason": REASONS[rank],
        }  # fmt: skip
        for uuid, started, caller, survey, talk, number, name, rank in session.execute(query)
    ]
