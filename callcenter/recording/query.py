"""Call-record filters shared by the supervisor's recordings page and the CSV/JSON export."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from callcenter.store.calls import Call, CallCorrection, CallEvent, Recording, answered_agents
from callcenter.store.corrections import corrected_fields, effective_values
from callcenter.store.enums import Disposition
from callcenter.store.routing import Agent, Queue
from callcenter.store.transcripts import Transcript

__all__ = [
    "EXPORT_FIELDS",
    "CallFilters",
    "FilterError",
    "agents_by_call",
    "call_row",
    "current_recording",
    "effective_disposition",
    "find_calls",
    "transcripts_by_recording",
]

EXPORT_FIELDS = [
    "uuid",
    "direction",
    "caller_number",
    "caller_name",
    "dialled_number",
    "queue",
    "agent",
    "agents",
    "disposition",
    "started_at",
    "enqueued_at",
    "offered_at",
    "answered_at",
    "ended_at",
    "wait_seconds",
    "ring_seconds",
    "talk_seconds",
    "hold_seconds",
    "wrap_up_seconds",
    "hangup_cause",
    "hangup_by",
    "survey_score",
    "ivr_path",
    "recording_id",
    "recording_seconds",
    "recording_flagged",
    "note",
    "corrected",
]
"""Columns of the export; corrected fields hold the effective (corrected) value and
``corrected`` names them. ``agents``: everyone who talked with the caller, in order."""


class FilterError(ValueError):
    """A filter value that cannot be used; the message names the field."""


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _date(args: Mapping[str, str], name: str) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"{name}: {value!r} is not a date like 2026-01-31") from None


@dataclass(frozen=True)
class CallFilters:
    """What the supervisor filters calls by; empty fields do not filter."""

    date_from: date | None = None
    date_to: date | None = None
    agent: str = ""  # agent number
    queue: str = ""  # queue name
    disposition: str = ""
    caller: str = ""  # part of the caller's number
    text: str = ""  # part of the transcript

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> CallFilters:
        """Read filters from query-string arguments; :class:`FilterError` names a bad one."""
        disposition = (args.get("disposition") or "").strip()
        if disposition and disposition not in {d.value for d in Disposition}:
            allowed = ", ".join(d.value for d in Disposition)
            raise FilterError(f"disposition: {disposition!r} is not one of {allowed}")
        filters = cls(
            date_from=_date(args, "date_from"),
            date_to=_date(args, "date_to"),
            agent=(args.get("agent") or "").strip()[:32],
            queue=(args.get("queue") or "").strip()[:64],
            disposition=disposition,
            caller=(args.get("caller") or "").strip()[:64],
            text=(args.get("text") or "").strip()[:200],
        )
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            raise FilterError("date_from is after date_to")
        return filters

    def as_args(self) -> dict[str, str]:
        """The non-empty filters as query-string arguments (for links to the export)."""
        return {k: str(v) for k, v in asdict(self).items() if v not in (None, "")}

    def query(self, zone: str = "UTC") -> Select[tuple[Call]]:
        """The calls matching these filters, newest first; dates are days in ``zone``."""
        tz = ZoneInfo(zone)
        query = select(Call)
        if self.date_from:
            start = datetime.combine(self.date_from, time.min, tz).astimezone(UTC)
            query = query.where(Call.started_at >= start)
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min, tz).astimezone(UTC)
            query = query.where(Call.started_at < end)
        if self.agent:  # the last agent, or any agent who took the call before a transfer
            took_it = exists().where(
                CallEvent.call_id == Call.id,
                CallEvent.type == "call_answered",
                CallEvent.data["agent_id"].as_string() == self.agent,
            )
            query = query.where(or_(Call.agent.has(Agent.number == self.agent), took_it))
        if self.queue:
            query = query.where(Call.queue.has(Queue.name == self.queue))
        if self.disposition:
            query = query.where(effective_disposition() == self.disposition)
        if self.caller:
            pattern = f"%{_escape_like(self.caller)}%"
            query = query.where(Call.caller_number.like(pattern, escape="\\"))
        if self.text:
            pattern = f"%{_escape_like(self.text)}%"
            query = query.where(
                exists().where(
                    Transcript.call_id == Call.id, Transcript.text.ilike(pattern, escape="\\")
                )
            )
        return query.order_by(Call.started_at.desc(), Call.id.desc())


def effective_disposition() -> ColumnElement[str]:
    """SQL for a call's disposition after admin corrections (the newest one wins)."""
    corrected = (
        select(CallCorrection.new_value)
        .where(CallCorrection.call_id == Call.id, CallCorrection.field == "disposition")
        .order_by(CallCorrection.id.desc())
        .limit(1)
        .correlate(Call)
        .scalar_subquery()
    )
    return func.coalesce(corrected, Call.disposition)


def find_calls(
    session: Session, filters: CallFilters, *, zone: str = "UTC", limit: int = 200, offset: int = 0
) -> list[Call]:
    """Matching calls with agent, queue and recordings loaded."""
    query = (
        filters.query(zone)
        .options(
            selectinload(Call.agent),
            selectinload(Call.queue),
            selectinload(Call.recordings),
            selectinload(Call.corrections),
        )
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


def agents_by_call(session: Session, call_ids: list[int]) -> dict[int, list[str]]:
    """Per call id: the agents who talked with the caller, in order (from the timelines)."""
    out: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for start in range(0, len(call_ids), 500):
        rows = session.execute(
            select(CallEvent.call_id, CallEvent.type, CallEvent.data)
            .where(
                CallEvent.call_id.in_(call_ids[start : start + 500]),
                CallEvent.type == "call_answered",
            )
            .order_by(CallEvent.call_id, CallEvent.ts, CallEvent.id)
        )
        for call_id, type_, data in rows:
            out.setdefault(call_id, []).append((type_, data))
    return {call_id: answered_agents(events) for call_id, events in out.items()}


def transcripts_by_recording(session: Session, recording_ids: list[int]) -> dict[int, Transcript]:
    """Transcripts of the given recordings, by recording id."""
    if not recording_ids:
        return {}
    rows = session.scalars(select(Transcript).where(Transcript.recording_id.in_(recording_ids)))
    return {t.recording_id: t for t in rows}


def current_recording(call: Call) -> Recording | None:
    """The call's newest recording that still has its file."""
    alive = [r for r in call.recordings if r.deleted_at is None]
    return max(alive, key=lambda r: r.id) if alive else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def call_row(call: Call, agents: list[str] | None = None) -> dict[str, Any]:
    """One call record as a flat dict with :data:`EXPORT_FIELDS` keys (JSON-ready).

    Corrected fields hold their effective value; ``agents`` defaults to the last agent.
    """
    recording = current_recording(call)
    effective = effective_values(call)
    last = call.agent.number if call.agent else None
    return {
        "uuid": call.uuid,
        "direction": str(call.direction) if call.direction else None,
        "caller_number": call.caller_number,
        "caller_name": effective["caller_name"],
        "dialled_number": call.dialled_number,
        "queue": call.queue.name if call.queue else None,
        "agent": last,
        "agents": agents if agents is not None else ([last] if last else []),
        "disposition": effective["disposition"],
        "started_at": _iso(call.started_at),
        "enqueued_at": _iso(call.enqueued_at),
        "offered_at": _iso(call.offered_at),
        "answered_at": _iso(call.answered_at),
        "ended_at": _iso(call.ended_at),
        "wait_seconds": call.wait_seconds,
        "ring_seconds": call.ring_seconds,
        "talk_seconds": call.talk_seconds,
        "hold_seconds": call.hold_seconds,
        "wrap_up_seconds": call.wrap_up_seconds,
        "hangup_cause": call.hangup_cause,
        "hangup_by": effective["hangup_by"],
        "survey_score": effective["survey_score"],
        "ivr_path": list(call.ivr_path or []),
        "recording_id": recording.id if recording else None,
        "recording_seconds": recording.duration_seconds if recording else None,
        "recording_flagged": bool(recording.flagged) if recording else None,
        "note": effective["note"],
        "corrected": corrected_fields(call),
    }
