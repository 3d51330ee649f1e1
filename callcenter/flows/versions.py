"""Save, list, read and compare the versions of a flow kept in the database."""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter.flows.checking import FlowChecks, check_text
from callcenter.flows.errors import FlowNotFound, FlowStoreError
from callcenter.ivr.errors import Problem
from callcenter.ivr.loader import Draft
from callcenter.store.flows import FlowVersion, IvrFlow

__all__ = [
    "FLOW_NAME",
    "SavedVersion",
    "diff_versions",
    "find_flow",
    "get_version",
    "list_flows",
    "list_versions",
    "save_version",
    "version_dict",
]

FLOW_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
MAX_COMMENT = 500


@dataclass
class SavedVersion:
    """A version just saved and the problems found in it (none: it may be published)."""

    version: FlowVersion
    problems: list[Problem]


def find_flow(session: Session, name: str) -> IvrFlow:
    """The flow named ``name``; :class:`FlowNotFound` if there is none."""
    flow = session.scalar(select(IvrFlow).where(IvrFlow.name == name))
    if flow is None:
        raise FlowNotFound(f"no flow named {name!r}")
    return flow


def get_version(session: Session, name: str, number: int) -> FlowVersion:
    """Version ``number`` of flow ``name``; :class:`FlowNotFound` if there is none."""
    flow = find_flow(session, name)
    version = session.scalar(
        select(FlowVersion).where(FlowVersion.flow_id == flow.id, FlowVersion.number == number)
    )
    if version is None:
        raise FlowNotFound(f"flow {name!r} has no version {number}")
    return version


def save_version(
    session: Session,
    name: str,
    text: str,
    *,
    author: str,
    comment: str = "",
    checks: FlowChecks = FlowChecks(),
    others: dict[str, Draft] | None = None,
) -> SavedVersion:
    """Save ``text`` as the next version of flow ``name`` (made if new), problems or not."""
    if not FLOW_NAME.match(name):
        raise FlowStoreError(
            f"bad flow name {name!r}: a letter, then letters, digits, _ or - (64 at most)"
        )
    if len(comment) > MAX_COMMENT:
        raise FlowStoreError(f"the comment is longer than {MAX_COMMENT} characters")
    problems = check_text(session, name, text, checks, others)
    flow = session.scalar(select(IvrFlow).where(IvrFlow.name == name))
    if flow is None:
        flow = IvrFlow(name=name)
        session.add(flow)
        session.flush()
    last = session.scalar(
        select(func.max(FlowVersion.number)).where(FlowVersion.flow_id == flow.id)
    )
    version = FlowVersion(
        flow_id=flow.id,
        number=(last or 0) + 1,
        yaml=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        author=author,
        comment=comment,
        valid=not problems,
    )
    session.add(version)
    session.flush()
    return SavedVersion(version, problems)


def list_flows(session: Session) -> list[dict[str, Any]]:
    """Every flow: name, active, published version, newest version."""
    newest = dict(
        session.execute(
            select(FlowVersion.flow_id, func.max(FlowVersion.number)).group_by(FlowVersion.flow_id)
        ).all()
    )
    return [
        {
            "name": flow.name,
            "active": flow.active,
            "published": flow.published,
            "published_at": flow.published_at.isoformat() if flow.published_at else None,
            "newest": newest.get(flow.id),
        }
        for flow in session.scalars(select(IvrFlow).order_by(IvrFlow.name))
    ]


def version_dict(version: FlowVersion, *, text: bool = False) -> dict[str, Any]:
    """A version as JSON (its YAML text only when ``text``)."""
    out: dict[str, Any] = {
        "number": version.number,
        "author": version.author,
        "comment": version.comment,
        "created_at": version.created_at.isoformat(),
        "sha256": version.sha256,
        "valid": version.valid,
        "published": version.flow.published == version.number,
    }
    if text:
        out["yaml"] = version.yaml
    return out


def list_versions(session: Session, name: str) -> list[FlowVersion]:
    """The versions of flow ``name``, newest first."""
    flow = find_flow(session, name)
    return list(
        session.scalars(
            select(FlowVersion)
            .where(FlowVersion.flow_id == flow.id)
            .order_by(FlowVersion.number.desc())
        )
    )


def diff_versions(session: Session, name: str, old: int, new: int) -> str:
    """A unified diff from version ``old`` to version ``new`` of flow ``name``."""
    before, after = get_version(session, name, old), get_version(session, name, new)
    lines = difflib.unified_diff(
        before.yaml.splitlines(keepends=True),
        after.yaml.splitlines(keepends=True),
        fromfile=f"{name} v{old}",
        tofile=f"{name} v{new}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
