"""Tickets: list with filters and search, detail (comments, history, status buttons,
assignment, linked calls, SLA due times, callbacks), create (prefilled from a call).
Pages under /tickets; the JSON API under /api/tickets mirrors them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from callcenter.store.base import utcnow
from callcenter.store.enums import TicketPriority, TicketStatus
from callcenter.store.ticket_links import TicketCallback
from callcenter.store.tickets import Ticket
from callcenter.store.users import User
from callcenter.tickets import service as svc
from callcenter.tickets.access import Viewer, can_open
from callcenter.tickets.call_links import link_call, linked_calls, materialise_call_links
from callcenter.tickets.callbacks import record_callback_outcome, schedule_callback, start_callback
from callcenter.tickets.dial_links import link_dialled_calls
from callcenter.tickets.escalation import sla_state
from callcenter.tickets.search import search_tickets
from callcenter.tickets.workflow import ACTIONS, TicketError, allowed_actions
from console.api import problem
from console.auth import db_session, role_required

bp = Blueprint("tickets", __name__)

NOT_YOURS = "this ticket belongs to another department or agent"


def _settings() -> Any:
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


def _detail(session: Any, ticket: Ticket) -> dict[str, Any]:
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
        **ticket_json(ticket, _settings()),
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


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        raise TicketError(f"{value!r} is not a number") from None


def _when(value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise TicketError(f"callback time {value!r} is not a date and time (ISO 8601)") from None
    if when.tzinfo is None:  # from a datetime-local input: the center's time zone
        from zoneinfo import ZoneInfo

        when = when.replace(tzinfo=ZoneInfo(current_app.extensions["callcenter.settings"].timezone))
    return when


def _filters(args: Any) -> dict[str, Any]:
    overdue = args.get("overdue") in ("1", "true", "on")
    mine = args.get("mine") in ("1", "true", "on")
    return {
        "query": args.get("q", ""),
        "status": args.get("status") or None,
        "category": args.get("category") or None,
        "priority": args.get("priority") or None,
        "customer_id": _int(args.get("customer")),
        "assignee_id": current_user.id if mine else None,
        "overdue_at": utcnow() if overdue else None,
        "visible_to": viewer(),
    }


def _create(session: Any, data: Any) -> Ticket:
    call = None
    call_uuid = (data.get("call_uuid") or "").strip()
    if call_uuid:
        from console.supervisor import live_store

        call = {"call_uuid": call_uuid, **live_store().get_call(call_uuid)}
        if data.get("caller_number"):
            call.setdefault("caller_number", data.get("caller_number"))
    return svc.create_ticket(
        session,
        _settings(),
        subject=data.get("subject", ""),
        actor_id=current_user.id,
        customer_id=_int(data.get("customer_id")),
        category=data.get("category") or None,
        priority=data.get("priority") or None,
        description=data.get("description"),
        department=data.get("department") or None,
        assignee_id=_int(data.get("assignee_id")),
        call=call,
    )


def _change(session: Any, ticket: Ticket, what: str, data: Any) -> None:
    """Carry out one change named ``what`` on the ticket (shared by pages and API)."""
    actor = current_user.id
    if what in ACTIONS and what != "assign":
        svc.apply_action(session, ticket, what, actor_id=actor, reason=data.get("reason", "") or "")
    elif what == "assign":
        svc.assign(
            session,
            ticket,
            _settings(),
            assignee_id=_int(data.get("assignee_id")),
            department=data.get("department") or None,
            actor_id=actor,
        )
    elif what == "comment":
        svc.add_comment(session, ticket, data.get("body", ""), actor_id=actor)
    elif what == "link_call":
        link_call(
            session, ticket, data.get("call_uuid", ""), actor, data.get("caller_number") or None
        )
    elif what == "update":
        fields = {k: data.get(k) for k in ("subject", "category", "priority") if data.get(k)}
        svc.update_fields(session, ticket, _settings(), actor_id=actor, **fields)
    elif what == "callback":
        schedule_callback(
            session,
            ticket,
            data.get("number", ""),
            _when(data.get("due_at", "")),
            note=data.get("note"),
            actor_id=actor,
        )
    elif what == "callback_outcome":
        callback = session.get(TicketCallback, _int(data.get("callback_id")))
        if callback is None or callback.ticket_id != ticket.id:
            raise TicketError("no such callback on this ticket")
        record_callback_outcome(session, callback, data.get("outcome", ""), actor_id=actor)
    else:
        raise TicketError(f"unknown change {what!r}")


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


# -- JSON API -----------------------------------------------------------------------------


@bp.get("/api/tickets")
@role_required("agent", "supervisor")
def api_list() -> Response | tuple[Response, int]:
    """Tickets by ?q=, status (or 'open'), category, priority, customer, mine=1, overdue=1."""
    with db_session() as session:
        try:
            tickets = search_tickets(session, **_filters(request.args))
        except TicketError as exc:
            return problem(400, str(exc))
        return jsonify(tickets=[ticket_json(t, _settings()) for t in tickets])


@bp.post("/api/tickets")
@role_required("agent", "supervisor")
def api_create() -> tuple[Response, int]:
    """Create a ticket: {subject, customer_id, category, priority, description, department,
    assignee_id, call_uuid} - with a call_uuid the call is linked and described."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "the body must be a JSON object")
    with db_session() as session:
        try:
            ticket = _create(session, body)
        except TicketError as exc:
            return problem(400, str(exc))
        session.commit()
        return jsonify(_detail(session, ticket)), 201


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
        return jsonify(_detail(session, ticket))


@bp.post("/api/tickets/<number>/<what>")
@role_required("agent", "supervisor")
def api_change(number: str, what: str) -> Response | tuple[Response, int]:
    """A workflow action (start, wait_customer, resume, resolve, close, reopen), assign,
    comment, link_call, update, callback, callback_outcome. Refusals: 409 with the reason."""
    body = request.get_json(silent=True) if request.data else {}
    if not isinstance(body, dict):
        return problem(400, "the body must be a JSON object")
    with db_session() as session:
        ticket = svc.get_ticket(session, number)
        if ticket is None:
            return problem(404, f"no ticket {number!r}")
        if not may_open(ticket):
            return problem(403, NOT_YOURS)
        try:
            _change(session, ticket, what, body)
        except TicketError as exc:
            session.rollback()
            status = 404 if str(exc).startswith("unknown change") else 409
            return problem(status, str(exc))
        session.commit()
        return jsonify(_detail(session, ticket))


# -- pages --------------------------------------------------------------------------------


@bp.get("/tickets/")
@role_required("agent", "supervisor")
def list_page() -> str | tuple[str, int]:
    """Ticket list with filters and search."""
    with db_session() as session:
        try:
            tickets = [
                ticket_json(t, _settings())
                for t in search_tickets(session, **_filters(request.args))
            ]
            error = None
        except TicketError as exc:
            tickets, error = [], str(exc)
    return render_template(
        "tickets.html",
        tickets=tickets,
        args=request.args,
        error=error,
        statuses=[s.value for s in TicketStatus],
        categories=_settings().categories,
        priorities=[p.value for p in TicketPriority],
    )


@bp.route("/tickets/new", methods=["GET", "POST"])
@role_required("agent", "supervisor")
def new_page() -> str | BaseResponse | tuple[str, int]:
    """Create a ticket; ?call_uuid=&customer_id= prefill it from a call."""
    data = request.form if request.method == "POST" else request.args
    if request.method == "POST":
        with db_session() as session:
            try:
                ticket = _create(session, data)
                session.commit()
                return redirect(url_for("tickets.detail_page", number=ticket.number))
            except TicketError as exc:
                error = str(exc)
    else:
        error = None
    return render_template(
        "ticket_form.html",
        data=data,
        error=error,
        categories=_settings().categories,
        priorities=[p.value for p in TicketPriority],
        departments=_settings().departments,
    ), (400 if error else 200)


@bp.get("/tickets/<number>")
@role_required("agent", "supervisor")
def detail_page(number: str) -> str:
    """A ticket."""
    with db_session() as session:
        ticket = svc.get_ticket(session, number)
        if ticket is None:
            abort(404)
        if not may_open(ticket):
            abort(403)
        data = _detail(session, ticket)
        users = [
            (u.id, u.username) for u in session.scalars(select(User).where(User.active.is_(True)))
        ]
        from callcenter.store import models

        own = session.scalar(select(models.Agent).where(models.Agent.user_id == current_user.id))
    return render_template(
        "ticket.html",
        t=data,
        users=users,
        error=request.args.get("error"),
        departments=_settings().departments,
        categories=_settings().categories,
        priorities=[p.value for p in TicketPriority],
        agent=own,
    )


@bp.post("/tickets/<number>/<what>")
@role_required("agent", "supervisor")
def change_page(number: str, what: str) -> BaseResponse:
    """Form posts from the ticket page; a refusal comes back as an error on the page."""
    with db_session() as session:
        ticket = svc.get_ticket(session, number)
        if ticket is None:
            abort(404)
        if not may_open(ticket):
            abort(403)
        try:
            _change(session, ticket, what, request.form)
            session.commit()
        except TicketError as exc:
            session.rollback()
            return redirect(url_for("tickets.detail_page", number=number, error=str(exc)))
    return redirect(url_for("tickets.detail_page", number=number))
