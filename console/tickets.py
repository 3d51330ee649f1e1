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
from callcenter.store.routing import Agent
from callcenter.store.ticket_links import TicketCallback
from callcenter.store.tickets import Ticket
from callcenter.store.users import User
from callcenter.tickets import service as svc
from callcenter.tickets.access import Viewer, can_open
from callcenter.tickets.call_access import may_see_call
from callcenter.tickets.call_links import link_call, linked_calls, materialise_call_links
from callcenter.tickets.callbacks import record_callback_outcome, schedule_callback, start_callback
from callcenter.tickets.dial_links import link_dialled_calls
from callcenter.tickets.escalation import sla_state
from callcenter.tickets.limits import FieldError, check_text
from callcenter.tickets.search import search_tickets
from callcenter.tickets.workflow import ACTIONS, TicketError, allowed_actions
from console.api import problem
from console.auth import db_session, role_required
from console.request_input import InputError, json_body, parse_id

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


class CallNotYours(TicketError):
    """An agent named a call they did not take: refused (403), none of its data shown."""


def _int(value: Any, name: str = "id") -> int | None:
    """An optional id (ASCII digits within SQL's 64-bit range), or FieldError."""
    try:
        return None if value in (None, "") else parse_id(value, name)
    except InputError as exc:
        raise FieldError(exc.reason) from None


def _choice(data: Any, name: str) -> str | None:
    """An optional choice field (category, priority, department, status) as text."""
    value = data.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise FieldError(f"field {name} must be text of at most 64 characters")
    return value


def _own_agent(session: Any) -> Agent | None:
    return session.scalar(select(Agent).where(Agent.user_id == current_user.id))


def _call_for(session: Any, call_uuid: str) -> dict[str, str]:
    """The live hash of a call the signed-in user may see, else CallNotYours."""
    from console.supervisor import live_store

    live = live_store().get_call(call_uuid)
    if not may_see_call(session, current_user.role, _own_agent(session), call_uuid, live):
        raise CallNotYours(f"call {call_uuid!r} is not one you took")
    return live


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
        "query": check_text(args.get("q", ""), "query"),
        "status": _choice(args, "status"),
        "category": _choice(args, "category"),
        "priority": _choice(args, "priority"),
        "customer_id": _int(args.get("customer"), "customer"),
        "assignee_id": current_user.id if mine else None,
        "overdue_at": utcnow() if overdue else None,
        "visible_to": viewer(),
    }


def _create(session: Any, data: Any) -> Ticket:
    call = None
    call_uuid = check_text(data.get("call_uuid"), "call_uuid")
    caller_number = check_text(data.get("caller_number"), "caller_number")
    if call_uuid:
        call = {"call_uuid": call_uuid, **_call_for(session, call_uuid)}
        if caller_number:
            call.setdefault("caller_number", caller_number)
    return svc.create_ticket(
        session,
        _settings(),
        subject=data.get("subject", ""),
        actor_id=current_user.id,
        customer_id=_int(data.get("customer_id"), "customer_id"),
        category=_choice(data, "category"),
        priority=_choice(data, "priority"),
        description=data.get("description"),
        department=_choice(data, "department"),
        assignee_id=_int(data.get("assignee_id"), "assignee_id"),
        call=call,
    )


def _change(session: Any, ticket: Ticket, what: str, data: Any) -> None:
    """Carry out one change named ``what`` on the ticket (shared by pages and API)."""
    actor = current_user.id
    if what in ACTIONS and what != "assign":
        svc.apply_action(session, ticket, what, actor_id=actor, reason=data.get("reason") or "")
    elif what == "assign":
        svc.assign(
            session,
            ticket,
            _settings(),
            assignee_id=_int(data.get("assignee_id"), "assignee_id"),
            department=_choice(data, "department"),
            actor_id=actor,
        )
    elif what == "comment":
        svc.add_comment(session, ticket, data.get("body", ""), actor_id=actor)
    elif what == "link_call":
        call_uuid = check_text(data.get("call_uuid"), "call_uuid")
        caller_number = check_text(data.get("caller_number"), "caller_number") or None
        if call_uuid:
            _call_for(session, call_uuid)
        link_call(session, ticket, call_uuid, actor, caller_number)
    elif what == "update":
        subject = data.get("subject")
        fields = {k: _choice(data, k) for k in ("category", "priority") if data.get(k)}
        if subject:
            fields["subject"] = subject
        svc.update_fields(session, ticket, _settings(), actor_id=actor, **fields)
    elif what == "callback":
        schedule_callback(
            session,
            ticket,
            data.get("number", ""),
            _when(check_text(data.get("due_at"), "query")),
            note=data.get("note"),
            actor_id=actor,
        )
    elif what == "callback_outcome":
        callback_id = _int(data.get("callback_id"), "callback_id")
        callback = session.get(TicketCallback, callback_id) if callback_id is not None else None
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
    body = json_body()
    with db_session() as session:
        try:
            ticket = _create(session, body)
        except CallNotYours as exc:
            return problem(403, str(exc))
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
    body = json_body(empty_ok=True)
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
            return problem(_status(exc), str(exc))
        session.commit()
        return jsonify(_detail(session, ticket))


def _status(error: TicketError) -> int:
    """The HTTP status of a refused change: bad field 400, not your call 403, unknown 404,
    not allowed in the ticket's state 409."""
    if isinstance(error, FieldError):
        return 400
    if isinstance(error, CallNotYours):
        return 403
    return 404 if str(error).startswith("unknown change") else 409


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
