"""Small repositories: users (create, look up, verify password), calls and events, audit."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from callcenter.store import passwords
from callcenter.store.base import StoreError, utcnow
from callcenter.store.calls import Call, CallEvent
from callcenter.store.enums import Language, Role
from callcenter.store.passwords import MIN_PASSWORD_LENGTH, PasswordPolicy, hash_password
from callcenter.store.users import AuditLog, User

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "add_call_event",
    "audit",
    "authenticate",
    "create_user",
    "end_sessions",
    "get_call",
    "get_user",
    "insert_call",
    "set_password",
    "verify_password",
]

_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role | str = Role.AGENT,
    *,
    language: Language | str = Language.ZH,
    display_name: str | None = None,
    active: bool = True,
    policy: PasswordPolicy | None = None,
) -> User:
    """Add a user with a hashed password; StoreError if the name is taken or invalid.

    ``policy`` is the configured password policy; without it only the floor
    (MIN_PASSWORD_LENGTH) applies.
    """
    if not _USERNAME.fullmatch(username):
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
        password_hash=hash_password(password, policy, username),
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


def set_password(user: User, password: str, policy: PasswordPolicy | None = None) -> None:
    """Replace the user's password hash and end every session the user has."""
    user.password_hash = hash_password(password, policy, user.username)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Make every console session of ``user`` invalid (the next request must sign in)."""
    user.session_epoch = (user.session_epoch or 0) + 1


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` matches the user's stored hash."""
    return passwords.check_hash(user.password_hash, password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials (and last login stamped), or None.

    Unknown and inactive users cost the same hash check as known ones, so the answer's
    timing does not tell whether a user name exists.
    """
    user = get_user(session, username)
    if user is None:
        passwords.dummy_check(password)
        return None
    if not verify_password(user, password) or not user.active:
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
