"""Audit entries of admin changes (before -> after) and the audit log search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.store.repositories import audit
from callcenter.store.users import AuditLog, User


def record(
    session: Session,
    actor: User | str | None,
    action: str,
    object_type: str,
    object_id: int | str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditLog:
    """One audit row: who (``actor``: a user, or a name such as ``cli:alice``), what, which
    object, ``before`` and ``after`` values."""
    detail = {"before": _plain(before), "after": _plain(after)}
    user, name = (None, actor) if isinstance(actor, str) else (actor, None)
    return audit(
        session,
        action,
        user=user,
        actor=name,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )


def _plain(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


@dataclass(frozen=True)
class AuditFilter:
    """Audit rows by actor name, object type, object id and day range (UTC, inclusive)."""

    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    day_from: date | None = None
    day_to: date | None = None


def search(session: Session, wanted: AuditFilter, offset: int, limit: int) -> list[dict[str, Any]]:
    """Matching audit rows, newest first."""
    stmt = select(AuditLog)
    if wanted.actor:
        stmt = stmt.where(AuditLog.actor == wanted.actor)
    if wanted.object_type:
        stmt = stmt.where(AuditLog.object_type == wanted.object_type)
    if wanted.object_id:
        stmt = stmt.where(AuditLog.object_id == wanted.object_id)
    if wanted.day_from:
        stmt = stmt.where(AuditLog.ts >= datetime.combine(wanted.day_from, time(0), tzinfo=UTC))
    if wanted.day_to:
        end = datetime.combine(wanted.day_to + timedelta(days=1), time(0), tzinfo=UTC)
        stmt = stmt.where(AuditLog.ts < end)
    stmt = stmt.order_by(AuditLog.ts.desc(), AuditLog.id.desc()).offset(offset).limit(limit)
    return [
        {
            "id": row.id,
            "ts": row.ts,
            "actor": row.actor,
            "action": row.action,
            "object_type": row.object_type or "",
            "object_id": row.object_id or "",
            "before": (row.detail or {}).get("before"),
            "after": (row.detail or {}).get("after"),
            "detail": row.detail or {},
        }
        for row in session.scalars(stmt)
    ]


def object_types(session: Session) -> list[str]:
    """The object types that have audit rows (for the filter's choices)."""
    stmt = select(AuditLog.object_type).distinct().where(AuditLog.object_type.is_not(None))
    return sorted(t for t in session.scalars(stmt) if t)
