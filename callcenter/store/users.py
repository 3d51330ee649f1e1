"""Console users with roles, and the audit log of what they did."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.store.base import Base, utcnow
from callcenter.store.enums import Language, Role, enum_column

if TYPE_CHECKING:
    from callcenter.store.routing import Agent

__all__ = ["AuditLog", "User"]


class User(Base):
    """A console login: agent, supervisor or admin. Only a password hash is stored."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.AGENT)
    language: Mapped[Language] = mapped_column(enum_column(Language), default=Language.ZH)
    display_name: Mapped[str | None] = mapped_column(String(128))
    department: Mapped[str | None] = mapped_column(
        String(64), doc="team whose tickets the user sees (one of settings tickets.departments)"
    )
    extension: Mapped[str | None] = mapped_column(
        String(64), doc="the phone rung when the user monitors a call (supervisors)"
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    session_epoch: Mapped[int] = mapped_column(
        default=0,
        server_default="0",
        doc="raised to end every console session of the user (logout, new password, deactivation)",
    )

    agent: Mapped[Agent | None] = relationship(back_populates="user")

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, username={self.username!r}, role={self.role!r})"


class AuditLog(Base):
    """One thing somebody (or the system) did: who, what, to which object, when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(64), doc="username at the time, or 'system'")
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
