"""Quality scoring for the evaluated agent: "My evaluations" and the one answer to each
(acknowledge, or dispute with a comment). Only the agent the evaluation is about may answer:
anybody else 403; a second answer 409; a dispute without a comment 422.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from callcenter.admin.errors import Invalid
from callcenter.quality.evaluations import AlreadyAnswered, respond
from callcenter.quality.listing import evaluation_rows, load_evaluation
from callcenter.store.users import User
from console.auth import db_session, role_required
from console.i18n import translate
from console.listing import listing
from console.quality import evaluation_view, own_agent_id

bp = Blueprint("quality_agent", __name__, url_prefix="/quality")


@bp.get("/mine")
@role_required("agent", "supervisor")
def mine() -> str:
    """The signed-in agent's evaluations, newest first (empty without an agent row)."""
    page = listing(request.args, ["created"], "-created")
    with db_session() as session:
        agent_id = own_agent_id(session)
        found = (
            []
            if agent_id is None
            else evaluation_rows(session, agent_id=agent_id, offset=page.offset, limit=page.fetch)
        )
    return render_template(
        "quality/evaluations.html", rows=page.take(found), state="", states=(), mine=True,
        listing=page,
    )  # fmt: skip


@bp.post("/evaluations/<int:evaluation_id>/answer")
@role_required("agent", "supervisor")
def answer(evaluation_id: int) -> Response | tuple[str, int]:
    """Acknowledge or dispute (``action``, ``agent_comment``) the agent's own evaluation."""
    action = request.form.get("action", "")
    comment = request.form.get("agent_comment", "")
    with db_session() as session:
        evaluation = load_evaluation(session, evaluation_id)
        if evaluation is None:
            abort(404)
        if evaluation.agent_id is None or evaluation.agent_id != own_agent_id(session):
            abort(403)
        user = session.get(User, current_user.id)
        if user is None:
            abort(403)
        try:
            respond(session, evaluation, user, action, comment)
            session.commit()
        except (Invalid, AlreadyAnswered) as exc:
            session.rollback()
            session.refresh(evaluation)
            field = exc.field if isinstance(exc, Invalid) else ""
            page = render_template(
                "quality/evaluation.html", **evaluation_view(session, evaluation), mine=True,
                errors={field: translate(str(exc))}, filled={"agent_comment": comment},
            )  # fmt: skip
            return page, 422 if isinstance(exc, Invalid) else 409
    flash(translate("Thank you: your answer is recorded"), "success")
    return redirect(url_for("quality.evaluation_page", evaluation_id=evaluation_id))
