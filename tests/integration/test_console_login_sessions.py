"""Passwords and sessions: the configured password policy on every new password, and server-side
revocation (logout, password change, deactivation end every session of that user, copied
cookies included). Real SQLite and Redis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from callcenter.cli import main
from callcenter.store.session import session_scope
from callcenter.store.users import User
from tests.support.login import (
    PASSWORD,
    client_at,
    csrf_token,
    make_app,
    replay,
    session_cookie,
    sign_in,
    signed_in,
    user_row,
)


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    return make_app(db_url, redis_url, redis_prefix)


def find_user(db_url: str, username: str) -> User | None:
    with session_scope(db_url) as session:
        return session.scalar(select(User.id).where(User.username == username))


def edit_user(admin: FlaskClient, user_id: int, **fields: Any):  # noqa: ANN201
    """POST the admin's user form: role/language kept, active unless said otherwise."""
    token = csrf_token(admin, f"/admin/users/{user_id}")
    data = {"csrf_token": token, "role": "supervisor", "language": "en", "active": "on", **fields}
    return admin.post(f"/admin/users/{user_id}", data={k: v for k, v in data.items() if v})


def create_user_form(admin: FlaskClient, username: str, password: str):  # noqa: ANN201
    token = csrf_token(admin, "/admin/users/new")
    return admin.post(
        "/admin/users/new",
        data={"csrf_token": token, "username": username, "password": password, "role": "agent"},
    )


def password_error(response) -> str:  # noqa: ANN001
    page = response.get_data(as_text=True)
    marker = 'data-testid="password-error">'
    assert marker in page, page[-1500:]
    return page.split(marker, 1)[1].split("<", 1)[0]


def signed_out(client: FlaskClient) -> bool:
    """Pages send the client to sign in and the JSON API answers 401."""
    page = client.get("/supervisor/")
    api = client.get("/api/agents/1001")
    return (
        page.status_code == 302
        and "/login" in page.headers["Location"]
        and api.status_code == 401
        and api.get_json() == {"error": True, "reason": "sign in first", "message": "sign in first"}
    )


# -- password policy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password", "reason"),
    [
        ("newbie", "short-pw-1", "password too short: use at least 12 characters"),
        ("newbie", "x" * 257, "password too long: use at most 256 characters"),
        ("long.user.name", "Long.User.Name", "password must not be the user name"),
    ],
)
def test_admin_creating_a_user_gets_the_policy_reason_next_to_the_field(
    app: Flask, db_url: str, username: str, password: str, reason: str
) -> None:
    admin = signed_in(app, "boss")
    response = create_user_form(admin, username, password)
    assert response.status_code == 400
    assert password_error(response) == reason
    assert find_user(db_url, username) is None


def test_a_compliant_new_password_works(app: Flask) -> None:
    admin = signed_in(app, "boss")
    assert create_user_form(admin, "newbie", "twelve-chars").status_code == 302
    assert sign_in(client_at(app), "newbie", "twelve-chars").status_code == 302


def test_the_password_policy_is_configurable(
    db_url: str, redis_url: str, redis_prefix: str
) -> None:
    app = make_app(db_url, redis_url, redis_prefix, password_min_length=16, password_min_classes=3)
    admin = signed_in(app, "boss")
    short = create_user_form(admin, "newbie", "Fifteen-chars-1")
    assert short.status_code == 400
    assert password_error(short) == "password too short: use at least 16 characters"
    simple = create_user_form(admin, "newbie", "only-lower-case-words")
    assert simple.status_code == 400
    assert password_error(simple).startswith("password too simple: mix at least 3 of")
    assert create_user_form(admin, "newbie", "Mixed-Case-Words-2").status_code == 302
    sup_id = user_row(db_url, "sup").id
    changed = edit_user(admin, sup_id, password="all-lower-case-again")
    assert changed.status_code == 400 and password_error(changed).startswith("password too simple")


def test_a_refused_password_change_keeps_the_old_password_and_the_sessions(
    app: Flask, db_url: str
) -> None:
    sup = signed_in(app, "sup")
    admin = signed_in(app, "boss")
    before = user_row(db_url, "sup")
    response = edit_user(admin, before.id, password="short")
    assert response.status_code == 400
    assert password_error(response) == "password too short: use at least 12 characters"
    after = user_row(db_url, "sup")
    assert (after.password_hash, after.session_epoch) == (
        before.password_hash,
        before.session_epoch,
    )
    assert sup.get("/supervisor/").status_code == 200
    assert sign_in(client_at(app), "sup", PASSWORD).status_code == 302


def test_cli_applies_the_configured_policy(db_url: str, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)  # no callcenter.yaml here
    runner = CliRunner()
    args = ["users", "create", "--url", db_url, "--username", "wang"]
    env = {"CALLCENTER_LOGIN__PASSWORD_MIN_LENGTH": "20", "CALLCENTER_CONFIG": None}
    refused = runner.invoke(main, [*args, "--password", "nineteen-chars-pass"], env=env)
    assert refused.exit_code != 0
    assert "password too short: use at least 20 characters" in refused.output
    assert find_user(db_url, "wang") is None
    done = runner.invoke(main, [*args, "--password", "twenty-characters-ok"], env=env)
    assert done.exit_code == 0, done.output


# -- session revocation ----------------------------------------------------------------------


def test_a_copied_cookie_works_until_logout_and_never_after(app: Flask) -> None:
    sup = signed_in(app, "sup")
    cookie = session_cookie(sup)
    assert replay(app, cookie).get("/supervisor/").status_code == 200  # a copy is a session
    other_browser = signed_in(app, "sup")
    assert (
        sup.post("/logout", data={"csrf_token": csrf_token(sup, "/supervisor/")}).status_code == 302
    )
    assert signed_out(replay(app, cookie))
    assert signed_out(sup)
    assert signed_out(other_browser)  # logout ends every session of the user
    assert signed_in(app, "sup").get("/supervisor/").status_code == 200  # signing in again works


def test_admin_password_reset_ends_every_session_of_that_user(app: Flask, db_url: str) -> None:
    first, second = signed_in(app, "sup"), signed_in(app, "sup", "10.0.0.2")
    cookie = session_cookie(first)
    admin = signed_in(app, "boss")
    assert (
        edit_user(admin, user_row(db_url, "sup").id, password="brand-new-pass-1").status_code == 302
    )
    assert signed_out(first) and signed_out(second) and signed_out(replay(app, cookie))
    assert sign_in(client_at(app), "sup", PASSWORD).status_code == 401
    assert sign_in(client_at(app), "sup", "brand-new-pass-1").status_code == 302
    assert admin.get("/admin/users/").status_code == 200  # the admin's own session goes on


def test_deactivation_ends_the_session_and_reactivation_does_not_revive_it(
    app: Flask, db_url: str
) -> None:
    sup = signed_in(app, "sup")
    cookie = session_cookie(sup)
    admin = signed_in(app, "boss")
    sup_id = user_row(db_url, "sup").id
    assert edit_user(admin, sup_id, active="").status_code == 302
    assert signed_out(sup) and signed_out(replay(app, cookie))
    assert sign_in(client_at(app), "sup").status_code == 401
    assert edit_user(admin, sup_id).status_code == 302  # active again
    assert signed_out(replay(app, cookie))
    assert signed_in(app, "sup").get("/supervisor/").status_code == 200


def test_an_edit_without_a_new_password_keeps_the_users_sessions(app: Flask, db_url: str) -> None:
    sup = signed_in(app, "sup")
    admin = signed_in(app, "boss")
    assert edit_user(admin, user_row(db_url, "sup").id, language="zh").status_code == 302
    assert sup.get("/supervisor/").status_code == 200


def test_an_admin_changing_their_own_password_stays_signed_in_here_only(
    app: Flask, db_url: str
) -> None:
    here, elsewhere = signed_in(app, "boss"), signed_in(app, "boss", "10.0.0.2")
    boss_id = user_row(db_url, "boss").id
    response = edit_user(here, boss_id, role="admin", password="my-new-admin-pass")
    assert response.status_code == 302
    assert here.get("/admin/users/").status_code == 200
    assert signed_out(elsewhere)
