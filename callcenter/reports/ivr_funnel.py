"""The IVR funnel report: per flow over a period, how many callers reached each node, where
they left (hung up, to which queue or transfer, the flow ended) and the choices at each menu.

Computed from ``ivr_steps`` (written by the engine with each call record) with three grouped
SQL queries over the covering index ``ix_ivr_steps_flow_at``; the rows are assembled from the
aggregates, never from the steps themselves. "Reached" counts callers (a node visited twice
by one caller - a menu retried - counts once); choices count key presses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, text
from sqlalchemy.orm import Session

from callcenter.store.ivr_steps import EXIT, IvrStep

__all__ = ["CHOICE_KINDS", "FUNNEL_COLUMNS", "IvrFunnel", "flows_recorded", "ivr_funnel"]

FUNNEL_COLUMNS = ("node", "type", "reached", "hung_up", "queued", "transferred", "ended",
                  "choices", "destinations")  # fmt: skip
CHOICE_KINDS = ("menu", "speech", "survey")  # nodes whose values are the caller's choices
_LEFT = {"gone": "hung_up", "queue": "queued", "transfer": "transferred"}  # else: ended


@dataclass
class IvrFunnel:
    """One flow's funnel: callers who entered it and a row of :data:`FUNNEL_COLUMNS` per node."""

    flow: str
    callers: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)


def ivr_funnel(
    session: Session, flow: str, start: datetime, end: datetime, version: int | None = None
) -> IvrFunnel:
    """The funnel of ``flow`` (one published ``version``, or all) for steps in [start, end)."""
    where = _where(flow, start, end, version)
    callers = session.scalar(select(func.count(func.distinct(IvrStep.call_id))).where(*where))
    node_type = func.max(case((IvrStep.kind != EXIT, IvrStep.kind)))
    reached = func.count(func.distinct(IvrStep.call_id))
    nodes = session.execute(
        select(IvrStep.node, node_type, reached).where(*where).group_by(IvrStep.node)
        .order_by(reached.desc(), IvrStep.node)
    ).all()  # fmt: skip
    rows = {
        node: {"node": node, "type": kind or "", "reached": int(count), "hung_up": 0,
               "queued": 0, "transferred": 0, "ended": 0, "choices": {}, "destinations": {}}
        for node, kind, count in nodes
    }  # fmt: skip
    exits = session.execute(
        select(IvrStep.node, IvrStep.value, IvrStep.destination, func.count())
        .where(*where, IvrStep.kind == EXIT)
        .group_by(IvrStep.node, IvrStep.value, IvrStep.destination)
    )  # fmt: skip
    for node, outcome, destination, count in exits:
        row = rows[node]
        row[_LEFT.get(outcome, "ended")] += int(count)
        if destination:
            row["destinations"][destination] = row["destinations"].get(destination, 0) + count
    choices = session.execute(
        select(IvrStep.node, IvrStep.value, func.count())
        .where(*where, IvrStep.kind.in_(CHOICE_KINDS))
        .group_by(IvrStep.node, IvrStep.value)
        .order_by(IvrStep.node, IvrStep.value)
    )  # fmt: skip
    for node, value, count in choices:
        rows[node]["choices"][value] = int(count)
    return IvrFunnel(flow, int(callers or 0), list(rows.values()))


def _where(
    flow: str, start: datetime, end: datetime, version: int | None
) -> list[ColumnElement[bool]]:
    conditions = [IvrStep.flow == flow, IvrStep.at >= start, IvrStep.at < end]
    if version is not None:
        conditions.append(IvrStep.version == version)
    return conditions


# A loose index scan: each next flow name is one index lookup (SQLite and PostgreSQL alike).
_FLOWS = text(
    "WITH RECURSIVE f(name) AS ("
    " SELECT MIN(flow) FROM ivr_steps"
    " UNION ALL SELECT (SELECT MIN(flow) FROM ivr_steps WHERE flow > f.name)"
    " FROM f WHERE f.name IS NOT NULL)"
    " SELECT name FROM f WHERE name IS NOT NULL"
)


def flows_recorded(session: Session) -> list[str]:
    """Names of the flows that have recorded steps, in order."""
    return [str(name) for (name,) in session.execute(_FLOWS)]
