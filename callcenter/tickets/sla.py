"""SLA clock: due times, overdue marks and escalation levels as pure functions of time.

A policy comes from the first matching rule of the ``tickets.sla`` settings. Escalation:
a ticket left untouched (no first response, status new/assigned) climbs one level at each
of the policy's escalation times after creation (e.g. complaint: team supervisor at 30 min,
manager at 1 h).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from callcenter.store.enums import TicketStatus
from callcenter.tickets.workflow import OPEN_STATUSES, UNTOUCHED_STATUSES

__all__ = ["SlaPolicy", "SlaState", "TicketClockFacts", "due_times", "evaluate", "policy_for"]


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Response / resolve times and escalation thresholds for one kind of ticket."""

    name: str
    response: timedelta
    resolve: timedelta
    escalations: tuple[timedelta, ...] = ()


class TicketClockFacts(Protocol):
    """What the SLA clock reads from a ticket (the SQL row satisfies it)."""

    status: Any
    created_at: datetime
    first_response_at: datetime | None
    escalation_level: int
    response_due_at: datetime | None
    resolve_due_at: datetime | None


@dataclass(frozen=True, slots=True)
class SlaState:
    """A ticket's SLA at one moment."""

    response_due_at: datetime
    resolve_due_at: datetime
    response_overdue: bool
    resolve_overdue: bool
    level: int  # the escalation level the ticket should be at now
    escalate_to: int | None  # a new level to apply, or None

    @property
    def overdue(self) -> bool:
        """Either due time has passed without the work being done."""
        return self.response_overdue or self.resolve_overdue


def _matches(value: str, pattern: str) -> bool:
    return pattern in ("*", "") or value == pattern


def policy_for(rules: Sequence[Any], category: str | None, priority: str | None) -> SlaPolicy:
    """The policy of the first rule matching (category, priority); rules are settings objects
    with category, priority, response_minutes, resolve_hours, escalate_after_minutes."""
    for rule in rules:
        if _matches(category or "", rule.category) and _matches(priority or "", rule.priority):
            return SlaPolicy(
                name=f"{rule.category}/{rule.priority}",
                response=timedelta(minutes=rule.response_minutes),
                resolve=timedelta(hours=rule.resolve_hours),
                escalations=tuple(timedelta(minutes=m) for m in rule.escalate_after_minutes),
            )
    raise ValueError(
        f"no SLA rule matches category {category!r} / priority {priority!r}; "
        "end tickets.sla with a catch-all rule (category '*', priority '*')"
    )


def due_times(created_at: datetime, policy: SlaPolicy) -> tuple[datetime, datetime]:
    """(response due, resolve due) for a ticket created at ``created_at``."""
    return created_at + policy.response, created_at + policy.resolve


def evaluate(ticket: TicketClockFacts, policy: SlaPolicy, now: datetime) -> SlaState:
    """The ticket's SLA at ``now``: due times (stored ones win), overdue flags, escalation."""
    status = TicketStatus(ticket.status)
    computed_response, computed_resolve = due_times(ticket.created_at, policy)
    response_due = ticket.response_due_at or computed_response
    resolve_due = ticket.resolve_due_at or computed_resolve
    untouched = ticket.first_response_at is None and status in UNTOUCHED_STATUSES
    is_open = status in OPEN_STATUSES
    level = ticket.escalation_level
    if untouched:
        age = now - ticket.created_at
        level = max(level, sum(1 for after in policy.escalations if age >= after))
    return SlaState(
        response_due_at=response_due,
        resolve_due_at=resolve_due,
        response_overdue=untouched and now >= response_due,
        resolve_overdue=is_open and now >= resolve_due,
        level=level,
        escalate_to=level if level > ticket.escalation_level else None,
    )
