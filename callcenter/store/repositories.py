"""Small repositories: users (create, look up, verify password), calls and events, audit."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from callcenter.store.base import StoreError, utcnow
from callcenter.store.calls import Call, CallEvent
from callcenter.store.enums import Language, Role
from callcenter.store.users import AuditLog, User

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "add_call_event",
    "audit",
    "authenticate",
    "create_user",
    "get_call",
    "get_user",
    "insert_call",
    "set_password",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 6
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StoreError(f"password too short: use at least {MIN_PASSWORD_LENGTH} characters")
    return generate_password_hash(password)


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role | str = Role.AGENT,
    *,
    language: Language | str = Language.ZH,
    display_name: str | None = None,
    active: bool = True,
) -> User:
    """Add a user with a hashed password; raise StoreError if the name is taken or invalid."""
    if not _USERNAME.match(username):
        raise StoreError(f"invalid username {username!r}: use 1-64 letters, digits or . _ @ -")
    try:
        role = Role(role)
    except ValueError:
        raise StoreError(
            f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}"
        ) from None
    try:
        language = Language(language)
    except ValueError:
        raise StoreError(
            f"unknown language {language!r}; use one of {', '.join(x.value for x in Language)}"
        ) from None
    if get_user(session, username) is not None:
        raise StoreError(f"user {username!r} already exists; pick another username")
    user = User(
        username=username,
        password_hash=_hash(password),
        role=role,
        language=language,
        display_name=display_name,
        active=active,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User | None:
    """The user called ``username``, or None."""
    return session.scalar(select(User).where(User.username == username))


def set_password(user: User, password: str) -> None:
    """Replace the user's password hash."""
    user.password_hash = _hash(password)


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` matches the user's stored hash."""
    return check_password_hash(user.password_hash, password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials (and last login stamped), or None."""
    user = get_user(session, username)
    if user is None or not user.active or not verify_password(user, password):
        return None
    user.last_login_at = utcnow()
    return user


def insert_call(session: Session, uuid: str, **fields: Any) -> Call:
    """Insert a call record for FreeSWITCH uuid ``uuid`` with the given column values."""
    call = Call(uuid=uuid, **fields)
    session.add(call)
    session.flush()
    return call


def get_call(session: Session, uuid: str) -> Call | None:
    """The call record for ``uuid`` with its events loaded, or None."""
    return session.scalar(select(Call).where(Call.uuid == uuid).options(selectinload(Call.events)))


def add_call_event(
    session: Session,
    call: Call | str,
    type: str,
    data: dict[str, Any] | None = None,
    ts: datetime | None = None,
) -> CallEvent:
    """Append an event to a call's timeline (``call`` is a Call or its uuid)."""
    if isinstance(call, str):
        found = session.scalar(select(Call).where(Call.uuid == call))
        if found is None:
            raise StoreError(f"no call record with uuid {call!r}; insert the call first")
        call = found
    # Setting the many-to-one side does not load the (possibly long) events collection.
    event = CallEvent(call=call, type=type, data=dict(data or {}), ts=ts or utcnow())
    session.add(event)
    session.flush()
    return event


def audit(
    session: Session,
    action: str,
    *,
    user: User | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditLog:
    """Record an audit entry; ``actor`` defaults to the user's name, else 'system'."""
    entry = AuditLog(
        user_id=user.id if user is not None else None,
        actor=actor or (user.username if user is not None else "system"),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=dict(detail or {}),
    )
    session.add(entry)
    session.flush()
    return entry
