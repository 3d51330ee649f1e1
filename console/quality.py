"""Quality scoring pages for supervisors: the calls to evaluate, the evaluate page of a
recorded call (player, transcript, timeline and the score form), every evaluation, and one
evaluation - which its own agent may open too (any other agent: 403).

A bad or incomplete form is shown again with the message next to it (422), nothing stored.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from callcenter.admin.errors import Invalid
from callcenter.quality.evaluations import ANSWERS, evaluate
from callcenter.quality.forms import questions
from callcenter.quality.listing import STATES, evaluation_rows, evaluation_sheet, load_evaluation
from callcenter.quality.queue import to_evaluate as calls_to_evaluate
from callcenter.recording.query import current_recording, transcripts_by_recording
from callcenter.store.calls import Call
from callcenter.store.quality import QaEvaluation, QaForm
from callcenter.store.routing import Agent
from callcenter.store.users import User
from console.auth import db_session, role_required
from console.calls import call_document
from console.i18n import TEXTS, translate
from console.listing import listing
from console.request_input import optional_id, query_id

bp = Blueprint("quality", __name__, url_prefix="/quality")


def own_agent_id(session: Session) -> int | None:
    """The id of the signed-in user's agent row (None if they have none)."""
    return session.scalar(select(Agent.id).where(Agent.user_id == current_user.id))


def load_call(session: Session, call_uuid: str) -> Call | None:
    """The call with what its record shows (timeline, recordings, agents, corrections)."""
    return session.scalar(
        select(Call)
        .where(Call.uuid == call_uuid)
        .options(*(selectinload(getattr(Call, name))
                   for name in ("events", "corrections", "recordings", "agent", "queue")))
    )  # fmt: skip


@bp.get("/")
@role_required("supervisor")
def to_evaluate() -> str:
    """Recorded calls not yet evaluated: flagged and low-survey calls first, with the reason."""
    page = listing(request.args, ["started"], "started")
    with db_session() as session:
        rows = page.take(calls_to_evaluate(session, page.offset, page.fetch))
    return render_template("quality/to_evaluate.html", rows=rows, listing=page)


@bp.get("/evaluations")
@role_required("supervisor")
def evaluations() -> str:
    """Every evaluation, newest first (``?state=disputed`` for the disputed ones)."""
    state = request.args.get("state", "")
    page = listing(request.args, ["created"], "-created")
    with db_session() as session:
        found = evaluation_rows(session, state=state or None, offset=page.offset, limit=page.fetch)
    return render_template(
        "quality/evaluations.html", rows=page.take(found), state=state, states=STATES,
        mine=False, listing=page,
    )  # fmt: skip


def _evaluate_page(
    session: Session,
    call_uuid: str,
    form_id: int | None,
    filled: dict[str, Any],
    error: Invalid | None,
) -> str:
    call = load_call(session, call_uuid)
    if call is None:
        abort(404)
    forms = list(session.scalars(select(QaForm).where(QaForm.active).order_by(QaForm.name)))
    form = next((f for f in forms if f.id == form_id), forms[0] if forms else None)
    errors = {error.field: translate(str(error))} if error else {}
    return render_template(
        "quality/evaluate.html", call=call, doc=call_document(call), forms=forms, form=form,
        questions=questions(form.definition) if form else [], transcript=_transcript(session, call),
        filled=filled, answers=ANSWERS, errors=errors, known_texts=TEXTS,
    )  # fmt: skip


@bp.get("/calls/<call_uuid>")
@role_required("supervisor")
def evaluate_page(call_uuid: str) -> str:
    """The recorded call (player, transcript, timeline) beside the score form to fill."""
    chosen = query_id("form")
    with db_session() as session:
        return _evaluate_page(session, call_uuid, chosen, {}, None)


@bp.post("/calls/<call_uuid>")
@role_required("supervisor")
def save_evaluation(call_uuid: str) -> Response | tuple[str, int]:
    """Save the filled form: the evaluation's page, or the form again with the error (422)."""
    form_id = optional_id(request.form, "form_id")
    filled = request.form.to_dict()
    with db_session() as session:
        call = load_call(session, call_uuid)
        form = session.get(QaForm, form_id) if form_id is not None else None
        if call is None or form is None:
            abort(404)
        count = len(questions(form.definition))
        answers = [request.form.get(f"q{i}", "") for i in range(count)]
        try:
            evaluator = session.get(User, current_user.id)
            if evaluator is None:
                abort(403)
            evaluation = evaluate(session, call, form, answers, filled.get("comment"), evaluator)
            session.commit()
        except Invalid as exc:
            session.rollback()
            return _evaluate_page(session, call_uuid, form.id, filled, exc), 422
        evaluation_id = evaluation.id
    flash(translate("Evaluation saved"), "success")
    return redirect(url_for("quality.evaluation_page", evaluation_id=evaluation_id))


@bp.get("/evaluations/<int:evaluation_id>")
@role_required("agent", "supervisor")
def evaluation_page(evaluation_id: int) -> str:
    """One evaluation: its call, answers, score and the agent's answer (own agent or
    supervisors; the evaluated agent may acknowledge or dispute it here, once)."""
    with db_session() as session:
        evaluation = load_evaluation(session, evaluation_id)
        if evaluation is None:
            abort(404)
        mine = evaluation.agent_id is not None and evaluation.agent_id == own_agent_id(session)
        if current_user.role == "agent" and not mine:
            abort(403)
        return render_template(
            "quality/evaluation.html", **evaluation_view(session, evaluation), mine=mine,
            errors={}, filled={},
        )  # fmt: skip


def _transcript(session: Session, call: Call) -> Any:
    recording = current_recording(call)
    return (
        transcripts_by_recording(session, [recording.id]).get(recording.id) if recording else None
    )


def evaluation_view(session: Session, evaluation: QaEvaluation) -> dict[str, Any]:
    """What the evaluation page shows: the evaluation, its answered questions, and its call
    (player, transcript, timeline)."""
    call = evaluation.call
    return {
        "evaluation": evaluation, "sheet": evaluation_sheet(evaluation), "call": call,
        "doc": call_document(call), "transcript": _transcript(session, call), "known_texts": TEXTS,
    }  # fmt: skip
