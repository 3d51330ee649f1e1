"""Ticket service over SQL: create and look up tickets, act on the workflow, assign, change
fields and comment. Every change writes TicketHistory.

Call links are in ``call_links``, follow-up callbacks in ``callbacks``, the ticket search in
``search`` and SLA escalation in ``escalation``. Functions take the session and an explicit
``now`` (default: the wall clock) so tests can fix time. They flush but do not commit: the
caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.store.base import utcnow
from callcenter.store.customers import Customer
from callcenter.store.enums import TicketPriority, TicketStatus
from callcenter.store.tickets import Ticket, TicketComment
from callcenter.store.users import User
from callcenter.tickets.call_links import describe_call, link_call
from callcenter.tickets.common import parse_priority, record_history
from callcenter.tickets.limits import check_text
from callcenter.tickets.sla import due_times, policy_for
from callcenter.tickets.workflow import TicketError, next_status

__all__ = [
    "add_comment",
    "apply_action",
    "assign",
    "create_ticket",
    "get_ticket",
    "update_fields",
]

MAX_SUBJECT = 255
NUMBER_ATTEMPTS = 20


def _check_choice(value: str | None, allowed: Sequence[str], what: str) -> str | None:
    if value in (None, ""):
        return None
    if value not in allowed:
        raise TicketError(f"unknown {what} {value!r}; use one of: {', '.join(allowed)}")
    return value


def _next_number(session: Session, prefix: str, now: datetime) -> str:
    stem = f"{prefix}{now:%Y%m%d}-"
    count = session.scalar(select(func.count()).where(Ticket.number.like(stem + "%"))) or 0
    number = f"{stem}{count + 1:04d}"
    while session.scalar(select(Ticket.id).where(Ticket.number == number)) is not None:
        count += 1
        number = f"{stem}{count + 1:04d}"
    return number


def _insert_numbered(session: Session, prefix: str, now: datetime, fields: dict) -> Ticket:
    """Insert the ticket under the next free number; a number another transaction took at
    the same moment (unique constraint) is retried with the one after it."""
    for _ in range(NUMBER_ATTEMPTS - 1):
        ticket = Ticket(number=_next_number(session, prefix, now), **fields)
        try:
            with session.begin_nested():
                session.add(ticket)
                session.flush()
            return ticket
        except IntegrityError:
            continue
    ticket = Ticket(number=_next_number(session, prefix, now), **fields)
    session.add(ticket)
    session.flush()
    return ticket


def _user_exists(session: Session, user_id: int | None) -> int | None:
    if user_id is None:
        return None
    if session.get(User, user_id) is None:
        raise TicketError(f"no user with id {user_id}; pick an existing user to assign")
    return user_id


def create_ticket(
    session: Session,
    settings: Any,
    *,
    subject: str,
    actor_id: int | None = None,
    customer_id: int | None = None,
    category: str | None = None,
    priority: str | None = None,
    description: str | None = None,
    department: str | None = None,
    assignee_id: int | None = None,
    call: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Open a ticket with SLA due times; ``call`` (a live call hash with ``call_uuid``) is
    linked and its details written into the description. ``settings`` is ``tickets``."""
    now = now or utcnow()
    subject = check_text(subject, "subject")
    if not subject:
        raise TicketError("a ticket needs a subject")
    description = check_text(description, "description")
    category = _check_choice(category, settings.categories, "category")
    department = _check_choice(department, settings.departments, "department")
    prio = parse_priority(priority)
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise TicketError(f"no customer with id {customer_id}")
    policy = policy_for(settings.sla, category, prio.value)
    response_due, resolve_due = due_times(now, policy)
    text = description
    if call:
        text = (text + "\n\n" if text else "") + describe_call(call)
    fields = dict(
        subject=subject[:MAX_SUBJECT],
        description=text or None,
        customer_id=customer_id,
        category=category,
        priority=prio,
        status=TicketStatus.NEW,
        department=department,
        assignee_id=_user_exists(session, assignee_id),
        created_by_id=actor_id,
        created_at=now,
        updated_at=now,
        response_due_at=response_due,
        resolve_due_at=resolve_due,
    )
    ticket = _insert_numbered(session, settings.number_prefix, now, fields)
    record_history(session, ticket, actor_id, "created", "status", None, "new", now)
    if ticket.assignee_id is not None or department:
        ticket.status = TicketStatus.ASSIGNED
        record_history(session, ticket, actor_id, "status", "status", "new", "assigned", now)
    if call and call.get("call_uuid"):
        link_call(session, ticket, str(call["call_uuid"]), actor_id, call.get("caller_number"), now)
    session.flush()
    return ticket


def get_ticket(session: Session, number: str) -> Ticket | None:
    """The ticket with ``number``, or None."""
    return session.scalar(select(Ticket).where(Ticket.number == number))


def _touch(ticket: Ticket, now: datetime) -> None:
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    ticket.updated_at = now


def apply_action(
    session: Session,
    ticket: Ticket,
    action: str,
    *,
    actor_id: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Move the ticket by workflow ``action`` (start, wait_customer, resume, resolve, close,
    reopen); a reason, when given, becomes a comment. Refusals raise WorkflowError."""
    now = now or utcnow()
    reason = check_text(reason, "reason")
    if action == "assign":
        raise TicketError("use assign() with an agent or department")
    old = TicketStatus(ticket.status)
    new = next_status(old, action, has_assignee=ticket.assignee_id is not None, reason=reason)
    ticket.status = new
    if new == TicketStatus.RESOLVED:
        ticket.resolved_at = now
    elif new == TicketStatus.CLOSED:
        ticket.closed_at = now
    elif action == "reopen":
        ticket.resolved_at = ticket.closed_at = None
    _touch(ticket, now)
    record_history(session, ticket, actor_id, action, "status", old.value, new.value, now)
    if reason.strip():
        session.add(
            TicketComment(ticket=ticket, author_id=actor_id, body=reason.strip(), created_at=now)
        )
    session.flush()
    return ticket


def assign(
    session: Session,
    ticket: Ticket,
    settings: Any,
    *,
    assignee_id: int | None = None,
    department: str | None = None,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Assign to an agent (user id) and/or a department; a new ticket becomes assigned."""
    now = now or utcnow()
    department = _check_choice(department, settings.departments, "department")
    assignee_id = _user_exists(session, assignee_id)
    old_status = TicketStatus(ticket.status)
    new_status = next_status(
        old_status, "assign", has_assignee=assignee_id is not None or department is not None
    )
    if assignee_id != ticket.assignee_id:
        record_history(
            session, ticket, actor_id, "assign", "assignee", ticket.assignee_id, assignee_id, now
        )
        ticket.assignee_id = assignee_id
    if department != ticket.department:
        record_history(
            session, ticket, actor_id, "assign", "department", ticket.department, department, now
        )
        ticket.department = department
    if new_status != old_status:
        record_history(
            session, ticket, actor_id, "status", "status", old_status.value, new_status.value, now
        )
        ticket.status = new_status
    ticket.updated_at = now
    session.flush()
    return ticket


def update_fields(
    session: Session,
    ticket: Ticket,
    settings: Any,
    *,
    actor_id: int | None = None,
    now: datetime | None = None,
    **fields: Any,
) -> Ticket:
    """Change subject, description, category, priority or customer_id; due times follow a
    change of category or priority (from the creation time)."""
    now = now or utcnow()
    if "category" in fields:
        fields["category"] = _check_choice(fields["category"], settings.categories, "category")
    if "priority" in fields:
        fields["priority"] = parse_priority(fields["priority"])
    for name in ("subject", "description"):
        if name in fields:
            fields[name] = check_text(fields[name], name) or None
    if "subject" in fields and not fields["subject"]:
        raise TicketError("a ticket needs a subject")
    for name in ("subject", "description", "category", "priority", "customer_id"):
        if name not in fields:
            continue
        value = fields[name]
        if value != getattr(ticket, name):
            old = getattr(ticket, name)
            record_history(
                session, ticket, actor_id, "update", name, _plain(old), _plain(value), now
            )
            setattr(ticket, name, value)
    if "category" in fields or "priority" in fields:
        policy = policy_for(settings.sla, ticket.category, TicketPriority(ticket.priority).value)
        ticket.response_due_at, ticket.resolve_due_at = due_times(ticket.created_at, policy)
    ticket.updated_at = now
    session.flush()
    return ticket


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, TicketPriority | TicketStatus) else value


def add_comment(
    session: Session,
    ticket: Ticket,
    body: str,
    *,
    actor_id: int | None = None,
    internal: bool = True,
    now: datetime | None = None,
) -> TicketComment:
    """Add a comment; the first one counts as the first response (stops escalation)."""
    now = now or utcnow()
    body = check_text(body, "comment")
    if not body:
        raise TicketError("a comment needs some text")
    comment = TicketComment(
        ticket=ticket, author_id=actor_id, body=body, internal=internal, created_at=now
    )
    session.add(comment)
    _touch(ticket, now)
    record_history(session, ticket, actor_id, "comment", None, None, body[:80], now)
    session.flush()
    return comment
