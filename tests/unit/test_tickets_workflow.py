"""Ticket workflow: allowed moves, refusals with reasons, reopen."""

from __future__ import annotations

import pytest

from callcenter.store.enums import TicketStatus as S
from callcenter.tickets.workflow import WorkflowError, allowed_actions, next_status


def test_happy_path_new_to_closed() -> None:
    status = next_status(S.NEW, "assign", has_assignee=True)
    assert status == S.ASSIGNED
    for action, expected in [
        ("start", S.IN_PROGRESS),
        ("wait_customer", S.PENDING_CUSTOMER),
        ("resume", S.IN_PROGRESS),
        ("resolve", S.RESOLVED),
        ("close", S.CLOSED),
    ]:
        status = next_status(status, action, has_assignee=True)
        assert status == expected


def test_reopen_needs_a_reason_and_goes_back_to_work() -> None:
    assert next_status(S.CLOSED, "reopen", has_assignee=True, reason="again") == S.IN_PROGRESS
    assert next_status(S.RESOLVED, "reopen", reason="again") == S.NEW
    with pytest.raises(WorkflowError, match="reopen needs a reason"):
        next_status(S.CLOSED, "reopen", reason=" ")


@pytest.mark.parametrize(
    ("status", "action", "reason"),
    [
        (S.IN_PROGRESS, "close", "cannot close a ticket that is in_progress: resolve it first"),
        (S.NEW, "wait_customer", "start working on it first"),
        (S.CLOSED, "start", "cannot start a ticket that is closed"),
        (S.IN_PROGRESS, "reopen", "only resolved or closed"),
        (S.CLOSED, "assign", "reopen it first"),
        (S.NEW, "dance", "unknown ticket action 'dance'"),
    ],
)
def test_refusals_say_why(status: S, action: str, reason: str) -> None:
    with pytest.raises(WorkflowError, match=reason):
        next_status(status, action, has_assignee=True, reason="x")


def test_assign_needs_someone() -> None:
    with pytest.raises(WorkflowError, match="needs an agent or a department"):
        next_status(S.NEW, "assign")
    assert next_status(S.IN_PROGRESS, "assign", has_assignee=True) == S.IN_PROGRESS


def test_allowed_actions_are_the_status_buttons() -> None:
    assert allowed_actions(S.RESOLVED) == ["close", "reopen"]
    assert allowed_actions(S.PENDING_CUSTOMER) == ["assign", "resume", "resolve"]
