"""Ticket search: filters, free text and the viewer's access rule, in one SQL query."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from callcenter.store.customers import Customer
from callcenter.store.enums import TicketStatus
from callcenter.store.tickets import Ticket
from callcenter.tickets.access import Viewer, visible_clause
from callcenter.tickets.common import parse_priority
from callcenter.tickets.workflow import OPEN_STATUSES, TicketError

__all__ = ["SORTABLE", "search_tickets"]

SORTABLE = {
    "number": Ticket.number,
    "subject": Ticket.subject,
    "priority": Ticket.priority,
    "status": Ticket.status,
    "resolve_by": Ticket.resolve_due_at,
    "created": Ticket.created_at,
}
"""The columns a ticket list may be sorted by (``sort``; a leading ``-`` for descending)."""


def search_tickets(
    session: Session,
    *,
    query: str = "",
    status: str | None = None,
    category: str | None = None,
    priority: str | None = None,
    assignee_id: int | None = None,
    customer_id: int | None = None,
    overdue_at: datetime | None = None,
    visible_to: Viewer | None = None,
    limit: int = 100,
    offset: int = 0,
    sort: str = "-created",
) -> list[Ticket]:
    """Tickets matching every given filter; ``status='open'`` means any unresolved status;
    ``overdue_at`` keeps open tickets whose resolve due time is before it; ``visible_to``
    keeps the tickets that user may open (in SQL, before the limit). Newest first unless
    ``sort`` names another of :data:`SORTABLE`; ``offset`` skips rows (paging)."""
    stmt = select(Ticket)
    if visible_to is not None:
        clause = visible_clause(visible_to)
        if clause is not None:
            stmt = stmt.where(clause)
    if status == "open":
        stmt = stmt.where(Ticket.status.in_(list(OPEN_STATUSES)))
    elif status:
        try:
            stmt = stmt.where(Ticket.status == TicketStatus(status))
        except ValueError:
            raise TicketError(f"unknown status {status!r}") from None
    if category:
        stmt = stmt.where(Ticket.category == category)
    if priority:
        stmt = stmt.where(Ticket.priority == parse_priority(priority))
    if assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == assignee_id)
    if customer_id is not None:
        stmt = stmt.where(Ticket.customer_id == customer_id)
    if overdue_at is not None:
        stmt = stmt.where(
            Ticket.status.in_(list(OPEN_STATUSES)),
            or_(
                Ticket.resolve_due_at <= overdue_at,
                (Ticket.first_response_at.is_(None)) & (Ticket.response_due_at <= overdue_at),
            ),
        )
    query = (query or "").strip()
    if query:
        like = f"%{query}%"
        customers = select(Customer.id).where(Customer.name.ilike(like))
        stmt = stmt.where(
            or_(
                Ticket.number.ilike(like),
                Ticket.subject.ilike(like),
                Ticket.description.ilike(like),
                Ticket.customer_id.in_(customers),
            )
        )
    column = SORTABLE.get(sort.lstrip("-"), Ticket.created_at)
    order = column.desc() if sort.startswith("-") else column.asc()
    tie = Ticket.id.desc() if sort.startswith("-") else Ticket.id.asc()
    return list(session.scalars(stmt.order_by(order, tie).offset(offset).limit(limit)))
