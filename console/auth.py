"""Sign in / sign out, the user loader, and the role check every route goes through."""

from __future__ import annotations

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

from callcenter.store.repositories import audit, authenticate
from callcenter.store.users import User
from console.app import login_manager

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

    def get_id(self) -> str:
        """Flask-Login's session key."""
        return str(self.id)

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
        )


def db_session():  # noqa: ANN201 - a sqlalchemy Session
    """A new SQL session from the app's factory."""
    return current_app.extensions["callcenter.sessions"]()


@login_manager.user_loader
def load_user(user_id: str) -> ConsoleUser | None:
    """Reload the user on each request; a deactivated user is signed out."""
    with db_session() as session:
        user = session.get(User, int(user_id)) if user_id.isdigit() else None
        return ConsoleUser.from_row(user) if user is not None and user.active else None


def role_required(*roles: str) -> Callable[[F], F]:
    """Route decorator: signed in, and one of ``roles`` (admin may do everything)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role != "admin" and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


class LoginForm(FlaskForm):
    """Username and password, CSRF-protected."""

    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Sign-in page."""
    form = LoginForm()
    if form.validate_on_submit():
        with db_session() as session:
            user = authenticate(session, form.username.data or "", form.password.data or "")
            if user is not None:
                audit(session, "login", user=user, object_type="user", object_id=str(user.id))
                session.commit()
                login_user(ConsoleUser.from_row(user))
                return redirect(_safe_next(request.args.get("next")))
        return render_template("login.html", form=form, error=True), 401
    return render_template("login.html", form=form, error=False)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out (POST with the CSRF token)."""
    logout_user()
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect to another host after sign-in.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("index")
