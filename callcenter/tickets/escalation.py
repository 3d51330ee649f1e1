"""SLA escalation over SQL: a ticket's SLA state, the open tickets due an escalation or
overdue, and applying the due levels (a history row each) as :class:`Escalation` alerts.

The clock itself is pure and lives in ``sla``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.store.base import utcnow
from callcenter.store.enums import TicketPriority
from callcenter.store.tickets import Ticket
from callcenter.tickets.common import record_history
from callcenter.tickets.sla import SlaState, evaluate, policy_for
from callcenter.tickets.workflow import OPEN_STATUSES

__all__ = ["Escalation", "due_escalations", "escalate_due", "sla_state"]


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


def sla_state(settings: Any, ticket: Ticket, now: datetime | None = None) -> SlaState:
    """The ticket's SLA state at ``now``."""
    policy = policy_for(settings.sla, ticket.category, TicketPriority(ticket.priority).value)
    return evaluate(ticket, policy, now or utcnow())


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
            record_history(
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
