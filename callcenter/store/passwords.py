"""Password policy for new passwords, and hashing that takes the same time for unknown users."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from callcenter.store.base import StoreError

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "PasswordPolicy",
    "check_hash",
    "dummy_check",
    "hash_password",
    "policy_problem",
]

# The floor every stored password meets, whatever the settings say; the console and the CLI
# apply the configured policy (settings login.password_min_length, default 12) on top.
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


@dataclass(frozen=True)
class PasswordPolicy:
    """What a new password must have: a minimum length and kinds of character."""

    min_length: int = 12
    min_classes: int = 1

    @classmethod
    def from_settings(cls, settings: Any) -> PasswordPolicy:
        """The policy in settings ``login.password_min_length`` / ``password_min_classes``."""
        return cls(settings.login.password_min_length, settings.login.password_min_classes)


def _classes(password: str) -> int:
    kinds = (str.islower, str.isupper, str.isdigit)
    found = {i for ch in password for i, kind in enumerate(kinds) if kind(ch)}
    others = any(not (ch.islower() or ch.isupper() or ch.isdigit()) for ch in password)
    return len(found) + int(others)


def policy_problem(
    password: str, policy: PasswordPolicy, username: str | None = None
) -> str | None:
    """Why ``password`` may not be used as a new password, or None if it may."""
    least = max(policy.min_length, MIN_PASSWORD_LENGTH)
    if len(password) < least:
        return f"password too short: use at least {least} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"password too long: use at most {MAX_PASSWORD_LENGTH} characters"
    if _classes(password) < policy.min_classes:
        return (
            f"password too simple: mix at least {policy.min_classes} of lower case, upper case, "
            "digits and other characters"
        )
    if username and password.casefold() == username.casefold():
        return "password must not be the user name"
    return None


def hash_password(password: str, policy: PasswordPolicy | None = None, username: str = "") -> str:
    """The stored hash of a new password; StoreError if the policy (or the floor) refuses it."""
    problem = policy_problem(password, policy or PasswordPolicy(MIN_PASSWORD_LENGTH), username)
    if problem:
        raise StoreError(problem)
    return generate_password_hash(password)


def check_hash(stored: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash."""
    return check_password_hash(stored, password)


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def dummy_check(password: str) -> bool:
    """Spend the time of a real check on a hash nobody has (unknown user names); always False."""
    check_hash(_dummy_hash(), password)
    return False
