"""Tickets' follow-up callbacks and links to live calls by uuid.

A call's SQL record is written when the call ends, so a ticket made during the call is
linked by the call's uuid first (:class:`TicketCallRef`); the ``ticket_calls`` row follows
once the record exists (see ``call_links.materialise_call_links``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.store.base import Base, utcnow
from callcenter.store.tickets import Ticket
from callcenter.store.users import User

__all__ = ["CALLBACK_STATUSES", "TicketCallRef", "TicketCallback"]

CALLBACK_STATUSES = ("scheduled", "dialling", "done", "cancelled")


class TicketCallback(Base):
    """A follow-up call to make for a ticket: number, due time, and what came of it."""

    __tablename__ = "ticket_callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    note: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    dialled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dialled_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class TicketCallRef(Base):
    """A ticket's link to a call by FreeSWITCH uuid (the call may still be live)."""

    __tablename__ = "ticket_call_refs"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    call_uuid: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    caller_number: Mapped[str | None] = mapped_column(String(64))
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship()
