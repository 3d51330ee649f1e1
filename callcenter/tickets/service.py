"""Ticket service over SQL: create, act on the workflow, assign, comment, link calls,
schedule callbacks, search, and apply due escalations. Every change writes TicketHistory.

Functions take the session and an explicit ``now`` (default: the wall clock) so tests can
fix time. They flush but do not commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from callcenter.store.base import utcnow
from callcenter.store.calls import Call
from callcenter.store.customers import Customer
from callcenter.store.enums import TicketPriority, TicketStatus
from callcenter.store.tickets import Ticket, TicketCall, TicketComment, TicketHistory
from callcenter.store.users import User
from callcenter.tickets.access import Viewer, visible_clause
from callcenter.tickets.models import TicketCallback, TicketCallRef
from callcenter.tickets.sla import SlaState, due_times, evaluate, policy_for
from callcenter.tickets.workflow import OPEN_STATUSES, TicketError, next_status

__all__ = [
    "Escalation",
    "add_comment",
    "apply_action",
    "assign",
    "create_ticket",
    "due_escalations",
    "escalate_due",
    "get_ticket",
    "link_call",
    "linked_calls",
    "materialise_call_links",
    "materialise_pending_links",
    "record_callback_outcome",
    "schedule_callback",
    "search_tickets",
    "sla_state",
    "start_callback",
    "update_fields",
]

MAX_SUBJECT = 255


@dataclass(frozen=True, slots=True)
class Escalation:
    """A ticket that climbed an escalation level (or is overdue) at one run."""

    number: str
    subject: str
    old_level: int
    new_level: int
    target: str
    assignee: str | None
    response_overdue: bool
    resolve_overdue: bool

    def as_alert(self) -> dict[str, Any]:
        """The JSON published on the ticket-alerts channel."""
        return {
            "number": self.number,
            "subject": self.subject,
            "level": self.new_level,
            "escalated": self.new_level > self.old_level,
            "target": self.target,
            "assignee": self.assignee,
            "response_overdue": self.response_overdue,
            "resolve_overdue": self.resolve_overdue,
        }


def _history(
    session: Session,
    ticket: Ticket,
    actor_id: int | None,
    action: str,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    now: datetime | None = None,
) -> TicketHistory:
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


def _check_choice(value: str | None, allowed: Sequence[str], what: str) -> str | None:
    if value in (None, ""):
        return None
    if value not in allowed:
        raise TicketError(f"unknown {what} {value!r}; use one of: {', '.join(allowed)}")
    return value


def _priority(value: str | None) -> TicketPriority:
    try:
        return TicketPriority(value or TicketPriority.NORMAL)
    except ValueError:
        raise TicketError(
            f"unknown priority {value!r}; use one of: {', '.join(p.value for p in TicketPriority)}"
        ) from None


def _next_number(session: Session, prefix: str, now: datetime) -> str:
    stem = f"{prefix}{now:%Y%m%d}-"
    count = session.scalar(select(func.count()).where(Ticket.number.like(stem + "%"))) or 0
    number = f"{stem}{count + 1:04d}"
    while session.scalar(select(Ticket.id).where(Ticket.number == number)) is not None:
        count += 1
        number = f"{stem}{count + 1:04d}"
    return number


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
    subject = (subject or "").strip()
    if not subject:
        raise TicketError("a ticket needs a subject")
    category = _check_choice(category, settings.categories, "category")
    department = _check_choice(department, settings.departments, "department")
    prio = _priority(priority)
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise TicketError(f"no customer with id {customer_id}")
    policy = policy_for(settings.sla, category, prio.value)
    response_due, resolve_due = due_times(now, policy)
    text = (description or "").strip()
    if call:
        text = (text + "\n\n" if text else "") + describe_call(call)
    ticket = Ticket(
        number=_next_number(session, settings.number_prefix, now),
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
    session.add(ticket)
    session.flush()
    _history(session, ticket, actor_id, "created", "status", None, "new", now)
    if ticket.assignee_id is not None or department:
        ticket.status = TicketStatus.ASSIGNED
        _history(session, ticket, actor_id, "status", "status", "new", "assigned", now)
    if call and call.get("call_uuid"):
        link_call(session, ticket, str(call["call_uuid"]), actor_id, call.get("caller_number"), now)
    session.flush()
    return ticket


def describe_call(call: dict[str, Any]) -> str:
    """The call's details as text for the ticket (caller, dialled, queue, wait, IVR path)."""
    parts = [f"Call {call.get('call_uuid', '')}"]
    for key, label in (
        ("caller_number", "caller"),
        ("dialled_number", "dialled"),
        ("queue", "queue"),
        ("wait_seconds", "wait s"),
        ("ivr_path", "IVR"),
        ("ivr_inputs", "inputs"),
    ):
        value = call.get(key)
        if value not in (None, "", [], {}):
            if isinstance(value, list | tuple):
                value = " > ".join(str(v) for v in value)
            elif isinstance(value, dict):
                value = ", ".join(f"{k}={v}" for k, v in value.items())
            parts.append(f"{label}: {value}")
    return "; ".join(parts)


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
    _history(session, ticket, actor_id, action, "status", old.value, new.value, now)
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
        _history(
            session, ticket, actor_id, "assign", "assignee", ticket.assignee_id, assignee_id, now
        )
        ticket.assignee_id = assignee_id
    if department != ticket.department:
        _history(
            session, ticket, actor_id, "assign", "department", ticket.department, department, now
        )
        ticket.department = department
    if new_status != old_status:
        _history(
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
        fields["priority"] = _priority(fields["priority"])
    if "subject" in fields and not (fields["subject"] or "").strip():
        raise TicketError("a ticket needs a subject")
    for name in ("subject", "description", "category", "priority", "customer_id"):
        if name not in fields:
            continue
        value = fields[name]
        if value != getattr(ticket, name):
            old = getattr(ticket, name)
            _history(session, ticket, actor_id, "update", name, _plain(old), _plain(value), now)
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
    body = (body or "").strip()
    if not body:
        raise TicketError("a comment needs some text")
    comment = TicketComment(
        ticket=ticket, author_id=actor_id, body=body, internal=internal, created_at=now
    )
    session.add(comment)
    _touch(ticket, now)
    _history(session, ticket, actor_id, "comment", None, None, body[:80], now)
    session.flush()
    return comment


def link_call(
    session: Session,
    ticket: Ticket,
    call_uuid: str,
    actor_id: int | None = None,
    caller_number: str | None = None,
    now: datetime | None = None,
) -> TicketCallRef:
    """Link a call (live or recorded) to the ticket by its uuid; linking twice is a no-op."""
    now = now or utcnow()
    call_uuid = (call_uuid or "").strip()
    if not call_uuid or len(call_uuid) > 64:
        raise TicketError("linking a call needs its uuid (at most 64 characters)")
    ref = session.get(TicketCallRef, (ticket.id, call_uuid))
    if ref is None:
        ref = TicketCallRef(
            ticket_id=ticket.id,
            call_uuid=call_uuid,
            caller_number=caller_number,
            linked_by_id=actor_id,
            linked_at=now,
        )
        session.add(ref)
        _history(session, ticket, actor_id, "link_call", "call", None, call_uuid, now)
    session.flush()
    materialise_call_links(session, ticket)
    return ref


def materialise_call_links(session: Session, ticket: Ticket) -> int:
    """Add ``ticket_calls`` rows for linked calls whose SQL record now exists; how many."""
    refs = session.scalars(select(TicketCallRef).where(TicketCallRef.ticket_id == ticket.id))
    uuids = [ref.call_uuid for ref in refs]
    if not uuids:
        return 0
    added = 0
    for call in session.scalars(select(Call).where(Call.uuid.in_(uuids))):
        if session.get(TicketCall, (ticket.id, call.id)) is None:
            session.add(TicketCall(ticket_id=ticket.id, call_id=call.id))
            added += 1
    session.flush()
    return added


def materialise_pending_links(session: Session) -> int:
    """Add ``ticket_calls`` rows for every call linked by uuid whose record now exists
    (a call linked while live is recorded when it ends); returns how many were added."""
    pending = (
        select(TicketCallRef.ticket_id, Call.id)
        .join(Call, Call.uuid == TicketCallRef.call_uuid)
        .outerjoin(
            TicketCall,
            (TicketCall.ticket_id == TicketCallRef.ticket_id) & (TicketCall.call_id == Call.id),
        )
        .where(TicketCall.call_id.is_(None))
    )
    rows = session.execute(pending).all()
    session.add_all(TicketCall(ticket_id=ticket_id, call_id=call_id) for ticket_id, call_id in rows)
    session.flush()
    return len(rows)


def linked_calls(session: Session, ticket: Ticket) -> list[dict[str, Any]]:
    """The ticket's calls: uuid, caller, start, disposition, talk time, recordings, live?"""
    materialise_call_links(session, ticket)
    refs = {
        r.call_uuid: r
        for r in session.scalars(select(TicketCallRef).where(TicketCallRef.ticket_id == ticket.id))
    }
    rows: dict[str, dict[str, Any]] = {}
    linked = select(TicketCall.call_id).where(TicketCall.ticket_id == ticket.id)
    for call in session.scalars(select(Call).where(Call.id.in_(linked))):
        rows[call.uuid] = {
            "call_uuid": call.uuid,
            "caller_number": call.caller_number,
            "dialled_number": call.dialled_number,
            "direction": str(call.direction),
            "started_at": call.started_at.isoformat(),
            "disposition": str(call.disposition) if call.disposition else None,
            "talk_seconds": call.talk_seconds,
            "ivr_path": list(call.ivr_path or []),
            # by index id, never by path: played at /recordings/<id>/audio (access checked)
            "recordings": [
                {"id": r.id, "format": r.format, "duration_seconds": r.duration_seconds}
                for r in call.recordings
                if r.deleted_at is None
            ],
            "recorded": True,
        }
    for uuid, ref in refs.items():
        rows.setdefault(
            uuid,
            {
                "call_uuid": uuid,
                "caller_number": ref.caller_number,
                "dialled_number": None,
                "direction": None,
                "started_at": ref.linked_at.isoformat(),
                "disposition": None,
                "talk_seconds": None,
                "ivr_path": [],
                "recordings": [],
                "recorded": False,
            },
        )
    return sorted(rows.values(), key=lambda r: r["started_at"], reverse=True)


def tickets_for_call(session: Session, call_uuid: str) -> list[Ticket]:
    """Tickets the call is linked to."""
    ids = select(TicketCallRef.ticket_id).where(TicketCallRef.call_uuid == call_uuid)
    return list(session.scalars(select(Ticket).where(Ticket.id.in_(ids))))


# -- callbacks -------------------------------------------------------------------------------


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
    from callcenter.tickets.customers import normalise_number

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
        note=(note or "").strip() or None,
        created_by_id=actor_id,
        created_at=now,
    )
    session.add(callback)
    session.flush()
    _history(
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
    """Mark the callback as being dialled (the console sent the dial command)."""
    now = now or utcnow()
    if callback.status not in ("scheduled", "dialling"):
        raise TicketError(f"callback #{callback.id} is {callback.status}; schedule a new one")
    callback.status = "dialling"
    callback.dialled_at = now
    callback.dialled_by_id = actor_id
    _history(
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
    outcome = (outcome or "").strip()
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
    _history(
        session, callback.ticket, actor_id, "callback_done", "callback", callback.id, outcome, now
    )
    session.flush()
    return callback


# -- queries and SLA -------------------------------------------------------------------------


def sla_state(settings: Any, ticket: Ticket, now: datetime | None = None) -> SlaState:
    """The ticket's SLA state at ``now``."""
    policy = policy_for(settings.sla, ticket.category, TicketPriority(ticket.priority).value)
    return evaluate(ticket, policy, now or utcnow())


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
) -> list[Ticket]:
    """Tickets matching every given filter; ``status='open'`` means any unresolved status;
    ``overdue_at`` keeps open tickets whose resolve due time is before it; ``visible_to``
    keeps the tickets that user may open (in SQL, before the limit). Newest first."""
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
        stmt = stmt.where(Ticket.priority == _priority(priority))
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
    return list(
        session.scalars(stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit))
    )


def due_escalations(
    session: Session, settings: Any, now: datetime
) -> list[tuple[Ticket, SlaState]]:
    """Open tickets whose SLA at ``now`` is overdue or asks for a higher escalation level."""
    out = []
    for ticket in session.scalars(select(Ticket).where(Ticket.status.in_(list(OPEN_STATUSES)))):
        state = sla_state(settings, ticket, now)
        if state.escalate_to is not None or state.overdue:
            out.append((ticket, state))
    return out


def escalate_due(session: Session, settings: Any, now: datetime | None = None) -> list[Escalation]:
    """Raise escalation levels that are due (history row each) and list overdue tickets."""
    now = now or utcnow()
    targets = list(settings.escalation_targets)
    result = []
    for ticket, state in due_escalations(session, settings, now):
        old = ticket.escalation_level
        if state.escalate_to is not None:
            ticket.escalation_level = state.escalate_to
            _history(
                session, ticket, None, "escalate", "escalation_level", old, state.escalate_to, now
            )
        level = ticket.escalation_level
        target = targets[min(level, len(targets)) - 1] if level and targets else ""
        result.append(
            Escalation(
                number=ticket.number,
                subject=ticket.subject,
                old_level=old,
                new_level=level,
                target=target,
                assignee=ticket.assignee.username if ticket.assignee else None,
                response_overdue=state.response_overdue,
                resolve_overdue=state.resolve_overdue,
            )
        )
    session.flush()
    return result
