"""Sign in / sign out, the user loader, and the role check every route goes through."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from callcenter.store.repositories import audit, authenticate, end_sessions
from callcenter.store.users import User
from console.app import login_manager
from console.metrics import sign_in_failed
from console.redirects import safe_next
from console.throttle import login_throttle

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class ConsoleUser:
    """The signed-in user as the console sees it (no password hash in the session)."""

    id: int
    username: str
    role: str
    language: str
    department: str | None = None
    is_active: bool = True
    is_authenticated: bool = True
    is_anonymous: bool = False
    epoch: int = 0

    def get_id(self) -> str:
        """Flask-Login's session key: user id and session epoch ("12.3")."""
        return f"{self.id}.{self.epoch}"

    @classmethod
    def from_row(cls, user: User) -> ConsoleUser:
        """Copy what the console needs from a users row."""
        return cls(
            id=user.id,
            username=user.username,
            role=str(user.role),
            language=str(user.language),
            department=user.department,
            is_active=user.active,
            epoch=user.session_epoch or 0,
        )


def db_session():  # noqa: ANN201 - a sqlalchemy Session
    """A new SQL session from the app's factory."""
    return current_app.extensions["callcenter.sessions"]()


_SESSION_KEY = re.compile(r"([0-9]{1,18})\.([0-9]{1,18})")


@login_manager.user_loader
def load_user(user_id: str) -> ConsoleUser | None:
    """Reload the user on each request; a deactivated user, or a session from before the
    user's last logout or password change, is signed out."""
    match = _SESSION_KEY.fullmatch(user_id or "")
    if match is None:
        return None
    with db_session() as session:
        user = session.get(User, int(match.group(1)))
        if user is None or not user.active or user.session_epoch != int(match.group(2)):
            return None
        return ConsoleUser.from_row(user)


def role_required(*roles: str) -> Callable[[F], F]:
    """Route decorator: signed in, and one of ``roles`` (admin may do everything)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role != "admin" and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.roles = ("admin", *roles)  # type: ignore[attr-defined] - the API document's
        return wrapped  # type: ignore[return-value]

    return decorator


class LoginForm(FlaskForm):
    """Username and password, CSRF-protected."""

    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Sign-in page."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("login.html", form=form, error=None)
    username, address = form.username.data or "", request.remote_addr or "unknown"
    throttle = login_throttle()
    if throttle.locked(username, address):
        # Known and unknown names alike, so the answer tells nothing about who exists.
        minutes = -(-throttle.lockout // 60)
        page = render_template("login.html", form=form, error="locked", minutes=minutes)
        sign_in_failed("locked")
        return page, 429, {"Retry-After": str(throttle.lockout)}
    with db_session() as session:
        user = authenticate(session, username, form.password.data or "")
        if user is None:
            throttle.failed(username, address)
            sign_in_failed("wrong")
            return render_template("login.html", form=form, error="wrong"), 401
        audit(session, "login", user=user, object_type="user", object_id=str(user.id))
        session.commit()
        login_user(ConsoleUser.from_row(user))
    throttle.succeeded(username)
    return redirect(safe_next(request.args.get("next"), url_for("index")))


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out (POST with the CSRF token): every session of this user ends."""
    with db_session() as session:
        user = session.get(User, current_user.id)
        if user is not None:
            end_sessions(user)
            audit(session, "logout", user=user, object_type="user", object_id=str(user.id))
            session.commit()
    logout_user()
    return redirect(url_for("auth.login"))
