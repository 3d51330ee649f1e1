"""Calls dialled from a ticket (its follow-up callbacks) linked to the ticket.

The console sends ``dial`` with the ticket number; the engine starts the call record with an
``outbound_call_arrived`` entry that names the ticket. Once that record is in the database
the call is linked to the ticket like any other (a ``link_call`` history row by "system").
The ticket page links its own dialled calls when opened; the escalation job links every
ticket's calls dialled in the last ``DIAL_LINK_WINDOW``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.store.base import utcnow
from callcenter.store.calls import Call, CallEvent
from callcenter.store.ticket_links import TicketCallRef
from callcenter.store.tickets import Ticket

__all__ = ["DIAL_LINK_WINDOW", "link_dialled_calls"]

DIAL_LINK_WINDOW = timedelta(days=2)
DIALLED = "outbound_call_arrived"


def link_dialled_calls(
    session: Session,
    ticket: Ticket | None = None,
    *,
    since: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Link the recorded calls dialled from ``ticket`` (or from any ticket, for calls started
    after ``since``, default the last two days); returns how many links were added."""
    from callcenter.tickets.call_links import link_call
    from callcenter.tickets.service import get_ticket

    now = now or utcnow()
    query = (
        select(CallEvent.data, Call.uuid, Call.dialled_number)
        .join(Call, Call.id == CallEvent.call_id)
        .outerjoin(TicketCallRef, TicketCallRef.call_uuid == Call.uuid)
        .where(CallEvent.type == DIALLED, TicketCallRef.call_uuid.is_(None))
    )
    if ticket is not None:
        query = query.where(CallEvent.data["ticket"].as_string() == ticket.number)
    else:
        query = query.where(Call.started_at >= (since or now - DIAL_LINK_WINDOW))
    added = 0
    for data, call_uuid, dialled in session.execute(query).all():
        number = str((data or {}).get("ticket") or "")
        target = ticket if ticket is not None else (get_ticket(session, number) if number else None)
        if target is None or target.number != number:
            continue
        link_call(session, target, call_uuid, None, dialled, now=now)
        added += 1
    return added
