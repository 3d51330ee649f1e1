"""Call records, their event timeline, and the recordings index."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.store.base import Base, utcnow
from callcenter.store.enums import CallDirection, Disposition, enum_column

if TYPE_CHECKING:
    from callcenter.store.routing import Agent, Queue

__all__ = ["Call", "CallAgentLeg", "CallCorrection", "CallEvent", "Recording", "answered_agents"]


REPORT_COLUMNS = (
    "started_at",
    "queue_id",
    "disposition",
    "answered_at",
    "wait_seconds",
    "talk_seconds",
    "wrap_up_seconds",
    "agent_id",
    "hold_seconds",
    "survey_score",
)
LEG_REPORT_COLUMNS = ("offered_at", "agent_id", "outcome", "role", "talk_seconds", "call_id",
                      "position")  # fmt: skip


class Call(Base):
    """The record of one call, keyed by the caller leg's FreeSWITCH uuid."""

    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_queue_started", "queue_id", "started_at"),
        Index("ix_calls_agent_started", "agent_id", "started_at"),
        Index("ix_calls_started_queue", *REPORT_COLUMNS),  # covers the reports (0015)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[CallDirection] = mapped_column(
        enum_column(CallDirection), default=CallDirection.INBOUND
    )
    caller_number: Mapped[str | None] = mapped_column(String(64), index=True)
    caller_name: Mapped[str | None] = mapped_column(String(128))
    dialled_number: Mapped[str | None] = mapped_column(String(64))
    node: Mapped[str | None] = mapped_column(String(64), doc="engine node that owned the call")

    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    enqueued_at: Mapped[datetime | None]
    offered_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    wait_seconds: Mapped[float | None]
    ring_seconds: Mapped[float | None]
    talk_seconds: Mapped[float | None]
    hold_seconds: Mapped[float | None]
    wrap_up_seconds: Mapped[float | None]

    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id", ondelete="SET NULL"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    disposition: Mapped[Disposition | None] = mapped_column(enum_column(Disposition))
    hangup_cause: Mapped[str | None] = mapped_column(String(64), doc="e.g. NORMAL_CLEARING")
    hangup_by: Mapped[str | None] = mapped_column(String(16), doc="caller, agent or system")
    ivr_path: Mapped[list[Any]] = mapped_column(default=list, doc="IVR nodes visited, in order")
    survey_score: Mapped[int | None]

    queue: Mapped[Queue | None] = relationship()
    agent: Mapped[Agent | None] = relationship()
    events: Mapped[list[CallEvent]] = relationship(
        back_populates="call",
        cascade="all, delete-orphan",
        order_by="(CallEvent.ts, CallEvent.id)",
    )
    recordings: Mapped[list[Recording]] = relationship(back_populates="call")
    agent_legs: Mapped[list[CallAgentLeg]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="CallAgentLeg.position"
    )
    corrections: Mapped[list[CallCorrection]] = relationship(
        back_populates="call", order_by="CallCorrection.id"
    )

    def __repr__(self) -> str:
        return f"Call(id={self.id!r}, uuid={self.uuid!r}, disposition={self.disposition!r})"

    def answered_agents(self) -> list[str]:
        """Numbers of the agents who talked with the caller, in order (from the timeline)."""
        return answered_agents((e.type, e.data) for e in self.events)

    def transfers(self) -> list[dict[str, Any]]:
        """Transfers and consultations of the call, in order (from the timeline)."""
        out: list[dict[str, Any]] = []
        for event in self.events:
            data = event.data or {}
            at = event.ts.isoformat() if event.ts else None
            if event.type == "call_transferred":
                kind = "attended" if data.get("attended") else "blind"
                out.append(
                    {"at": at, "kind": kind, "agent": data.get("agent_id"),
                     "target": data.get("target"), "to": data.get("to")}
                )  # fmt: skip
            elif event.type == "transfer_failed":
                out.append(
                    {"at": at, "kind": "failed", "to": data.get("to"), "cause": data.get("cause"),
                     "fallback_queue": data.get("fallback_queue")}
                )  # fmt: skip
            elif event.type == "consult_started":
                out.append(
                    {"at": at, "kind": "consult", "agent": data.get("agent_id"),
                     "target": data.get("target"), "to": data.get("to")}
                )  # fmt: skip
            elif event.type == "consult_ended":
                out.append(
                    {"at": at, "kind": "consult_ended", "agent": data.get("agent_id"),
                     "outcome": data.get("outcome")}
                )  # fmt: skip
        return out


def answered_agents(events: Iterable[tuple[str, dict[str, Any] | None]]) -> list[str]:
    """Agent numbers of the ``call_answered`` entries among ``(type, data)`` timeline rows."""
    return [
        str(data["agent_id"])
        for type_, data in events
        if type_ == "call_answered" and data and data.get("agent_id")
    ]


class CallAgentLeg(Base):
    """One agent's part of a call: offered, answered or not, left; in the call's order."""

    __tablename__ = "call_agent_legs"
    __table_args__ = (
        Index("ix_call_agent_legs_agent_offered", "agent_id", "offered_at"),
        Index("ix_call_agent_legs_offered", *LEG_REPORT_COLUMNS),  # covers the reports (0015)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(doc="1 for the first offer of the call")
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(16), doc="queue, outbound, transfer or consult")
    outcome: Mapped[str] = mapped_column(String(16), doc="answered, missed or cancelled")
    cause: Mapped[str | None] = mapped_column(String(64), doc="why a missed offer failed")
    offered_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    ring_seconds: Mapped[float | None]
    talk_seconds: Mapped[float | None]

    call: Mapped[Call] = relationship(back_populates="agent_legs")
    agent: Mapped[Agent | None] = relationship()


class CallEvent(Base):
    """One entry of a call's timeline: when, what type, and its data."""

    __tablename__ = "call_events"
    __table_args__ = (Index("ix_call_events_call_ts", "call_id", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    ts: Mapped[datetime] = mapped_column(default=utcnow)
    type: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    call: Mapped[Call] = relationship(back_populates="events")


class Recording(Base):
    """Index row of one recording file; the file itself lives in the recording store."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("calls.id", ondelete="SET NULL"), index=True
    )
    path: Mapped[str] = mapped_column(String(512), unique=True)
    format: Mapped[str] = mapped_column(String(8), doc="wav, ogg or mp3")
    duration_seconds: Mapped[float | None]
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    paused: Mapped[list[Any]] = mapped_column(
        default=list, doc="paused stretches as [start, end] seconds from the recording start"
    )
    flagged: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    call: Mapped[Call | None] = relationship(back_populates="recordings")


class CallCorrection(Base):
    """An admin's correction of one field of a call record: a new row, never an overwrite."""

    __tablename__ = "call_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(64), doc="username at the time")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    call: Mapped[Call] = relationship(back_populates="corrections")
