"""The tickets JSON API under /api/tickets: list, create, one ticket, one change.

Refusals are JSON with a ``reason``: 400 bad field, 403 not yours, 404 unknown, 409 not
allowed in the ticket's state.
"""

from __future__ import annotations

from flask import Response, jsonify, request

from callcenter.tickets import service as svc
from callcenter.tickets.search import search_tickets
from callcenter.tickets.workflow import TicketError
from console.api import problem
from console.auth import db_session, role_required
from console.request_input import json_body
from console.ticket_changes import CallNotYours, change, create, filters, status_of
from console.tickets import NOT_YOURS, bp, may_open, ticket_detail, ticket_json, ticket_settings


@bp.get("/api/tickets")
@role_required("agent", "supervisor")
def api_list() -> Response | tuple[Response, int]:
    """Tickets by ?q=, status (or 'open'), category, priority, customer, mine=1, overdue=1."""
    with db_session() as session:
        try:
            tickets = search_tickets(session, **filters(request.args))
        except TicketError as exc:
            return problem(400, str(exc))
        return jsonify(tickets=[ticket_json(t, ticket_settings()) for t in tickets])


@bp.post("/api/tickets")
@role_required("agent", "supervisor")
def api_create() -> tuple[Response, int]:
    """Create a ticket: {subject, customer_id, category, priority, description, department,
    assignee_id, call_uuid} - with a call_uuid the call is linked and described."""
    body = json_body()
    with db_session() as session:
        try:
            ticket = create(session, body)
        except CallNotYours as exc:
            return problem(403, str(exc))
        except TicketError as exc:
            return problem(400, str(exc))
        session.commit()
        return jsonify(ticket_detail(session, ticket)), 201


@bp.get("/api/tickets/<number>")
@role_required("agent", "supervisor")
def api_get(number: str) -> Response | tuple[Response, int]:
    """A ticket with comments, history, calls and callbacks."""
    with db_session() as session:
        ticket = svc.get_ticket(session, number)
        if ticket is None:
            return problem(404, f"no ticket {number!r}")
        if not may_open(ticket):
            return problem(403, NOT_YOURS)
        return jsonify(ticket_detail(session, ticket))


@bp.post("/api/tickets/<number>/<what>")
@role_required("agent", "supervisor")
def api_change(number: str, what: str) -> Response | tuple[Response, int]:
    """A workflow action (start, wait_customer, resume, resolve, close, reopen), assign,
    comment, link_call, update, callback, callback_outcome. Refusals: 409 with the reason."""
    body = json_body(empty_ok=True)
    with db_session() as session:
        ticket = svc.get_ticket(session, number)
        if ticket is None:
            return problem(404, f"no ticket {number!r}")
        if not may_open(ticket):
            return problem(403, NOT_YOURS)
        try:
            change(session, ticket, what, body)
        except TicketError as exc:
            session.rollback()
            return problem(status_of(exc), str(exc))
        session.commit()
        return jsonify(ticket_detail(session, ticket))
