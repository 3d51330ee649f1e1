"""Retention: delete recording files older than N days, except flagged calls.

The index row stays (with ``deleted_at`` set) so the call record still says a recording
existed, and every deletion is an audit entry by ``system``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter.config import RecordingSettings
from callcenter.recording.files import RecordingFileError, resolve_path, sibling
from callcenter.store.base import utcnow
from callcenter.store.calls import Recording
from callcenter.store.repositories import audit

__all__ = ["RetentionResult", "apply_retention"]

log = structlog.get_logger(__name__)


@dataclass
class RetentionResult:
    """Which recordings lost their files, and how many old ones were kept for a flag."""

    deleted: list[int] = field(default_factory=list)
    kept_flagged: int = 0
    cutoff: datetime | None = None


def apply_retention(
    session: Session,
    settings: RecordingSettings,
    *,
    days: int | None = None,
    now: datetime | None = None,
) -> RetentionResult:
    """Delete the files of unflagged recordings created before ``now - days`` (caller commits).

    ``days`` defaults to ``recording.retention_days``; 0 keeps everything.
    """
    days = settings.retention_days if days is None else days
    result = RetentionResult()
    if days <= 0:
        return result
    cutoff = (now or utcnow()) - timedelta(days=days)
    result.cutoff = cutoff
    old = (Recording.deleted_at.is_(None), Recording.created_at < cutoff)
    result.kept_flagged = (
        session.scalar(
            select(func.count()).select_from(Recording).where(*old, Recording.flagged.is_(True))
        )
        or 0
    )
    for recording in session.scalars(select(Recording).where(*old, Recording.flagged.is_(False))):
        removed = []
        for stored in {recording.path, sibling(recording.path, ".wav")}:
            try:
                path = resolve_path(settings.path, stored, must_exist=False)
            except RecordingFileError as exc:
                log.warning("retention_path_refused", recording_id=recording.id, error=str(exc))
                continue
            if path.is_file():
                path.unlink()
                removed.append(stored)
        recording.deleted_at = now or utcnow()
        audit(
            session,
            "recording.retention_delete",
            object_type="recording",
            object_id=recording.id,
            detail={"path": recording.path, "files": sorted(removed), "days": days},
        )
        result.deleted.append(recording.id)
    session.flush()
    return result
