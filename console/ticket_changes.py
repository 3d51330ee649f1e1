"""Ticket input shared by the pages and the JSON API: ids, choices, filters, creating a
ticket and carrying out one change; a call's data only for those who may see the call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from flask_login import current_user
from sqlalchemy import select

from callcenter.store.base import utcnow
from callcenter.store.routing import Agent
from callcenter.store.ticket_links import TicketCallback
from callcenter.store.tickets import Ticket
from callcenter.tickets import service as svc
from callcenter.tickets.call_access import may_see_call
from callcenter.tickets.call_links import link_call
from callcenter.tickets.callbacks import record_callback_outcome, schedule_callback
from callcenter.tickets.limits import FieldError, check_text
from callcenter.tickets.workflow import ACTIONS, TicketError
from console.request_input import InputError, parse_id
from console.tickets import ticket_settings, viewer


class CallNotYours(TicketError):
    """An agent named a call they did not take: refused (403), none of its data shown."""


def optional_int(value: Any, name: str = "id") -> int | None:
    """An optional id (ASCII digits within SQL's 64-bit range), or FieldError."""
    try:
        return None if value in (None, "") else parse_id(value, name)
    except InputError as exc:
        raise FieldError(exc.reason) from None


def choice(data: Any, name: str) -> str | None:
    """An optional choice field (category, priority, department, status) as text."""
    value = data.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise FieldError(f"field {name} must be text of at most 64 characters")
    return value


def own_agent(session: Any) -> Agent | None:
    """The signed-in user's agent row, if they are an agent."""
    return session.scalar(select(Agent).where(Agent.user_id == current_user.id))


def call_for(session: Any, call_uuid: str) -> dict[str, str]:
    """The live hash of a call the signed-in user may see, else CallNotYours."""
    from console.supervisor import live_store

    live = live_store().get_call(call_uuid)
    if not may_see_call(session, current_user.role, own_agent(session), call_uuid, live):
        raise CallNotYours(f"call {call_uuid!r} is not one you took")
    return live


def callback_time(value: str) -> datetime:
    """A callback time (ISO 8601; without a zone: the center's time zone), or TicketError."""
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise TicketError(f"callback time {value!r} is not a date and time (ISO 8601)") from None
    if when.tzinfo is None:  # from a datetime-local input: the center's time zone
        from zoneinfo import ZoneInfo

        when = when.replace(tzinfo=ZoneInfo(current_app.extensions["callcenter.settings"].timezone))
    return when


def filters(args: Any) -> dict[str, Any]:
    """The ticket search filters from query arguments (only tickets the user may open)."""
    overdue = args.get("overdue") in ("1", "true", "on")
    mine = args.get("mine") in ("1", "true", "on")
    return {
        "query": check_text(args.get("q", ""), "query"),
        "status": choice(args, "status"),
        "category": choice(args, "category"),
        "priority": choice(args, "priority"),
        "customer_id": optional_int(args.get("customer"), "customer"),
        "assignee_id": current_user.id if mine else None,
        "overdue_at": utcnow() if overdue else None,
        "visible_to": viewer(),
    }


def create(session: Any, data: Any) -> Ticket:
    """Create a ticket from a form or JSON body (with a call_uuid: only a call one may see)."""
    call = None
    call_uuid = check_text(data.get("call_uuid"), "call_uuid")
    caller_number = check_text(data.get("caller_number"), "caller_number")
    if call_uuid:
        call = {"call_uuid": call_uuid, **call_for(session, call_uuid)}
        if caller_number:
            call.setdefault("caller_number", caller_number)
    return svc.create_ticket(
        session,
        ticket_settings(),
        subject=data.get("subject", ""),
        actor_id=current_user.id,
        customer_id=optional_int(data.get("customer_id"), "customer_id"),
        category=choice(data, "category"),
        priority=choice(data, "priority"),
        description=data.get("description"),
        department=choice(data, "department"),
        assignee_id=optional_int(data.get("assignee_id"), "assignee_id"),
        call=call,
    )


def change(session: Any, ticket: Ticket, what: str, data: Any) -> None:
    """Carry out one change named ``what`` on the ticket (shared by pages and API)."""
    actor = current_user.id
    if what in ACTIONS and what != "assign":
        svc.apply_action(session, ticket, what, actor_id=actor, reason=data.get("reason") or "")
    elif what == "assign":
        svc.assign(
            session,
            ticket,
            ticket_settings(),
            assignee_id=optional_int(data.get("assignee_id"), "assignee_id"),
            department=choice(data, "department"),
            actor_id=actor,
        )
    elif what == "comment":
        svc.add_comment(session, ticket, data.get("body", ""), actor_id=actor)
    elif what == "link_call":
        call_uuid = check_text(data.get("call_uuid"), "call_uuid")
        caller_number = check_text(data.get("caller_number"), "caller_number") or None
        if call_uuid:
            call_for(session, call_uuid)
        link_call(session, ticket, call_uuid, actor, caller_number)
    elif what == "update":
        subject = data.get("subject")
        fields = {k: choice(data, k) for k in ("category", "priority") if data.get(k)}
        if subject:
            fields["subject"] = subject
        svc.update_fields(session, ticket, ticket_settings(), actor_id=actor, **fields)
    elif what == "callback":
        schedule_callback(
            session,
            ticket,
            data.get("number", ""),
            callback_time(check_text(data.get("due_at"), "query")),
            note=data.get("note"),
            actor_id=actor,
        )
    elif what == "callback_outcome":
        callback_id = optional_int(data.get("callback_id"), "callback_id")
        callback = session.get(TicketCallback, callback_id) if callback_id is not None else None
        if callback is None or callback.ticket_id != ticket.id:
            raise TicketError("no such callback on this ticket")
        record_callback_outcome(session, callback, data.get("outcome", ""), actor_id=actor)
    else:
        raise TicketError(f"unknown change {what!r}")


def status_of(error: TicketError) -> int:
    """The HTTP status of a refused change: bad field 400, not your call 403, unknown 404,
    not allowed in the ticket's state 409."""
    if isinstance(error, FieldError):
        return 400
    if isinstance(error, CallNotYours):
        return 403
    return 404 if str(error).startswith("unknown change") else 409
