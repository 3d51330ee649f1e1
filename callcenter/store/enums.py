"""Value sets stored in the database (values are the lowercase names from DESIGN.md)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum

from callcenter.acd.agents import AgentState  # one definition, owned by the domain

__all__ = [
    "AgentState",
    "CallDirection",
    "Disposition",
    "Language",
    "Role",
    "TicketPriority",
    "TicketStatus",
    "enum_column",
]


class Role(StrEnum):
    """What a console user may do."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Language(StrEnum):
    """Console language of a user."""

    ZH = "zh"
    EN = "en"


class CallDirection(StrEnum):
    """Which way a call goes."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class Disposition(StrEnum):
    """How a call ended."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    OVERFLOWED = "overflowed"
    VOICEMAIL = "voicemail"
    CALLBACK = "callback"
    IVR_COMPLETED = "ivr_completed"
    BLOCKED = "blocked"
    FAILED = "failed"


class TicketStatus(StrEnum):
    """Ticket workflow states."""

    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    PENDING_CUSTOMER = "pending_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class TicketPriority(StrEnum):
    """Ticket priority, lowest first."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


def enum_column(enum_cls: type[StrEnum]) -> Enum:
    """A VARCHAR(32) column type holding the enum's values, checked in Python, not by SQL.

    No CHECK constraint: adding a value later needs no table rebuild on SQLite.
    """
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )
