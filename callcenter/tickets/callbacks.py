"""Follow-up callbacks of a ticket: schedule one, mark it dialled, record its outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from callcenter.store.base import utcnow
from callcenter.store.enums import TicketStatus
from callcenter.store.ticket_links import TicketCallback
from callcenter.store.tickets import Ticket
from callcenter.tickets.common import record_history
from callcenter.tickets.customers import normalise_number
from callcenter.tickets.limits import check_text
from callcenter.tickets.service import add_comment
from callcenter.tickets.workflow import OPEN_STATUSES, TicketError

__all__ = ["record_callback_outcome", "schedule_callback", "start_callback"]


def schedule_callback(
    session: Session,
    ticket: Ticket,
    number: str,
    due_at: datetime,
    *,
    note: str | None = None,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> TicketCallback:
    """Schedule a follow-up call to ``number`` at ``due_at`` (aware datetime)."""
    now = now or utcnow()
    if due_at.tzinfo is None:
        raise TicketError("the callback time needs a time zone (e.g. 2026-01-02T10:00+08:00)")
    if TicketStatus(ticket.status) not in OPEN_STATUSES:
        raise TicketError(
            f"ticket {ticket.number} is {ticket.status}: reopen it to plan a callback"
        )
    callback = TicketCallback(
        ticket_id=ticket.id,
        number=normalise_number(number),
        due_at=due_at,
        status="scheduled",
        note=check_text(note, "note") or None,
        created_by_id=actor_id,
        created_at=now,
    )
    session.add(callback)
    session.flush()
    record_history(
        session,
        ticket,
        actor_id,
        "callback",
        "callback",
        None,
        f"{callback.number} @ {due_at.isoformat()}",
        now,
    )
    session.flush()
    return callback


def start_callback(
    session: Session,
    callback: TicketCallback,
    *,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> TicketCallback:
    """Mark the callback as being dialled (the console sent the dial command).

    Taken once: the change is a compare-and-set on the row as read, so of two users dialling
    at the same moment one gets a TicketError (dialling it again later is allowed).
    """
    now = now or utcnow()
    seen = callback.status
    if seen not in ("scheduled", "dialling"):
        raise TicketError(f"callback #{callback.id} is {seen}; schedule a new one")
    claimed = session.execute(
        update(TicketCallback)
        .where(TicketCallback.id == callback.id, TicketCallback.status == seen)
        .where(TicketCallback.dialled_by_id.is_not_distinct_from(callback.dialled_by_id))
        .where(TicketCallback.dialled_at.is_not_distinct_from(callback.dialled_at))
        .values(status="dialling", dialled_at=now, dialled_by_id=actor_id)
    )
    if claimed.rowcount != 1:
        session.expire(callback)
        raise TicketError(f"callback #{callback.id} was just taken by another user")
    record_history(
        session,
        callback.ticket,
        actor_id,
        "callback_dial",
        "callback",
        callback.id,
        callback.number,
        now,
    )
    session.flush()
    return callback


def record_callback_outcome(
    session: Session,
    callback: TicketCallback,
    outcome: str,
    *,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> TicketCallback:
    """Note what came of the callback; it is done and the outcome is a ticket comment."""
    now = now or utcnow()
    outcome = check_text(outcome, "outcome")
    if not outcome:
        raise TicketError("say what came of the callback (e.g. 'reached, problem solved')")
    if callback.status in ("done", "cancelled"):
        raise TicketError(f"callback #{callback.id} is already {callback.status}")
    callback.status = "done"
    callback.outcome = outcome
    callback.done_at = now
    add_comment(
        session,
        callback.ticket,
        f"Callback {callback.number}: {outcome}",
        actor_id=actor_id,
        now=now,
    )
    record_history(
        session, callback.ticket, actor_id, "callback_done", "callback", callback.id, outcome, now
    )
    session.flush()
    return callback
