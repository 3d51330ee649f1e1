"""Admin pages: console users (create, edit role, language, department, active, password,
lift a sign-in lockout) and the engines' flow problems.

Admins only. The department is one of settings ``tickets.departments`` (or none): it decides
which tickets an agent sees (callcenter.tickets.access).
"""

from __future__ import annotations

import json
import re
from typing import Any

import redis
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from callcenter.live.errors import LiveError
from callcenter.live.names import FLOW_PROBLEMS
from callcenter.store.base import StoreError
from callcenter.store.enums import Language, Role
from callcenter.store.passwords import PasswordPolicy, policy_problem
from callcenter.store.repositories import audit, create_user, end_sessions, set_password
from callcenter.store.users import User
from console.auth import ConsoleUser, db_session, role_required
from console.i18n import translate
from console.listing import listing
from console.supervisor import live_store
from console.throttle import login_throttle

bp = Blueprint("admin", __name__, url_prefix="/admin")

MAX_DISPLAY_NAME = 128


def departments() -> list[str]:
    """The configured departments (settings tickets.departments)."""
    return list(current_app.extensions["callcenter.settings"].tickets.departments)


def check_department(value: str | None) -> str | None:
    """``value`` if it is a configured department, None when empty; else StoreError."""
    value = (value or "").strip()
    if not value:
        return None
    allowed = departments()
    if value not in allowed:
        raise StoreError(
            f"unknown department {value!r}; use one of: {', '.join(allowed) or '(none set)'}"
        )
    return value


def _choice(value: str, allowed: type[Role] | type[Language], what: str) -> str:
    try:
        return allowed(value).value
    except ValueError:
        names = ", ".join(x.value for x in allowed)
        raise StoreError(f"unknown {what} {value!r}; use one of: {names}") from None


def _fields(form: Any) -> dict[str, Any]:
    display = (form.get("display_name") or "").strip()
    if len(display) > MAX_DISPLAY_NAME:
        raise StoreError(f"display name too long: at most {MAX_DISPLAY_NAME} characters")
    return {
        "role": _choice(form.get("role") or "agent", Role, "role"),
        "language": _choice(form.get("language") or "zh", Language, "language"),
        "display_name": display or None,
        "department": check_department(form.get("department")),
        "extension": check_extension(form.get("extension")),
    }


def check_extension(value: str | None) -> str | None:
    """The phone extension rung when the user monitors a call (None when empty)."""
    text = (value or "").strip()
    if text and not re.fullmatch(r"[0-9A-Za-z_.+-]{1,64}", text):
        raise StoreError("the extension is 1-64 letters, digits or _ . + -")
    return text or None


class PasswordRefused(StoreError):
    """A new password the configured policy does not allow (shown next to the field)."""


def check_new_password(password: str, username: str) -> None:
    """PasswordRefused if ``password`` breaks the policy in settings ``login``."""
    policy = PasswordPolicy.from_settings(current_app.extensions["callcenter.settings"])
    problem = policy_problem(password, policy, username)
    if problem:
        raise PasswordRefused(problem)


def _page(
    user: dict[str, Any], error: StoreError | str | None, status: int = 200
) -> tuple[str, int]:
    lock = login_throttle().status(user["username"]) if user.get("id") else None
    return render_template(
        "user_form.html",
        user=user,
        error=None if isinstance(error, PasswordRefused) else error,
        password_error=str(error) if isinstance(error, PasswordRefused) else None,
        lock=lock,
        roles=[r.value for r in Role],
        languages=[x.value for x in Language],
        departments=departments(),
    ), status


@bp.get("/users/")
@role_required()
def users_page() -> str:
    """Every console user with role, language, department and whether active."""
    page = listing(request.args, list(USER_SORTS), "username")
    column = USER_SORTS[page.sort]
    order = (column.desc(), User.id.desc()) if page.descending else (column, User.id)
    with db_session() as session:
        stmt = select(User).order_by(*order).offset(page.offset).limit(page.fetch)
        rows = [_row(u) for u in page.take(list(session.scalars(stmt)))]
    return render_template("users.html", users=rows, listing=page)


USER_SORTS = {
    "username": User.username,
    "name": User.display_name,
    "role": User.role,
    "language": User.language,
    "department": User.department,
}


def _row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name or "",
        "role": str(user.role),
        "language": str(user.language),
        "department": user.department or "",
        "extension": user.extension or "",
        "active": user.active,
    }


@bp.route("/users/new", methods=["GET", "POST"])
@role_required()
def new_user() -> Response | tuple[str, int]:
    """Create a user (username, password, role, language, department)."""
    if request.method == "GET":
        return _page({"role": "agent", "language": "zh", "active": True}, None)
    form = request.form
    try:
        fields = _fields(form)
        username = (form.get("username") or "").strip()
        check_new_password(form.get("password") or "", username)
        with db_session() as session:
            user = create_user(
                session,
                username,
                form.get("password") or "",
                fields["role"],
                language=fields["language"],
                display_name=fields["display_name"],
            )
            user.department = fields["department"]
            user.extension = fields["extension"]
            _audit(session, "user.create", user, fields)
            session.commit()
    except StoreError as exc:
        return _page({**form.to_dict(), "id": None}, exc, 400)
    flash(translate("User saved"), "success")
    return redirect(url_for("admin.users_page"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required()
def edit_user(user_id: int) -> Response | tuple[str, int]:
    """Edit a user: role, language, display name, department, active, new password."""
    with db_session() as session:
        user = session.get(User, user_id)
        if user is None:
            abort(404)
        if request.method == "GET":
            return _page(_row(user), None)
        form = request.form
        try:
            fields = _fields(form)
            active = form.get("active") in ("on", "1", "true")
            if user.id == current_user.id and (not active or fields["role"] != "admin"):
                raise StoreError("you cannot deactivate yourself or take away your own admin role")
            if form.get("password"):
                check_new_password(form["password"], user.username)
                set_password(user, form["password"])  # ends the user's sessions
            for name, value in fields.items():
                setattr(user, name, value)
            if user.active and not active:
                end_sessions(user)
            user.active = active
            _audit(session, "user.update", user, {**fields, "active": active})
            session.commit()
            if form.get("password") and user.id == current_user.id:
                login_user(ConsoleUser.from_row(user))  # other sessions end, this one goes on
        except StoreError as exc:
            session.rollback()
            return _page({**_row(user), **form.to_dict(), "id": user_id}, exc, 400)
    flash(translate("User saved"), "success")
    return redirect(url_for("admin.users_page"))


@bp.post("/users/<int:user_id>/unlock")
@role_required()
def unlock_user(user_id: int) -> Response:
    """Lift the user's sign-in lockout (and of the addresses that failed with that name)."""
    with db_session() as session:
        user = session.get(User, user_id)
        if user is None:
            abort(404)
        try:
            addresses = login_throttle().lift(user.username)
        except redis.RedisError as exc:
            abort(503, description=f"the lockout was not lifted: Redis is unreachable ({exc})")
        actor = session.get(User, current_user.id)
        audit(
            session,
            "user.unlock",
            user=actor,
            object_type="user",
            object_id=user.id,
            detail={"username": user.username, "addresses": addresses},
        )
        session.commit()
    flash(translate("Lockout lifted"), "success")
    return redirect(url_for("admin.edit_user", user_id=user_id))


def _audit(session: Any, action: str, user: User, fields: dict[str, Any]) -> None:
    session.flush()
    actor = session.get(User, current_user.id)
    audit(
        session,
        action,
        user=actor,
        object_type="user",
        object_id=user.id,
        detail={"username": user.username, **fields},
    )


@bp.get("/flows")
@role_required()
def flow_problems() -> tuple[str, int]:
    """Each engine's broken flow files (file, line:column, message, since), from Redis."""
    try:
        published = live_store().all(FLOW_PROBLEMS)
    except LiveError as exc:
        return render_template("flow_problems.html", nodes=[], error=str(exc)), 503
    nodes = []
    for node, fields in sorted(published.items()):
        try:
            rows = json.loads(fields.get("problems") or "[]")
        except ValueError:
            rows = []
        count = fields.get("count") or ""
        count = int(count) if count.isdecimal() else 0
        nodes.append(
            {"node": node, "updated_at": fields.get("updated_at", ""), "problems": rows,
             "more": max(0, count - len(rows))}
        )  # fmt: skip
    return render_template("flow_problems.html", nodes=nodes, error=None), 200
