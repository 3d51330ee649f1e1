"""Transcripts of recordings: one row per recording, one segment per speaker turn."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.store.base import Base, utcnow
from callcenter.store.calls import Call, Recording

__all__ = ["Transcript", "TranscriptSegment"]


class Transcript(Base):
    """The transcript of one recording; ``text`` holds every turn for LIKE searches."""

    __tablename__ = "transcripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), unique=True
    )
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), index=True
    )
    model: Mapped[str] = mapped_column(String(128), doc="name of the vosk model used")
    text: Mapped[str] = mapped_column(Text, default="", doc="all turns, 'caller: ...' lines")
    sensitive_hits: Mapped[list[Any]] = mapped_column(
        default=list, doc="sensitive words found, as {word, speaker, start}"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recording: Mapped[Recording] = relationship()
    call: Mapped[Call | None] = relationship()
    segments: Mapped[list[TranscriptSegment]] = relationship(
        back_populates="transcript",
        cascade="all, delete-orphan",
        order_by="(TranscriptSegment.start_seconds, TranscriptSegment.id)",
    )


class TranscriptSegment(Base):
    """One turn: who spoke (caller = left channel, agent = right), when, and what."""

    __tablename__ = "transcript_segments"
    __table_args__ = (
        Index("ix_transcript_segments_transcript_start", "transcript_id", "start_seconds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"))
    speaker: Mapped[str] = mapped_column(String(16), doc="caller or agent")
    start_seconds: Mapped[float]
    end_seconds: Mapped[float]
    text: Mapped[str] = mapped_column(Text)

    transcript: Mapped[Transcript] = relationship(back_populates="segments")
