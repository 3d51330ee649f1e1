"""Reading evaluations: a page of them (all, one agent's, one state) and one in full."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from callcenter.quality.forms import questions
from callcenter.store.calls import Call
from callcenter.store.quality import QaEvaluation, QaForm
from callcenter.store.routing import Agent

__all__ = ["STATES", "evaluation_rows", "evaluation_sheet", "load_evaluation"]

STATES = ("unanswered", "acknowledged", "disputed")


def evaluation_rows(
    session: Session,
    agent_id: int | None = None,
    state: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Evaluations newest first, of one agent and / or in one state when given."""
    query = (
        select(QaEvaluation.id, QaEvaluation.created_at, QaEvaluation.score,
               QaEvaluation.critical_failed, QaEvaluation.state, QaEvaluation.evaluator,
               QaEvaluation.agent_comment, Call.uuid, Call.started_at, Agent.number, QaForm.name)
        .join(Call, Call.id == QaEvaluation.call_id)
        .join(QaForm, QaForm.id == QaEvaluation.form_id)
        .outerjoin(Agent, Agent.id == QaEvaluation.agent_id)
        .order_by(QaEvaluation.created_at.desc(), QaEvaluation.id.desc())
        .offset(offset)
        .limit(limit)
    )  # fmt: skip
    if agent_id is not None:
        query = query.where(QaEvaluation.agent_id == agent_id)
    if state in STATES:
        query = query.where(QaEvaluation.state == state)
    keys = ("id", "created_at", "score", "critical_failed", "state", "evaluator",
            "agent_comment", "call_uuid", "call_started_at", "agent", "form")  # fmt: skip
    return [dict(zip(keys, row, strict=True)) for row in session.execute(query)]


def load_evaluation(session: Session, evaluation_id: int) -> QaEvaluation | None:
    """The evaluation with its call, form and agent."""
    return session.scalar(
        select(QaEvaluation)
        .where(QaEvaluation.id == evaluation_id)
        .options(
            selectinload(QaEvaluation.call),
            selectinload(QaEvaluation.form),
            selectinload(QaEvaluation.agent),
        )
    )


def evaluation_sheet(evaluation: QaEvaluation) -> list[dict[str, Any]]:
    """The form's questions with the answer given to each, in form order."""
    return [
        {
            "section": q.section,
            "text": q.text,
            "weight": q.weight,
            "critical": q.critical,
            "answer": answer,
        }  # fmt: skip
        for q, answer in zip(questions(evaluation.form.definition), evaluation.answers, strict=True)
    ]
