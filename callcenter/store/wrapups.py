"""What an agent noted in wrap-up about a call: a disposition code of the queue and notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.store.base import Base, utcnow

__all__ = ["CallWrapUp"]


class CallWrapUp(Base):
    """One agent's wrap-up of one call (by the caller leg's uuid: the call record may be
    written after the wrap-up)."""

    __tablename__ = "call_wrap_ups"
    __table_args__ = (UniqueConstraint("call_uuid", "agent_id", name="uq_call_wrap_up_agent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_uuid: Mapped[str] = mapped_column(String(64), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), doc="one of the queue's wrap_up_codes")
    notes: Mapped[str | None] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
