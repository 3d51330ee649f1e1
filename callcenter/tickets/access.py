"""Who may open which ticket: one rule, as a Python predicate and as an SQL clause.

Supervisors and admins open every ticket. An agent opens:

* the tickets assigned to them, and the ones they created (the creator follows up on the
  ticket they opened from a call, whichever team it went to);
* every ticket of their department (``users.department``), assigned or not;
* tickets nobody has routed yet: no assignee and no department (the shared pool the
  hotline works from until somebody assigns them).

A ticket of another department, or assigned to another agent outside the agent's
department, is not theirs: left out of their lists and refused (403) on open.
The SQL clause is applied before the search's LIMIT, so an agent's list is never cut
short by tickets they may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from callcenter.store.tickets import Ticket

__all__ = ["Viewer", "can_open", "visible_clause"]

SEES_ALL = ("supervisor", "admin")


@dataclass(frozen=True, slots=True)
class Viewer:
    """The user looking at tickets: id, role and department (None: no department)."""

    user_id: int
    role: str
    department: str | None = None

    @property
    def sees_all(self) -> bool:
        """Supervisors and admins see every ticket."""
        return self.role in SEES_ALL


def can_open(viewer: Viewer, ticket: Any) -> bool:
    """Whether ``viewer`` may open, change and list ``ticket`` (see the module rule)."""
    if viewer.sees_all:
        return True
    if viewer.user_id in (ticket.assignee_id, ticket.created_by_id):
        return True
    if viewer.department and ticket.department == viewer.department:
        return True
    return ticket.assignee_id is None and ticket.department is None


def visible_clause(viewer: Viewer) -> ColumnElement[bool] | None:
    """The same rule as an SQL condition on ``tickets`` (None: no restriction)."""
    if viewer.sees_all:
        return None
    conditions: list[ColumnElement[bool]] = [
        Ticket.assignee_id == viewer.user_id,
        Ticket.created_by_id == viewer.user_id,
        and_(Ticket.assignee_id.is_(None), Ticket.department.is_(None)),
    ]
    if viewer.department:
        conditions.append(Ticket.department == viewer.department)
    return or_(*conditions)
