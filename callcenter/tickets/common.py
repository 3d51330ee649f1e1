"""Helpers the ticket service modules share: the history row each change writes, and the
priority check (creation, field updates and search accept the same priority names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from callcenter.store.base import utcnow
from callcenter.store.enums import TicketPriority
from callcenter.store.tickets import Ticket, TicketHistory
from callcenter.tickets.workflow import TicketError

__all__ = ["parse_priority", "record_history"]


def record_history(
    session: Session,
    ticket: Ticket,
    actor_id: int | None,
    action: str,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    now: datetime | None = None,
) -> TicketHistory:
    """Add a TicketHistory row for one change (values cut to 255 characters)."""
    row = TicketHistory(
        ticket=ticket,
        actor_id=actor_id,
        ts=now or utcnow(),
        action=action,
        field=field,
        old_value=None if old is None else str(old)[:255],
        new_value=None if new is None else str(new)[:255],
    )
    session.add(row)
    return row


def parse_priority(value: str | None) -> TicketPriority:
    """The priority named ``value`` (normal when empty); raises TicketError if unknown."""
    try:
        return TicketPriority(value or TicketPriority.NORMAL)
    except ValueError:
        raise TicketError(
            f"unknown priority {value!r}; use one of: {', '.join(p.value for p in TicketPriority)}"
        ) from None
