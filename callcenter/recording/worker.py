"""The transcription worker: pending recordings -> transcripts, flags and alerts.

Batch (``callcenter recordings transcribe``) or long-running, it is never on the call path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from callcenter.config import RecordingSettings
from callcenter.recording.files import RecordingFileError, resolve_path
from callcenter.recording.sensitive import alert_message, find_sensitive
from callcenter.recording.transcribe import Segment, Transcriber
from callcenter.store.calls import Call, Recording
from callcenter.store.repositories import audit
from callcenter.store.transcripts import Transcript, TranscriptSegment

__all__ = ["TranscribeOutcome", "pending_transcriptions", "save_transcript", "transcribe_pending"]

log = structlog.get_logger(__name__)

Publish = Callable[[dict[str, Any]], object]


@dataclass
class TranscribeOutcome:
    """What transcribing one recording produced."""

    recording_id: int
    segments: list[Segment] = field(default_factory=list)
    hits: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def pending_transcriptions(session: Session, since: datetime | None = None) -> list[int]:
    """Ids of recordings with a file, of ended calls, and no transcript yet, oldest first."""
    query = (
        select(Recording.id)
        .outerjoin(Call, Recording.call_id == Call.id)
        .outerjoin(Transcript, Transcript.recording_id == Recording.id)
        .where(Transcript.id.is_(None), Recording.deleted_at.is_(None))
        .where((Recording.call_id.is_(None)) | (Call.ended_at.is_not(None)))
        .order_by(Recording.id)
    )
    if since is not None:
        query = query.where(Recording.created_at >= since)
    return list(session.scalars(query))


def save_transcript(
    session: Session,
    recording: Recording,
    segments: Sequence[Segment],
    *,
    model: str,
    sensitive_words: Sequence[str] = (),
) -> Transcript:
    """Store (or replace) the recording's transcript; flag the recording on a sensitive word."""
    existing = session.scalar(select(Transcript).where(Transcript.recording_id == recording.id))
    if existing is not None:
        session.delete(existing)
        session.flush()
    hits = find_sensitive(segments, sensitive_words)
    transcript = Transcript(
        recording_id=recording.id,
        call_id=recording.call_id,
        model=model[:128],
        text="\n".join(f"{s.speaker}: {s.text}" for s in segments),
        sensitive_hits=hits,
        segments=[
            TranscriptSegment(
                speaker=s.speaker, start_seconds=s.start, end_seconds=s.end, text=s.text
            )
            for s in segments
        ],
    )
    session.add(transcript)
    if hits:
        recording.flagged = True
        words = sorted({hit["word"] for hit in hits})
        audit(
            session,
            "recording.flagged",
            object_type="recording",
            object_id=recording.id,
            detail={"reason": "sensitive_words", "words": words},
        )
    session.flush()
    return transcript


def transcribe_pending(
    sessions: sessionmaker[Session],
    settings: RecordingSettings,
    transcriber: Transcriber,
    *,
    since: datetime | None = None,
    ids: Sequence[int] | None = None,
    publish: Publish | None = None,
    on_done: Callable[[TranscribeOutcome], None] | None = None,
) -> list[TranscribeOutcome]:
    """Transcribe each pending recording (or ``ids``), commit, and publish alerts for hits."""
    if ids is None:
        with sessions() as session:
            ids = pending_transcriptions(session, since)
    outcomes: list[TranscribeOutcome] = []
    for recording_id in ids:
        outcome = TranscribeOutcome(recording_id)
        with sessions() as session:
            recording = session.get(Recording, recording_id)
            if recording is None:
                continue
            try:
                path = resolve_path(settings.path, recording.path)
                outcome.segments = transcriber.transcribe_file(path)
            except (RecordingFileError, OSError) as exc:
                outcome.error = str(exc)
                log.warning("transcription_failed", recording_id=recording_id, error=str(exc))
            else:
                transcript = save_transcript(
                    session,
                    recording,
                    outcome.segments,
                    model=transcriber.model_name,
                    sensitive_words=settings.sensitive_words,
                )
                outcome.hits = list(transcript.sensitive_hits)
                call_uuid = recording.call.uuid if recording.call is not None else None
                session.commit()
                log.info(
                    "recording_transcribed",
                    recording_id=recording_id,
                    call_uuid=call_uuid,
                    turns=len(outcome.segments),
                    sensitive=len(outcome.hits),
                )
                if outcome.hits and publish is not None:
                    publish(
                        alert_message(
                            recording_id=recording_id, call_uuid=call_uuid, hits=outcome.hits
                        )
                    )
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)
    return outcomes
