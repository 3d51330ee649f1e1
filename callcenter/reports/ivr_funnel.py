"""The IVR funnel report: per flow over a period, how many callers reached each node, where
they left (hung up, to which queue or transfer, the flow ended) and the choices at each menu.

Computed from ``ivr_steps`` (written by the engine with each call record) with one grouped
SQL query over the covering index ``ix_ivr_steps_flow_at`` (per node, kind, value and exit);
the node rows are assembled from those few aggregate rows, never from the steps themselves.
"Reached" counts callers (a node visited twice by one caller - a menu retried - counts once:
the sum of the steps' ``first_visit``); choices count key presses.
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
    query = (
        select(IvrStep.node, IvrStep.kind, IvrStep.value, IvrStep.destination, func.count(),
               _count(IvrStep.first_visit), _count(IvrStep.entered))
        .where(*_where(flow, start, end, version))
        .group_by(IvrStep.node, IvrStep.kind, IvrStep.value, IvrStep.destination)
    )  # fmt: skip
    funnel = IvrFunnel(flow)
    rows: dict[str, dict[str, Any]] = {}
    for node, kind, value, destination, count, first, entered in session.execute(query):
        row = rows.setdefault(node, _row(node))  # one per node, value, exit: few result rows
        row["reached"] += int(first)
        funnel.callers += int(entered)
        if kind == EXIT:
            row[_LEFT.get(value, "ended")] += int(count)
            if destination:
                row["destinations"][destination] = row["destinations"].get(destination, 0) + count
            continue
        row["type"] = kind
        if kind in CHOICE_KINDS:
            row["choices"][value] = int(count)
    funnel.rows = sorted(rows.values(), key=lambda row: (-row["reached"], row["node"]))
    for row in funnel.rows:
        row["choices"] = dict(sorted(row["choices"].items()))
    return funnel


def _count(flag: Any) -> Any:
    return func.coalesce(func.sum(case((flag, 1), else_=0)), 0)


def _row(node: str) -> dict[str, Any]:
    return {"node": node, "type": "", "reached": 0, "hung_up": 0, "queued": 0, "transferred": 0,
            "ended": 0, "choices": {}, "destinations": {}}  # fmt: skip


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
