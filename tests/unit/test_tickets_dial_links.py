"""Calls dialled from a ticket (click-to-call naming the ticket) are linked to it once recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from callcenter.config import TicketSettings
from callcenter.store.repositories import add_call_event, insert_call
from callcenter.tickets import service as svc
from callcenter.tickets.call_links import linked_calls
from callcenter.tickets.dial_links import link_dialled_calls

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def dialled(session: Session, uuid: str, ticket: str, at: datetime) -> None:
    call = insert_call(
        session, uuid, caller_number="4000", dialled_number="13900139000", started_at=at
    )
    data = {"agent_id": "1000", "ticket": ticket, "dialled_number": "13900139000"}
    add_call_event(session, call, "outbound_call_arrived", data, ts=at)


def test_dialled_calls_are_linked_by_the_job_and_by_the_ticket_page(db_session: Session) -> None:
    settings = TicketSettings()
    first = svc.create_ticket(db_session, settings, subject="Router", now=T0)
    second = svc.create_ticket(db_session, settings, subject="Bill", now=T0)
    dialled(db_session, "d-1", first.number, T0 + timedelta(hours=1))
    dialled(db_session, "d-2", "T-NOPE", T0 + timedelta(hours=1))  # no such ticket
    dialled(db_session, "d-3", "", T0 + timedelta(hours=1))  # a plain click-to-call
    dialled(db_session, "d-4", second.number, T0 - timedelta(days=5))  # before the job's window
    insert_call(db_session, "in-1", caller_number="13900139000", started_at=T0)  # inbound

    # the periodic job: calls of the last two days, once
    assert link_dialled_calls(db_session, now=T0 + timedelta(hours=2)) == 1
    assert link_dialled_calls(db_session, now=T0 + timedelta(hours=2)) == 0
    (call,) = linked_calls(db_session, first)
    assert (call["call_uuid"], call["recorded"], call["dialled_number"]) == (
        "d-1",
        True,
        "13900139000",
    )
    assert [(h.action, h.actor_id, h.new_value) for h in first.history][-1] == (
        "link_call",
        None,
        "d-1",
    )
    # the ticket page looks for its own dialled calls, however old
    assert linked_calls(db_session, second) == []
    assert link_dialled_calls(db_session, second) == 1
    assert [c["call_uuid"] for c in linked_calls(db_session, second)] == ["d-4"]
    assert link_dialled_calls(db_session, second) == 0
