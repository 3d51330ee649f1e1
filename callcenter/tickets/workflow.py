"""Ticket status workflow: which action moves a ticket from which status to which.

new -> assigned -> in_progress -> pending_customer -> resolved -> closed, with reopen.
Pure: a refused action raises :class:`WorkflowError` whose message says why and what to do.
"""

from __future__ import annotations

from callcenter.store.enums import TicketStatus

__all__ = [
    "ACTIONS",
    "OPEN_STATUSES",
    "TicketError",
    "WorkflowError",
    "allowed_actions",
    "next_status",
]

S = TicketStatus

OPEN_STATUSES: frozenset[TicketStatus] = frozenset(
    {S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING_CUSTOMER}
)
UNTOUCHED_STATUSES: frozenset[TicketStatus] = frozenset({S.NEW, S.ASSIGNED})

# action -> (statuses it may start from, status it leads to; None = decided in next_status)
_RULES: dict[str, tuple[frozenset[TicketStatus], TicketStatus | None]] = {
    "assign": (frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING_CUSTOMER}), None),
    "start": (frozenset({S.NEW, S.ASSIGNED}), S.IN_PROGRESS),
    "wait_customer": (frozenset({S.IN_PROGRESS}), S.PENDING_CUSTOMER),
    "resume": (frozenset({S.PENDING_CUSTOMER}), S.IN_PROGRESS),
    "resolve": (frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING_CUSTOMER}), S.RESOLVED),
    "close": (frozenset({S.RESOLVED}), S.CLOSED),
    "reopen": (frozenset({S.RESOLVED, S.CLOSED}), None),
}
ACTIONS: tuple[str, ...] = tuple(_RULES)

_HINTS: dict[str, str] = {
    "close": "resolve it first",
    "wait_customer": "start working on it first",
    "resume": "it is not waiting for the customer",
    "start": "use resume for a ticket pending the customer, reopen for a resolved/closed one",
    "resolve": "reopen it if the problem came back",
    "assign": "reopen it first",
    "reopen": "only resolved or closed tickets can be reopened",
}


class TicketError(Exception):
    """A ticket or customer operation the user can fix failed; the message says what to do."""


class WorkflowError(TicketError):
    """An action the ticket's status (or the given data) does not allow; says why."""


def next_status(
    status: TicketStatus | str,
    action: str,
    *,
    has_assignee: bool = False,
    reason: str = "",
) -> TicketStatus:
    """The status after ``action``; raises :class:`WorkflowError` when it is not allowed.

    ``assign`` moves a new ticket to assigned and leaves other statuses alone;
    ``reopen`` needs a ``reason`` and returns to in_progress (assigned) or new (unassigned).
    """
    status = TicketStatus(status)
    rule = _RULES.get(action)
    if rule is None:
        raise WorkflowError(f"unknown ticket action {action!r}; use one of: {', '.join(ACTIONS)}")
    sources, target = rule
    if status not in sources:
        raise WorkflowError(
            f"cannot {action.replace('_', ' ')} a ticket that is {status.value}: "
            f"{_HINTS.get(action, 'not allowed')}"
        )
    if action == "assign":
        if not has_assignee:
            raise WorkflowError("assign needs an agent or a department")
        return S.ASSIGNED if status == S.NEW else status
    if action == "reopen":
        if not reason.strip():
            raise WorkflowError("reopen needs a reason: say why the problem is back")
        return S.IN_PROGRESS if has_assignee else S.NEW
    assert target is not None
    return target


def allowed_actions(status: TicketStatus | str) -> list[str]:
    """Actions (status buttons) the ticket's status allows, in workflow order."""
    status = TicketStatus(status)
    return [action for action, (sources, _) in _RULES.items() if status in sources]
