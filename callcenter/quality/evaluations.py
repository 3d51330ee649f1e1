"""Evaluations: the score of a filled form, saving it, and the agent's one answer to it.

Each question is answered ``yes`` (its weight is earned), ``no`` (its weight is lost) or
``na`` (not applicable: left out of both). The score is the earned share of the weights
answered, in percent, rounded to one decimal; a critical question answered ``no`` makes the
whole score 0 (a critical fail). An evaluation starts ``unanswered``; its agent answers once,
``acknowledged`` or ``disputed`` (a dispute needs a comment); both are final.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from callcenter.admin.audit import record
from callcenter.admin.errors import Invalid
from callcenter.quality.forms import questions
from callcenter.store.base import StoreError, utcnow
from callcenter.store.calls import Call
from callcenter.store.quality import QaEvaluation, QaForm
from callcenter.store.users import User

__all__ = [
    "ANSWERS",
    "AlreadyAnswered",
    "Score",
    "compute_score",
    "evaluate",
    "respond",
]

ANSWERS = ("yes", "no", "na")
RESPONSES = {"acknowledge": "acknowledged", "dispute": "disputed"}
MAX_COMMENT = 4000


class AlreadyAnswered(StoreError):
    """The agent has already acknowledged or disputed this evaluation."""


@dataclass(frozen=True)
class Score:
    """A filled form's result: percent (0-100) and whether a critical question failed."""

    percent: float
    critical_failed: bool


def compute_score(definition: dict[str, Any], answers: list[str]) -> Score:
    """The score of ``answers`` (one per question, in form order) to ``definition``."""
    asked = questions(definition)
    if len(answers) != len(asked) or "" in answers:
        raise Invalid("answers", "answer every question")
    if any(answer not in ANSWERS for answer in answers):
        raise Invalid("answers", "answer each question yes, no or n/a")
    if any(q.critical and a == "no" for q, a in zip(asked, answers, strict=True)):
        return Score(0.0, True)
    earned = sum(q.weight for q, a in zip(asked, answers, strict=True) if a == "yes")
    possible = sum(q.weight for q, a in zip(asked, answers, strict=True) if a != "na")
    if possible == 0:
        raise Invalid("answers", "answer at least one question yes or no")
    return Score(round(100.0 * earned / possible, 1), False)


def _comment(text: str | None, field: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_COMMENT:
        raise Invalid(field, "a comment has at most 4000 characters")
    return text


def evaluate(
    session: Session,
    call: Call,
    form: QaForm,
    answers: list[str],
    comment: str | None,
    evaluator: User,
) -> QaEvaluation:
    """Score ``call`` with ``form`` (audited ``qa_evaluation.create``); Invalid if it cannot."""
    if not form.active:
        raise Invalid("form", "this score form is no longer in use")
    if call.agent_id is None:
        raise Invalid("form", "no agent took this call: there is nobody to evaluate")
    result = compute_score(form.definition, answers)
    evaluation = QaEvaluation(
        call_id=call.id, form_id=form.id, agent_id=call.agent_id, evaluator_id=evaluator.id,
        evaluator=evaluator.username, answers=list(answers), score=result.percent,
        critical_failed=result.critical_failed, comment=_comment(comment, "comment"),
        state="unanswered", created_at=utcnow(),
    )  # fmt: skip
    session.add(evaluation)
    session.flush()
    record(session, evaluator, "qa_evaluation.create", "qa_evaluation", evaluation.id, None,
           {"call": call.uuid, "form": form.id, "score": result.percent})  # fmt: skip
    return evaluation


def respond(
    session: Session, evaluation: QaEvaluation, agent_user: User, action: str, comment: str | None
) -> None:
    """The agent's one answer: ``acknowledge`` or ``dispute`` (with a comment); audited."""
    if action not in RESPONSES:
        raise Invalid("action", "acknowledge or dispute")
    if evaluation.state != "unanswered":
        raise AlreadyAnswered("this evaluation was already answered")
    text = _comment(comment, "agent_comment")
    if action == "dispute" and not text:
        raise Invalid("agent_comment", "say why you dispute the evaluation")
    done = session.execute(  # conditional: of two answers at once, one wins
        update(QaEvaluation)
        .where(QaEvaluation.id == evaluation.id, QaEvaluation.state == "unanswered")
        .values(state=RESPONSES[action], agent_comment=text or None, responded_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyAnswered("this evaluation was already answered")
    session.refresh(evaluation)
    before = {"state": "unanswered"}
    record(session, agent_user, f"qa_evaluation.{RESPONSES[action]}", "qa_evaluation",
           evaluation.id, before, {"state": evaluation.state, "comment": text})  # fmt: skip
