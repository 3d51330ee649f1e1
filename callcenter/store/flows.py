"""IVR flows in the database: each flow's versions (YAML text), the one published, and the
hotline numbers that run a flow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.store.base import Base, utcnow

__all__ = ["FlowVersion", "HotlineNumber", "IvrFlow"]


class IvrFlow(Base):
    """A flow by name; ``published`` is the number of the version the engine serves."""

    __tablename__ = "ivr_flows"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    published: Mapped[int | None] = mapped_column(doc="number of the published version")
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[FlowVersion]] = relationship(
        back_populates="flow", order_by="FlowVersion.number", cascade="all, delete-orphan"
    )


class FlowVersion(Base):
    """One saved text of a flow (never changed once saved; a later save is a new version)."""

    __tablename__ = "ivr_flow_versions"
    __table_args__ = (UniqueConstraint("flow_id", "number", name="uq_ivr_flow_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("ivr_flows.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(doc="1, 2, ... within the flow")
    yaml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), doc="hex digest of the YAML text")
    author: Mapped[str] = mapped_column(String(64), doc="username, or 'system'")
    comment: Mapped[str] = mapped_column(String(500), default="")
    valid: Mapped[bool] = mapped_column(doc="no problems when saved (only valid ones publish)")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    flow: Mapped[IvrFlow] = relationship(back_populates="versions")


class HotlineNumber(Base):
    """A dialled number and the flow it runs (replaces the setting ivr.numbers)."""

    __tablename__ = "hotline_numbers"

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    flow_name: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(String(200), default="")
