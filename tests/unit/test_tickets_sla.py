"""SLA clock with a fixed clock: due times, overdue marks, escalation levels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from callcenter.config import TicketSettings
from callcenter.store.enums import TicketStatus
from callcenter.tickets.sla import evaluate, policy_for

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RULES = TicketSettings().sla


@dataclass
class FakeTicket:
    status: TicketStatus = TicketStatus.NEW
    created_at: datetime = T0
    first_response_at: datetime | None = None
    escalation_level: int = 0
    response_due_at: datetime | None = None
    resolve_due_at: datetime | None = None


def test_policies_by_category_and_priority() -> None:
    complaint = policy_for(RULES, "complaint", "normal")
    assert complaint.escalations == (timedelta(minutes=30), timedelta(hours=1))
    assert complaint.resolve == timedelta(hours=24)
    assert policy_for(RULES, "repair", "low").resolve == timedelta(hours=48)
    assert policy_for(RULES, "inquiry", "urgent").response == timedelta(minutes=15)
    assert policy_for(RULES, "inquiry", "normal").resolve == timedelta(hours=24)


@pytest.mark.parametrize(
    ("minutes", "level", "response_overdue"),
    [(0, 0, False), (29, 0, False), (30, 1, True), (59, 1, True), (60, 2, True), (600, 2, True)],
)
def test_untouched_complaint_escalates_at_30_and_60_minutes(
    minutes: int, level: int, response_overdue: bool
) -> None:
    policy = policy_for(RULES, "complaint", "normal")
    state = evaluate(FakeTicket(), policy, T0 + timedelta(minutes=minutes))
    assert state.level == level
    assert state.escalate_to == (level or None)
    assert state.response_overdue is response_overdue
    assert state.response_due_at == T0 + timedelta(minutes=30)
    assert state.resolve_due_at == T0 + timedelta(hours=24)


def test_touched_ticket_stops_escalating_but_can_still_be_overdue() -> None:
    policy = policy_for(RULES, "complaint", "normal")
    ticket = FakeTicket(
        status=TicketStatus.IN_PROGRESS, first_response_at=T0 + timedelta(minutes=5)
    )
    later = evaluate(ticket, policy, T0 + timedelta(hours=2))
    assert later.level == 0 and later.escalate_to is None and not later.overdue
    late = evaluate(ticket, policy, T0 + timedelta(hours=25))
    assert late.resolve_overdue and late.escalate_to is None


def test_already_escalated_level_is_not_escalated_again_and_resolved_is_never_overdue() -> None:
    policy = policy_for(RULES, "complaint", "normal")
    state = evaluate(FakeTicket(escalation_level=1), policy, T0 + timedelta(minutes=45))
    assert state.level == 1 and state.escalate_to is None
    done = FakeTicket(status=TicketStatus.RESOLVED)
    assert not evaluate(done, policy, T0 + timedelta(days=9)).overdue


def test_stored_due_times_win() -> None:
    policy = policy_for(RULES, "inquiry", "normal")
    due = T0 + timedelta(hours=1)
    state = evaluate(FakeTicket(resolve_due_at=due), policy, T0 + timedelta(hours=2))
    assert state.resolve_due_at == due and state.resolve_overdue


def test_rules_without_catch_all_refuse() -> None:
    with pytest.raises(ValueError, match="catch-all"):
        policy_for(RULES[:1], "inquiry", "normal")
