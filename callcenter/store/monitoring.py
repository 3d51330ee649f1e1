"""Supervisors' monitoring sessions (listen / whisper / barge on a live call), kept as audit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from callcenter.store.base import Base, utcnow

__all__ = [
    "MODES",
    "MonitorSession",
    "add_mode",
    "end_session",
    "mark_answered",
    "sessions_of_call",
]

MODES = ("listen", "whisper", "barge")
"""listen: silent; whisper: the agent hears the supervisor; barge: three-way."""


class MonitorSession(Base):
    """Who monitored which call, from when to when, in which modes (in order of use)."""

    __tablename__ = "monitor_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_uuid: Mapped[str] = mapped_column(String(64), index=True, doc="the caller leg's uuid")
    leg_uuid: Mapped[str] = mapped_column(String(64), unique=True, doc="the supervisor's leg")
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    username: Mapped[str] = mapped_column(String(64), doc="kept if the user is deleted")
    extension: Mapped[str] = mapped_column(String(64), doc="the phone that was rung")
    modes: Mapped[str] = mapped_column(Text, doc="modes used, comma-separated, in order")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(doc="the supervisor answered: listening")
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(64), doc="hangup cause or refusal")

    def mode_list(self) -> list[str]:
        """The modes used, in order."""
        return [mode for mode in self.modes.split(",") if mode]

    @property
    def mode(self) -> str:
        """The current (last chosen) mode."""
        modes = self.mode_list()
        return modes[-1] if modes else ""


def mark_answered(session: Session, leg_uuid: str, at: datetime) -> None:
    """The supervisor's phone answered (eavesdrop runs from now on)."""
    session.execute(
        update(MonitorSession)
        .where(MonitorSession.leg_uuid == leg_uuid, MonitorSession.answered_at.is_(None))
        .values(answered_at=at)
    )


def add_mode(session: Session, leg_uuid: str, mode: str) -> None:
    """Append ``mode`` to the session's modes (a repeat of the current one is not added)."""
    row = session.scalars(select(MonitorSession).where(MonitorSession.leg_uuid == leg_uuid)).first()
    if row is not None and row.mode != mode:
        row.modes = ",".join([*row.mode_list(), mode])


def end_session(session: Session, leg_uuid: str, at: datetime, reason: str) -> None:
    """The supervisor's leg is gone (hung up, not answered, or the call ended)."""
    session.execute(
        update(MonitorSession)
        .where(MonitorSession.leg_uuid == leg_uuid, MonitorSession.ended_at.is_(None))
        .values(ended_at=at, end_reason=reason[:64])
    )


def sessions_of_call(session: Session, call_uuid: str) -> list[MonitorSession]:
    """A call's monitoring sessions, oldest first."""
    return list(
        session.scalars(
            select(MonitorSession)
            .where(MonitorSession.call_uuid == call_uuid)
            .order_by(MonitorSession.requested_at, MonitorSession.id)
        )
    )
