"""Post-processing: a finished WAV becomes the configured format, with duration, size, SHA-256.

Paused stretches (``Recording.paused``) are silenced in the output, so card numbers read
while the agent had paused are not kept even if the switch went on writing audio.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from callcenter.config import RecordingSettings
from callcenter.recording import audio as audio_ops
from callcenter.recording.files import RecordingFileError, resolve_path, sha256_file, sibling
from callcenter.store.calls import Call, Recording

__all__ = ["ProcessResult", "pending_recordings", "process_pending", "process_recording"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ProcessResult:
    """What one post-processing run did to one recording."""

    recording_id: int
    path: str
    format: str
    duration_seconds: float
    size_bytes: int
    sha256: str
    source: Path | None  # the WAV to delete once the row is committed, if any


def pending_recordings(
    session: Session, since: datetime | None = None, call_uuid: str | None = None
) -> list[Recording]:
    """Recordings not yet post-processed (no SHA-256), not deleted, of calls that ended
    (only those of the call ``call_uuid`` if given)."""
    query = (
        select(Recording)
        .outerjoin(Call, Recording.call_id == Call.id)
        .where(Recording.sha256.is_(None), Recording.deleted_at.is_(None))
        .where((Recording.call_id.is_(None)) | (Call.ended_at.is_not(None)))
        .order_by(Recording.id)
    )
    if since is not None:
        query = query.where(Recording.created_at >= since)
    if call_uuid is not None:
        query = query.where(Call.uuid == call_uuid)
    return list(session.scalars(query))


def process_recording(recording: Recording, settings: RecordingSettings) -> ProcessResult:
    """Convert one recording and update its row (the caller commits, then deletes ``source``).

    Raises :class:`RecordingFileError` when the WAV is missing or outside the store.
    """
    source = resolve_path(settings.path, recording.path)
    target_format = settings.format
    audio = audio_ops.load(source)
    if recording.paused:
        audio = audio_ops.silence_stretches(audio, recording.paused)

    if target_format == "wav":
        new_path = recording.path
        if recording.paused:
            audio_ops.export_atomic(audio, source, "wav")
        dest, delete = source, None
    else:
        new_path = sibling(recording.path, f".{target_format}")
        dest = resolve_path(settings.path, new_path, must_exist=False)
        audio_ops.export_atomic(audio, dest, target_format, settings.bitrate)
        delete = None if settings.keep_wav else source

    result = ProcessResult(
        recording_id=recording.id,
        path=new_path,
        format=target_format,
        duration_seconds=round(len(audio) / 1000.0, 3),
        size_bytes=dest.stat().st_size,
        sha256=sha256_file(dest),
        source=delete,
    )
    recording.path = result.path
    recording.format = result.format
    recording.duration_seconds = result.duration_seconds
    recording.size_bytes = result.size_bytes
    recording.sha256 = result.sha256
    return result


def process_pending(
    sessions: sessionmaker[Session],
    settings: RecordingSettings,
    *,
    since: datetime | None = None,
    call_uuid: str | None = None,
    on_done: Callable[[ProcessResult | RecordingFileError], None] | None = None,
) -> list[ProcessResult]:
    """Post-process every pending recording (or the call's), committing each one before its
    WAV is deleted."""
    with sessions() as session:
        ids = [r.id for r in pending_recordings(session, since, call_uuid)]
    results: list[ProcessResult] = []
    for recording_id in ids:
        with sessions() as session:
            recording = session.get(Recording, recording_id)
            if recording is None or recording.sha256 is not None:
                continue  # another worker got there first
            try:
                result = process_recording(recording, settings)
            except RecordingFileError as exc:
                session.rollback()
                log.warning("recording_not_processed", recording_id=recording_id, error=str(exc))
                if on_done is not None:
                    on_done(exc)
                continue
            session.commit()
        if result.source is not None:
            result.source.unlink(missing_ok=True)
        log.info(
            "recording_processed",
            recording_id=recording_id,
            format=result.format,
            seconds=result.duration_seconds,
        )
        results.append(result)
        if on_done is not None:
            on_done(result)
    return results
