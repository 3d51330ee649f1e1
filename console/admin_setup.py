"""Admin pages of the center's set-up: queues, agents, skills, not-ready reasons, caller
blacklist, calendars, canned answers and call scripts per queue - list (supervisors
read-only), create, edit, deactivate; all audited.

The pages use the services in callcenter/admin; a bad value is shown next to its field (422)
and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from callcenter.admin import SERVICES, Service
from callcenter.admin.agents import sip_context
from callcenter.admin.errors import Invalid, NotFound
from callcenter.store.base import StoreError
from callcenter.store.users import User
from console.auth import db_session, role_required
from console.i18n import TEXTS, translate
from console.listing import listing

bp = Blueprint("setup", __name__, url_prefix="/admin")

KINDS = "any(queues,agents,skills,reasons,blacklist,calendars,canned)"
PAGES = (
    ("setup.list_page", {"kind": "queues"}, "Queues"),
    ("setup.list_page", {"kind": "agents"}, "Agents"),
    ("setup.list_page", {"kind": "skills"}, "Skills"),
    ("setup.list_page", {"kind": "reasons"}, "Not-ready reasons"),
    ("setup.list_page", {"kind": "blacklist"}, "Caller blacklist"),
    ("setup.list_page", {"kind": "calendars"}, "Calendars"),
    ("setup.list_page", {"kind": "canned"}, "Canned answers"),
    ("numbers.numbers_page", {}, "Hotline numbers"),
    ("audit.audit_page", {}, "Audit log"),
    ("admin.users_page", {}, "Users"),
    ("admin.flow_problems", {}, "Flow problems"),
)
ADMIN_ONLY = {"numbers.numbers_page", "audit.audit_page", "admin.users_page", "admin.flow_problems"}


def actor(session: Any) -> User | None:
    """The signed-in user's row (the audit entry's who)."""
    return session.get(User, current_user.id)


@bp.get("/")
@role_required("supervisor")
def index() -> str:
    """The administration pages this role may open."""
    pages = [p for p in PAGES if current_user.role == "admin" or p[0] not in ADMIN_ONLY]
    return render_template("admin/index.html", pages=pages)


@bp.get(f"/<{KINDS}:kind>/")
@role_required("supervisor")
def list_page(kind: str) -> str:
    """Every object of the kind, sorted and paged in SQL (supervisors: read-only)."""
    service = SERVICES[kind]
    page = listing(request.args, list(service.sorts), service.default_sort)
    page.args["kind"] = kind  # header and page links keep the kind
    with db_session() as session:
        rows = page.take(service.rows(session, page.sort, page.descending, page.offset, page.fetch))
    flood = current_app.extensions["callcenter.settings"].ivr if kind == "blacklist" else None
    return render_template(
        "admin/list.html", service=service, rows=rows, listing=page, flood=flood,
        editable=current_user.role == "admin", known_texts=TEXTS,
    )  # fmt: skip


def _form(
    service: Service, session: Any, values: dict[str, Any], error: StoreError | None, status: int
) -> tuple[str, int]:
    errors: dict[str, str] = {}
    if isinstance(error, Invalid):
        errors[error.field] = str(error)
    elif error is not None:
        errors[""] = str(error)
    fields = service.fields(session)
    secret = {f.name for f in fields if f.control == "password"}  # never sent back
    shown = {
        k: "\n".join(v) if isinstance(v, list) else v for k, v in values.items() if k not in secret
    }
    return render_template(
        "admin/form.html", service=service, fields=fields, values=shown,
        errors=errors,
    ), status  # fmt: skip


@bp.route(f"/<{KINDS}:kind>/new", methods=["GET", "POST"])
@role_required()
def new(kind: str) -> Response | tuple[str, int]:
    """Create an object; a bad value: 422 with the message next to its field."""
    service = SERVICES[kind]
    with db_session() as session:
        if request.method == "GET":
            return _form(service, session, {"active": True, **service.defaults}, None, 200)
        data = _with_unchecked(service, session, request.form.to_dict(), new=True)
        data.update(context(kind))
        try:
            service.create(session, data, actor(session))
            session.commit()
        except StoreError as exc:
            session.rollback()
            return _form(service, session, {**data, "id": None}, exc, 422)
    flash(translate("Saved"), "success")
    return redirect(url_for("setup.list_page", kind=kind))


@bp.route(f"/<{KINDS}:kind>/<int:obj_id>", methods=["GET", "POST"])
@role_required()
def edit(kind: str, obj_id: int) -> Response | tuple[str, int]:
    """Edit an object; a bad value: 422 with the message next to its field, nothing stored."""
    service = SERVICES[kind]
    with db_session() as session:
        try:
            values = service.read(session, obj_id)
        except NotFound:
            abort(404)
        if request.method == "GET":
            return _form(service, session, values, None, 200)
        data = _with_unchecked(service, session, request.form.to_dict())
        data.update(context(kind))
        try:
            service.update(session, obj_id, data, actor(session))
            session.commit()
        except StoreError as exc:
            session.rollback()
            return _form(service, session, {**data, "id": obj_id}, exc, 422)
    flash(translate("Saved"), "success")
    return redirect(url_for("setup.list_page", kind=kind))


def context(kind: str) -> dict[str, str]:
    """Settings a service needs besides the form: agents' SIP domain (for the a1-hash)."""
    return sip_context(kind, current_app.extensions["callcenter.settings"])


def _with_unchecked(
    service: Service, session: Any, data: dict[str, str], new: bool = False
) -> dict[str, Any]:
    """A form leaves unchecked boxes out: they are off (a new object's form has no active box)."""
    checks = [
        f.name
        for f in service.fields(session)
        if f.control == "check" and not (new and f.name == "active")
    ]
    return {**{name: False for name in checks}, **data}


@bp.post(f"/<{KINDS}:kind>/<int:obj_id>/deactivate")
@role_required()
def deactivate(kind: str, obj_id: int) -> Response:
    """Take the object out of use (kept, audited)."""
    service = SERVICES[kind]
    with db_session() as session:
        try:
            service.deactivate(session, obj_id, actor(session))
        except NotFound:
            abort(404)
        session.commit()
    flash(translate("Deactivated"), "success")
    return redirect(url_for("setup.list_page", kind=kind))
