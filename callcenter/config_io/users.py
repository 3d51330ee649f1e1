"""Console users in a configuration file: created or changed, never given a password here."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from callcenter.admin.audit import record
from callcenter.admin.fields import NAME
from callcenter.config_io.errors import ConfigFileError
from callcenter.config_io.export import USER_FIELDS, user_values
from callcenter.config_io.sync import Changes, differences, entries
from callcenter.store.enums import Language, Role
from callcenter.store.users import User


def _checked(source: str, key: str, entry: dict[str, Any]) -> dict[str, Any]:
    where = f"users[{key}]"
    for name in entry:
        if name not in USER_FIELDS:
            raise ConfigFileError(source, f"{where}.{name}", "unknown field")
    if not NAME.match(key):
        raise ConfigFileError(source, f"{where}.username", "letters, digits, '.', '_', '-' only")
    out = dict(entry)
    for name, allowed in (("role", Role), ("language", Language)):
        if name in out and str(out[name]) not in {x.value for x in allowed}:
            choices = ", ".join(x.value for x in allowed)
            raise ConfigFileError(source, f"{where}.{name}", f"use one of: {choices}")
    for name in ("display_name", "department", "extension"):
        if name in out and len(str(out[name] or "")) > (128 if name == "display_name" else 64):
            raise ConfigFileError(source, f"{where}.{name}", "too long")
    if "active" in out and not isinstance(out["active"], bool):
        raise ConfigFileError(source, f"{where}.active", "true or false")
    return out


def _set(user: User, entry: dict[str, Any]) -> None:
    if "role" in entry:
        user.role = Role(str(entry["role"]))
    if "language" in entry:
        user.language = Language(str(entry["language"]))
    for name in ("display_name", "department", "extension"):
        if name in entry:
            setattr(user, name, str(entry[name] or "") or None)
    if "active" in entry:
        user.active = entry["active"]


def sync_users(session: Session, source: str, value: Any, actor: str, changes: Changes) -> None:
    """Create the file's users (with a random password nobody knows) and change the rest;
    users missing from the file are left alone (an import must not lock its admins out)."""
    for key, entry in entries(source, "users", value, "username").items():
        entry = _checked(source, key, entry)
        user = session.scalar(select(User).where(User.username == key))
        if user is None:
            user = User(username=key, password_hash=generate_password_hash(secrets.token_hex(32)))
            user.role, user.language = Role.AGENT, Language.ZH
            _set(user, entry)
            session.add(user)
            session.flush()
            record(session, actor, "user.create", "user", user.id, None, user_values(user))
            changes.add(
                "create", "users", key, "no password yet: an admin sets one on the users page"
            )
            continue
        before = user_values(user)
        _set(user, entry)
        session.flush()
        after = user_values(user)
        if after != before:
            record(session, actor, "user.update", "user", user.id, before, after)
            changes.add("update", "users", key, differences(before, after))
