"""Check a flow's YAML text with the same checks as ``callcenter ivr validate``; the flow's
name stands where a file name would be in each problem."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.ivr.checks import Checks, check_draft, internal_problem
from callcenter.ivr.errors import Problem
from callcenter.ivr.limits import FlowLimits
from callcenter.ivr.loader import Draft, parse_flow
from callcenter.store.flows import FlowVersion, IvrFlow
from callcenter.store.routing import Queue

__all__ = ["FlowChecks", "check_text", "parse_text", "published_nodes"]


@dataclass(frozen=True)
class FlowChecks:
    """What checking a flow needs beyond its text: the prompts folder and the size limits."""

    prompts_dir: Path | None = None
    limits: FlowLimits = FlowLimits()


def parse_text(name: str, text: str, limits: FlowLimits = FlowLimits()) -> Draft:
    """The draft of a flow's text; an unexpected failure is its one problem, never raised."""
    try:
        return parse_flow(text, name, limits)
    except Exception as exc:  # the last guard
        draft = Draft(name)
        draft.problems.append(internal_problem(name, exc))
        return draft


def published_nodes(
    session: Session, name: str, limits: FlowLimits = FlowLimits()
) -> Collection[str] | None:
    """Node ids of the published version of flow ``name``; None if it has none."""
    text = session.scalar(
        select(FlowVersion.yaml)
        .join(IvrFlow, FlowVersion.flow_id == IvrFlow.id)
        .where(IvrFlow.name == name, IvrFlow.active, FlowVersion.number == IvrFlow.published)
    )
    if text is None:
        return None
    draft = parse_text(name, text, limits)
    return draft.node_ids if draft.name == name else None


def check_text(
    session: Session,
    name: str,
    text: str,
    checks: FlowChecks = FlowChecks(),
    others: dict[str, Draft] | None = None,
) -> list[Problem]:
    """Every problem of ``text`` as flow ``name`` (queues and other flows from the database)."""
    draft = parse_text(name, text, checks.limits)
    queues = set(session.scalars(select(Queue.name)))

    def flow_nodes(other: str) -> Collection[str] | None:
        if other == name:
            return draft.node_ids
        if others and other in others:
            return others[other].node_ids
        return published_nodes(session, other, checks.limits)

    try:
        problems = check_draft(draft, Checks(checks.prompts_dir, queues or None, flow_nodes))
    except Exception as exc:  # the last guard: reported, never raised
        problems = [internal_problem(name, exc)]
    if draft.name is not None and draft.name != name:
        message = f"the flow is saved as '{name}' but its text says name: {draft.name}"
        problems.append(Problem.at(name, draft.name_pos, message))
    return sorted(set(problems), key=lambda p: (p.line, p.column, p.message))
