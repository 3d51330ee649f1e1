"""Admin-edited lists: the agents' not-ready reasons and named business-hours calendars."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.store.base import Base, utcnow

__all__ = ["Calendar", "NotReadyReason"]

DEFAULT_REASONS = ("break", "lunch", "meeting", "training")


class NotReadyReason(Base):
    """A reason an agent picks on the desktop when going not ready (``code`` is logged)."""

    __tablename__ = "not_ready_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(128), doc="shown instead of the code")
    position: Mapped[int] = mapped_column(default=0, doc="order on the desktop, lowest first")
    active: Mapped[bool] = mapped_column(default=True)


class Calendar(Base):
    """Named business hours and holidays a flow's ``schedule`` node can refer to."""

    __tablename__ = "calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    hours: Mapped[str] = mapped_column(Text, default="", doc="'mon-fri: 09:00-18:00' per line")
    holidays: Mapped[str] = mapped_column(Text, default="", doc="YYYY-MM-DD or MM-DD (A..B) a line")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
