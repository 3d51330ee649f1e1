"""The IVR path of each call as rows: every node visited, in order, and where the caller left."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.store.base import Base

__all__ = ["EXIT", "STEP_REPORT_COLUMNS", "IvrStep"]

EXIT = "exit"
"""The ``kind`` of a call's last row of one IVR run: ``value`` says how it ended there."""

STEP_REPORT_COLUMNS = ("flow", "at", "version", "node", "kind", "value", "destination",
                       "first_visit", "entered")  # fmt: skip
"""Covered by one index, so the funnel report reads a flow's range from the index alone."""


class IvrStep(Base):
    """One node a call visited in a flow (``kind`` = the node type), or where it left (exit)."""

    __tablename__ = "ivr_steps"
    __table_args__ = (
        UniqueConstraint("call_id", "seq", name="uq_ivr_steps_call_seq"),
        Index("ix_ivr_steps_flow_at", *STEP_REPORT_COLUMNS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    flow: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(doc="published version number; 0 for a flow file")
    seq: Mapped[int] = mapped_column(doc="1, 2, ... in the call's order")
    node: Mapped[str] = mapped_column(String(64), doc="the node's id in the flow")
    kind: Mapped[str] = mapped_column(String(16), doc="node type (menu, play, ...) or exit")
    value: Mapped[str] = mapped_column(
        String(200), doc="the choice / outcome; for exit: queue, transfer, hangup, gone, ..."
    )
    destination: Mapped[str | None] = mapped_column(String(128), doc="exit: queue or target")
    at: Mapped[datetime]
    first_visit: Mapped[bool] = mapped_column(doc="the call's first row at this node of the flow")
    entered: Mapped[bool] = mapped_column(doc="the call's first row in this flow")
