"""Score form pages: the list (supervisors read it), create, edit, copy and deactivate
(admins; audited). A form with evaluations is frozen: its page is read-only and offers a copy.
A bad definition is shown next to the field with its line number (422), nothing stored.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from callcenter.admin.errors import Invalid, NotFound
from callcenter.quality import forms as svc
from callcenter.store.quality import QaEvaluation, QaForm
from callcenter.store.users import User
from console.auth import db_session, role_required
from console.i18n import translate
from console.request_input import query_id

bp = Blueprint("quality_forms", __name__, url_prefix="/quality/forms")


def _actor(session: Session) -> User | None:
    return session.get(User, current_user.id)


def _error(exc: Invalid | None) -> dict[str, str]:
    if exc is None:
        return {}
    message = translate(str(exc))
    if isinstance(exc, svc.BadLine):
        message = translate("line %(line)s: %(problem)s") % {"line": exc.line, "problem": message}
    return {exc.field: message}


def _page(values: dict[str, Any], form_id: int | None, frozen: int, exc: Invalid | None) -> str:
    return render_template(
        "quality/form_edit.html", values=values, form_id=form_id, frozen=frozen,
        errors=_error(exc),
    )  # fmt: skip


@bp.get("/")
@role_required("supervisor")
def list_page() -> str:
    """Every score form with its question count, uses and state."""
    uses = (
        select(QaEvaluation.form_id, func.count().label("uses"))
        .group_by(QaEvaluation.form_id)
        .subquery()
    )
    with db_session() as session:
        rows = session.execute(
            select(QaForm, func.coalesce(uses.c.uses, 0))
            .outerjoin(uses, uses.c.form_id == QaForm.id)
            .order_by(QaForm.active.desc(), QaForm.name, QaForm.id)
        ).all()
        forms = [
            {
                "id": f.id,
                "name": f.name,
                "active": f.active,
                "uses": n,
                "questions": len(svc.questions(f.definition)),
            }  # fmt: skip
            for f, n in rows
        ]
    return render_template("quality/forms.html", forms=forms, editable=current_user.role == "admin")


@bp.route("/new", methods=["GET", "POST"])
@role_required()
def new() -> Response | str | tuple[str, int]:
    """A new form (``?copy=<id>`` starts from a copy of another form)."""
    with db_session() as session:
        if request.method == "GET":
            values = {"name": "", "definition": ""}
            copy = query_id("copy")
            if copy is not None and (source := session.get(QaForm, copy)) is not None:
                values = {**svc.form_values(source), "name": f"{source.name} (2)"}
            return _page(values, None, 0, None)
        values = {k: request.form.get(k, "") for k in ("name", "definition")}
        try:
            svc.create_form(session, values["name"], values["definition"], _actor(session))
            session.commit()
        except Invalid as exc:
            session.rollback()
            return _page(values, None, 0, exc), 422
    flash(translate("Saved"), "success")
    return redirect(url_for("quality_forms.list_page"))


@bp.route("/<int:form_id>", methods=["GET", "POST"])
@role_required()
def edit(form_id: int) -> Response | str | tuple[str, int]:
    """Edit an unused form; a used one is shown read-only (frozen) with a copy button."""
    with db_session() as session:
        try:
            form = svc.get_form(session, form_id)
        except NotFound:
            abort(404)
        frozen = svc.uses(session, form_id)
        if request.method == "GET":
            return _page(svc.form_values(form), form_id, frozen, None)
        values = {k: request.form.get(k, "") for k in ("name", "definition")}
        try:
            svc.update_form(session, form_id, values["name"], values["definition"], _actor(session))
            session.commit()
        except Invalid as exc:
            session.rollback()
            return _page(values, form_id, frozen, exc), 422
    flash(translate("Saved"), "success")
    return redirect(url_for("quality_forms.list_page"))


@bp.post("/<int:form_id>/deactivate")
@role_required()
def deactivate(form_id: int) -> Response:
    """Offer the form no more for new evaluations (kept; audited)."""
    with db_session() as session:
        try:
            svc.deactivate_form(session, form_id, _actor(session))
        except NotFound:
            abort(404)
        session.commit()
    flash(translate("Deactivated"), "success")
    return redirect(url_for("quality_forms.list_page"))
