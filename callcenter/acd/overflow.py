"""Where a caller goes when it leaves a queue without an agent: the queue's overflow target.

A queue's ``overflow_target`` (SQL) is one of::

    queue:<name>          wait in another queue (priority kept, a new wait there)
    voicemail[:<box>]     leave a message; it becomes a ticket
    callback              offer a callback that keeps the caller's place in line
    flow:<name>           run another IVR flow
    transfer:<number>     send to an extension or number through the dialplan
    hangup                apologise and hang up

Empty means "no overflow": the caller stays in line (max wait is not enforced).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["KINDS", "OverflowError", "OverflowTarget", "parse_overflow"]

KINDS = ("queue", "voicemail", "callback", "flow", "transfer", "hangup")
_NEEDS_VALUE = {"queue", "flow", "transfer"}
_VALUE = re.compile(r"^[A-Za-z0-9_.+\-]{1,64}$")


class OverflowError(ValueError):
    """An overflow target that cannot be understood (says which and what is allowed)."""


@dataclass(frozen=True, slots=True)
class OverflowTarget:
    """A parsed overflow target: ``kind`` (one of :data:`KINDS`) and its ``value``."""

    kind: str
    value: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}" if self.value else self.kind


def parse_overflow(text: str | None, *, queue: str = "") -> OverflowTarget | None:
    """Parse ``text`` (None / empty: no overflow); raise :class:`OverflowError` if bad."""
    text = (text or "").strip()
    if not text:
        return None
    kind, _, value = text.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    where = f"queue {queue!r}: " if queue else ""
    if kind not in KINDS:
        raise OverflowError(
            f"{where}overflow target {text!r} has unknown kind {kind!r}; use one of "
            + ", ".join(KINDS)
        )
    if kind in _NEEDS_VALUE and not value:
        raise OverflowError(f"{where}overflow target {text!r} needs a value, e.g. '{kind}:NAME'")
    if kind in ("callback", "hangup") and value:
        raise OverflowError(f"{where}overflow target {text!r}: '{kind}' takes no value")
    if value and not _VALUE.match(value):
        raise OverflowError(
            f"{where}overflow target {text!r}: value {value!r} may hold only letters, digits "
            "and _ . + - (at most 64)"
        )
    return OverflowTarget(kind, value)
