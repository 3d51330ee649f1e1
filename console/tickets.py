"""Tickets: list with filters and search, detail (comments, history, status buttons,
assignment, linked calls, SLA due times, callbacks), create (prefilled from a call).

Pages under /tickets (console/ticket_pages.py) and the JSON API under /api/tickets
(console/ticket_api.py) share this blueprint, the ticket's JSON shape and the input rules of
console/ticket_changes.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app
from flask_login import current_user
from sqlalchemy import select

from callcenter.store.base import utcnow
from callcenter.store.enums import TicketPriority, TicketStatus
from callcenter.store.ticket_links import TicketCallback
from callcenter.store.tickets import Ticket
from callcenter.store.users import User
from callcenter.tickets.access import Viewer, can_open
from callcenter.tickets.call_links import linked_calls, materialise_call_links
from callcenter.tickets.callbacks import start_callback
from callcenter.tickets.dial_links import link_dialled_calls
from callcenter.tickets.escalation import sla_state
from callcenter.tickets.workflow import TicketError, allowed_actions
from console.api import problem
from console.auth import db_session

bp = Blueprint("tickets", __name__)

NOT_YOURS = "this ticket belongs to another department or agent"


def ticket_settings() -> Any:
    """The ticket settings (categories, departments, SLA)."""
    return current_app.extensions["callcenter.settings"].tickets


def ticket_json(ticket: Ticket, settings: Any, now: datetime | None = None) -> dict[str, Any]:
    """A ticket's summary with its SLA state at ``now``."""
    state = sla_state(settings, ticket, now or utcnow())
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "category": ticket.category,
        "priority": str(TicketPriority(ticket.priority)),
        "status": str(TicketStatus(ticket.status)),
        "customer_id": ticket.customer_id,
        "customer": ticket.customer.name if ticket.customer else None,
        "assignee": ticket.assignee.username if ticket.assignee else None,
        "department": ticket.department,
        "escalation_level": ticket.escalation_level,
        "created_at": ticket.created_at.isoformat(),
        "response_due_at": state.response_due_at.isoformat(),
        "resolve_due_at": state.resolve_due_at.isoformat(),
        "response_overdue": state.response_overdue,
        "resolve_overdue": state.resolve_overdue,
        "overdue": state.overdue,
        "actions": allowed_actions(ticket.status),
    }


def ticket_detail(session: Any, ticket: Ticket) -> dict[str, Any]:
    """A ticket with its description, comments, history, linked calls and callbacks."""
    # a call linked while live has its record now; a callback dialled from here has one
    if link_dialled_calls(session, ticket) + materialise_call_links(session, ticket):
        session.commit()
    users = {u.id: u.username for u in session.scalars(select(User))}
    callbacks = session.scalars(
        select(TicketCallback)
        .where(TicketCallback.ticket_id == ticket.id)
        .order_by(TicketCallback.due_at)
    )
    return {
        **ticket_json(ticket, ticket_settings()),
        "description": ticket.description or "",
        "comments": [
            {"author": users.get(c.author_id), "body": c.body, "at": c.created_at.isoformat()}
            for c in ticket.comments
        ],
        "history": [
            {
                "actor": users.get(h.actor_id) or "system",
                "at": h.ts.isoformat(),
                "action": h.action,
                "field": h.field,
                "old": h.old_value,
                "new": h.new_value,
            }
            for h in ticket.history
        ],
        "calls": linked_calls(session, ticket),
        "callbacks": [
            {
                "id": c.id,
                "number": c.number,
                "due_at": c.due_at.isoformat(),
                "status": c.status,
                "note": c.note,
                "outcome": c.outcome,
                "due": c.status == "scheduled" and c.due_at <= utcnow(),
            }
            for c in callbacks
        ],
    }


def viewer() -> Viewer:
    """The signed-in user as the ticket access rule sees them."""
    return Viewer(current_user.id, current_user.role, current_user.department)


def may_open(ticket: Ticket) -> bool:
    """Whether the signed-in user may open the ticket (callcenter.tickets.access: supervisors
    and admins all; agents their department's, theirs, the ones they created, unrouted)."""
    return can_open(viewer(), ticket)


def mark_callback_dialled(callback_id: int, number: str) -> tuple[Response, int] | None:
    """Mark a callback as dialled before the desktop sends the dial command."""
    with db_session() as session:
        callback = session.get(TicketCallback, callback_id)
        if callback is None or (number and callback.ticket.number != number):
            return problem(404, f"no callback {callback_id} on ticket {number!r}")
        if not may_open(callback.ticket):
            return problem(403, NOT_YOURS)
        try:
            start_callback(session, callback, actor_id=current_user.id)
        except TicketError as exc:
            return problem(409, str(exc))
        session.commit()
    return None


from console import ticket_api, ticket_pages  # noqa: E402, F401 - their routes are on bp
