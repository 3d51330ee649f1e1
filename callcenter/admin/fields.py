"""Reading and checking submitted values (form strings or JSON values) field by field."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from callcenter.admin.errors import Invalid

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
KEYS = "0123456789*#"


def text(data: Mapping[str, Any], name: str, limit: int = 255, required: bool = False) -> str:
    """The stripped text of ``name`` (empty when absent); Invalid when too long or missing."""
    value = data.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise Invalid(name, f"{_label(name)} is required")
    if len(value) > limit:
        raise Invalid(name, f"{_label(name)} is too long: at most {limit} characters")
    return value


def ident(data: Mapping[str, Any], name: str) -> str:
    """A name of letters, digits, '.', '_' or '-' (64 at most)."""
    value = text(data, name, 64, required=True)
    if not NAME.match(value):
        raise Invalid(name, f"{_label(name)} may hold only letters, digits, '.', '_' and '-'")
    return value


def integer(data: Mapping[str, Any], name: str, low: int, high: int, default: int) -> int:
    """A whole number from ``low`` to ``high`` (``default`` when empty)."""
    raw = data.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    value = str(raw).strip()
    if not re.fullmatch(r"-?\d{1,9}", value) or not low <= int(value) <= high:
        raise Invalid(name, f"{_label(name)} must be a whole number from {low} to {high}")
    return int(value)


def flag(data: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """A checkbox (``on``) or JSON boolean; ``default`` when a JSON body leaves it out."""
    if name not in data:
        return default
    value = data.get(name)
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("on", "1", "true", "yes")


def choice(data: Mapping[str, Any], name: str, allowed: Sequence[str], default: str) -> str:
    """One of ``allowed`` (``default`` when empty)."""
    value = text(data, name, 64) or default
    if value not in allowed:
        raise Invalid(name, f"unknown {_label(name)} {value!r}; use one of: {', '.join(allowed)}")
    return value


def key(data: Mapping[str, Any], name: str) -> str | None:
    """One phone key (0-9, * or #), or None when empty."""
    value = text(data, name, 1)
    if value and value not in KEYS:
        raise Invalid(name, f"{_label(name)} must be one key: 0-9, * or #")
    return value or None


def lines(data: Mapping[str, Any], name: str) -> list[str]:
    """The non-empty lines of a text area (a JSON list of strings is taken as lines)."""
    value = data.get(name)
    if isinstance(value, list):
        value = "\n".join(str(v) for v in value)
    value = "" if value is None else str(value)
    if len(value) > 10_000:
        raise Invalid(name, f"{_label(name)} is too long: at most 10000 characters")
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


def moment(data: Mapping[str, Any], name: str) -> datetime | None:
    """``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM`` (UTC), None when empty."""
    value = text(data, name, 32)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("T", " "))
    except ValueError:
        raise Invalid(name, f"{_label(name)}: write YYYY-MM-DD or YYYY-MM-DD HH:MM") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _label(name: str) -> str:
    return name.replace("_", " ")
