"""Size limits of every free-text field agents and supervisors fill in, in one place.

The ticket and customer services check their fields with :func:`check_text`, so forms and
the JSON API refuse the same things with the same words (the console answers 400).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from callcenter.tickets.workflow import TicketError

__all__ = ["FIELD_LIMITS", "MAX_ITEMS", "FieldError", "check_items", "check_text"]

FIELD_LIMITS: dict[str, int] = {
    "subject": 255,  # tickets.subject is VARCHAR(255)
    "description": 20_000,
    "comment": 10_000,
    "reason": 2_000,  # a workflow action's reason (becomes a comment)
    "note": 2_000,  # a callback's note
    "outcome": 2_000,  # what came of a callback
    "name": 128,  # customers.name is VARCHAR(128)
    "region": 64,
    "notes": 10_000,  # customer notes
    "tag": 64,
    "phone": 40,
    "call_uuid": 64,
    "caller_number": 64,
    "query": 200,  # search text
}
MAX_ITEMS: dict[str, int] = {"tags": 50, "phones": 20}


class FieldError(TicketError):
    """A field of the wrong type or over its size limit: bad input, not a workflow refusal."""


def check_text(value: Any, field: str, *, strip: bool = True) -> str:
    """``value`` as text within ``field``'s limit (None is ""); else :class:`FieldError`."""
    limit = FIELD_LIMITS[field]
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise FieldError(f"field {field} must be text of at most {limit} characters")
    return value.strip() if strip else value


def check_items(values: Any, field: str, item: str) -> list[str]:
    """A list (or comma/line separated text) of at most ``MAX_ITEMS[field]`` texts."""
    if isinstance(values, str):
        values = values.replace("\n", ",").split(",")
    if not isinstance(values, Iterable) or isinstance(values, dict):
        raise FieldError(f"field {field} must be a list of texts")
    items = list(values)
    if len(items) > MAX_ITEMS[field]:
        raise FieldError(f"field {field} must have at most {MAX_ITEMS[field]} entries")
    return [check_text(value, item) for value in items]
