"""Ticket service on SQLite with a fixed clock: history rows, call links, callbacks, escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from callcenter.config import TicketSettings
from callcenter.store.repositories import create_user, insert_call
from callcenter.tickets import customers as cust
from callcenter.tickets import service as svc
from callcenter.tickets.call_links import linked_calls, materialise_pending_links
from callcenter.tickets.callbacks import record_callback_outcome, schedule_callback, start_callback
from callcenter.tickets.escalation import escalate_due
from callcenter.tickets.search import search_tickets
from callcenter.tickets.workflow import TicketError, WorkflowError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = TicketSettings()


def history(ticket) -> list[tuple]:  # noqa: ANN001
    return [(h.action, h.field, h.old_value, h.new_value) for h in ticket.history]


def test_workflow_writes_history_and_comments(db_session: Session) -> None:
    agent = create_user(db_session, "a1", "secret-1", "agent")
    customer = cust.create_customer(
        db_session, "Li Lei", ["138 0013 8000"], vip=True, tags="gold, vip"
    )
    ticket = svc.create_ticket(
        db_session,
        SETTINGS,
        subject="No signal",
        category="repair",
        priority="high",
        customer_id=customer.id,
        actor_id=agent.id,
        now=T0,
    )
    assert ticket.number == "T20260302-0001" and ticket.status == "new"
    assert ticket.resolve_due_at == T0 + timedelta(hours=48)
    svc.assign(db_session, ticket, SETTINGS, assignee_id=agent.id, actor_id=agent.id, now=T0)
    svc.apply_action(db_session, ticket, "start", actor_id=agent.id, now=T0 + timedelta(minutes=1))
    svc.apply_action(
        db_session,
        ticket,
        "resolve",
        actor_id=agent.id,
        reason="replaced the modem",
        now=T0 + timedelta(hours=1),
    )
    with pytest.raises(WorkflowError, match="resolve it first|cannot resolve"):
        svc.apply_action(db_session, ticket, "resolve", actor_id=agent.id)
    svc.apply_action(db_session, ticket, "reopen", actor_id=agent.id, reason="no signal again")
    db_session.refresh(ticket)
    assert history(ticket) == [
        ("created", "status", None, "new"),
        ("assign", "assignee", None, str(agent.id)),
        ("status", "status", "new", "assigned"),
        ("start", "status", "assigned", "in_progress"),
        ("resolve", "status", "in_progress", "resolved"),
        ("reopen", "status", "resolved", "in_progress"),
    ]
    assert [c.body for c in ticket.comments] == ["replaced the modem", "no signal again"]
    assert ticket.first_response_at == T0 + timedelta(minutes=1)
    assert all(h.actor_id == agent.id for h in ticket.history)


def test_customer_lookup_and_duplicate_numbers(db_session: Session) -> None:
    customer = cust.create_customer(db_session, "Han Mei", ["13800138000", "010-6000 1234"])
    assert cust.find_by_phone(db_session, "+8613800138000").id == customer.id
    assert cust.find_by_phone(db_session, "01060001234").id == customer.id
    assert cust.find_by_phone(db_session, "139") is None
    with pytest.raises(TicketError, match="already belongs to customer"):
        cust.create_customer(db_session, "Other", ["13800138000"])
    assert [c.name for c in cust.search_customers(db_session, "6000")] == ["Han Mei"]


def test_call_link_waits_for_the_record_and_callbacks(db_session: Session) -> None:
    ticket = svc.create_ticket(
        db_session,
        SETTINGS,
        subject="Bill",
        category="inquiry",
        call={
            "call_uuid": "u-1",
            "caller_number": "13800138000",
            "queue": "support",
            "ivr_path": ["menu", "billing"],
        },
        now=T0,
    )
    assert "queue: support" in ticket.description and "IVR: menu > billing" in ticket.description
    assert [c["recorded"] for c in linked_calls(db_session, ticket)] == [False]
    insert_call(db_session, "u-1", caller_number="13800138000")
    assert [c["recorded"] for c in linked_calls(db_session, ticket)] == [True]
    callback = schedule_callback(db_session, ticket, "13800138000", T0 + timedelta(hours=3), now=T0)
    start_callback(db_session, callback, now=T0 + timedelta(hours=3))
    record_callback_outcome(db_session, callback, "reached, explained the bill")
    assert callback.status == "done"
    assert ticket.comments[-1].body == "Callback 13800138000: reached, explained the bill"
    with pytest.raises(TicketError, match="already done"):
        record_callback_outcome(db_session, callback, "again")


def test_escalate_due_applies_levels_once(db_session: Session) -> None:
    ticket = svc.create_ticket(db_session, SETTINGS, subject="Rude", category="complaint", now=T0)
    assert escalate_due(db_session, SETTINGS, T0 + timedelta(minutes=10)) == []
    first = escalate_due(db_session, SETTINGS, T0 + timedelta(minutes=31))
    assert [(e.old_level, e.new_level, e.target) for e in first] == [(0, 1, "team supervisor")]
    again = escalate_due(db_session, SETTINGS, T0 + timedelta(minutes=40))
    assert [(e.old_level, e.new_level, e.response_overdue) for e in again] == [(1, 1, True)]
    escalate_due(db_session, SETTINGS, T0 + timedelta(minutes=61))
    assert ticket.escalation_level == 2
    assert [h.new_value for h in ticket.history if h.action == "escalate"] == ["1", "2"]
    overdue = search_tickets(db_session, overdue_at=T0 + timedelta(minutes=31))
    assert [t.number for t in overdue] == [ticket.number]


def test_cli_escalate_saves_levels_and_publishes_alerts(
    db_url: str, redis_url: str, redis_prefix: str
) -> None:
    from click.testing import CliRunner

    from callcenter.cli import main
    from callcenter.live.store import LiveStore
    from callcenter.store.base import utcnow
    from callcenter.store.session import session_scope
    from callcenter.tickets.alerts import TICKET_ALERTS

    with session_scope(db_url) as session:
        old = utcnow() - timedelta(minutes=90)
        svc.create_ticket(session, SETTINGS, subject="Rude", category="complaint", now=old)
    env = {
        "CALLCENTER_DATABASE__URL": db_url,
        "CALLCENTER_REDIS__URL": redis_url,
        "CALLCENTER_REDIS__PREFIX": redis_prefix,
        "CALLCENTER_CONFIG": None,
    }
    with LiveStore(redis_url, redis_prefix) as live, live.subscribe(TICKET_ALERTS) as alerts:
        result = CliRunner().invoke(main, ["tickets", "escalate"], env=env)
        assert result.exit_code == 0, result.output
        assert result.output.strip().endswith("1 escalated, 1 alerts, 1 published")
        message = alerts.get(timeout=5)
    alert = message.data["ticket_alert"]
    assert alert["level"] == 2 and alert["target"] == "manager" and alert["response_overdue"]
    again = CliRunner().invoke(main, ["tickets", "escalate", "--no-publish"], env=env)
    assert "0 escalated, 1 alerts, 0 published" in again.output


def test_pending_call_links_are_written_once_the_record_exists(db_session: Session) -> None:
    ticket = svc.create_ticket(
        db_session, SETTINGS, subject="From a live call", call={"call_uuid": "c-live"}, now=T0
    )
    assert materialise_pending_links(db_session) == 0  # the call is still live
    call = insert_call(db_session, "c-live", caller_number="13800138000", started_at=T0)
    insert_call(db_session, "c-other", caller_number="13800138001", started_at=T0)
    assert materialise_pending_links(db_session) == 1
    assert materialise_pending_links(db_session) == 0
    db_session.refresh(ticket)
    assert [link.call_id for link in ticket.call_links] == [call.id]
