"""Canned answers and call scripts of a queue, shown to its agents beside the screen-pop."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.store.base import Base
from callcenter.store.routing import Queue

__all__ = ["CANNED_KINDS", "CannedAnswer"]

CANNED_KINDS = ("answer", "script")


class CannedAnswer(Base):
    """A queue's ready-made answer (``answer``) or the agent's guide for its calls (``script``)."""

    __tablename__ = "canned_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="answer", doc="answer or script")
    title: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0, doc="order on the desktop, lowest first")
    active: Mapped[bool] = mapped_column(default=True)

    queue: Mapped[Queue] = relationship()
