"""Calls linked to tickets: by uuid while live (``ticket_call_refs``), then as
``ticket_calls`` rows once the call's SQL record exists; the calls of a ticket and the
tickets of a call; a call's details as ticket text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.store.base import utcnow
from callcenter.store.calls import Call
from callcenter.store.ticket_links import TicketCallRef
from callcenter.store.tickets import Ticket, TicketCall
from callcenter.tickets.common import record_history
from callcenter.tickets.workflow import TicketError

__all__ = [
    "describe_call",
    "link_call",
    "linked_calls",
    "materialise_call_links",
    "materialise_pending_links",
    "tickets_for_call",
]


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
        record_history(session, ticket, actor_id, "link_call", "call", None, call_uuid, now)
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
