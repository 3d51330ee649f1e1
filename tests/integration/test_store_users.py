"""Users: hashed passwords, lookups, authentication, and ``callcenter users create``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from callcenter.cli import main
from callcenter.store.base import StoreError
from callcenter.store.enums import Language, Role
from callcenter.store.models import AuditLog, User
from callcenter.store.repositories import (
    authenticate,
    create_user,
    get_user,
    set_password,
    verify_password,
)
from tests.support import sql


def _stored_rows(db_url: str) -> list[tuple[str, str, str]]:
    return sql.rows(db_url, "SELECT username, password_hash, role FROM users")


def test_create_user_stores_only_a_hash(db_session: Session, db_url: str) -> None:
    user = create_user(db_session, "alice", "s3cret-pass", Role.SUPERVISOR, language="en")
    db_session.commit()

    [(username, stored, role)] = _stored_rows(db_url)
    assert (username, role) == ("alice", "supervisor")
    assert "s3cret-pass" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))

    loaded = get_user(db_session, "alice")
    assert loaded is not None and loaded.id == user.id
    assert loaded.role is Role.SUPERVISOR and loaded.language is Language.EN and loaded.active
    assert verify_password(loaded, "s3cret-pass")
    assert not verify_password(loaded, "wrong-pass")
    assert loaded.created_at.utcoffset() is not None


def test_authenticate_checks_password_and_active(db_session: Session) -> None:
    user = create_user(db_session, "bob", "password1")
    assert authenticate(db_session, "bob", "nope") is None
    assert authenticate(db_session, "nobody", "password1") is None
    found = authenticate(db_session, "bob", "password1")
    assert found is user and user.last_login_at is not None

    set_password(user, "password2")
    assert authenticate(db_session, "bob", "password1") is None
    user.active = False
    assert authenticate(db_session, "bob", "password2") is None


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("carol", "short", "agent", "password too short"),
        ("bad name", "password1", "agent", "invalid username"),
        ("carol\n", "password1", "agent", "invalid username"),  # $ would allow a newline
        ("carol", "password1", "boss", "unknown role"),
    ],
)
def test_create_user_rejects_bad_input(
    db_session: Session, username: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(StoreError, match=message):
        create_user(db_session, username, password, role)


def test_duplicate_username_is_refused(db_session: Session) -> None:
    create_user(db_session, "dave", "password1")
    with pytest.raises(StoreError, match="already exists"):
        create_user(db_session, "dave", "password2")


def test_cli_users_create_with_password_option(db_url: str) -> None:
    args = ["users", "create", "--url", db_url, "--username", "admin", "--role", "admin"]
    result = CliRunner().invoke(main, [*args, "--password", "admin-pass-123"])
    assert result.exit_code == 0, result.output
    assert "created user 'admin'" in result.output

    [(username, stored, role)] = _stored_rows(db_url)
    assert (username, role) == ("admin", "admin") and "admin-pass-123" not in stored

    again = CliRunner().invoke(main, [*args, "--password", "admin-pass-123"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_cli_users_create_prompts_for_hidden_password(db_url: str, db_engine: Engine) -> None:
    result = CliRunner().invoke(
        main,
        ["users", "create", "--url", db_url, "--username", "eve"],
        input="hidden-pass-12\nhidden-pass-12\n",
    )
    assert result.exit_code == 0, result.output
    assert "hidden-pass-12" not in result.output

    with Session(db_engine) as session:
        user = get_user(session, "eve")
        assert user is not None and user.role is Role.AGENT
        assert verify_password(user, "hidden-pass-12")
        entry = session.query(AuditLog).one()
        assert (entry.action, entry.actor, entry.object_id) == ("user.create", "cli", str(user.id))
        assert entry.detail == {"username": "eve", "role": "agent"}


def test_cli_users_create_needs_migrated_database(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    result = CliRunner().invoke(
        main, ["users", "create", "--url", url, "--username", "x", "--password", "password1"]
    )
    assert result.exit_code != 0
    assert "callcenter db upgrade" in result.output


def test_user_repr_has_no_password(db_session: Session) -> None:
    user: User = create_user(db_session, "frank", "password1")
    assert "password" not in repr(user) and user.password_hash not in repr(user)
