"""What the engine reads from and writes to SQL: agents and queues, state log, call records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from callcenter.acd.agents import Agent, Tier
from callcenter.engine.bus import utcnow
from callcenter.engine.media.recording_control import paused_stretches
from callcenter.engine.records.ivr_steps import ivr_steps
from callcenter.engine.records.recorder import LATE_FIELDS, CallRecord
from callcenter.ivr.schedule import Calendar, read_calendar
from callcenter.logs import get_logger
from callcenter.store import models
from callcenter.store.enums import CallDirection

log = get_logger(__name__)


class EngineStore:
    """SQL access for the engine (one short session per operation)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def load_agents(self) -> list[Agent]:
        """Active agents with their queues (level, position) and skills, all logged out."""
        with self.sessions() as session:
            rows = session.scalars(
                select(models.Agent)
                .where(models.Agent.active)
                .options(
                    selectinload(models.Agent.memberships).selectinload(models.AgentQueue.queue),
                    selectinload(models.Agent.skills).selectinload(models.AgentSkill.skill),
                )
            ).all()
            return [
                Agent(
                    row.number,
                    row.sip_user,
                    queues=tuple(sorted(m.queue.name for m in row.memberships)),
                    tiers=tuple(Tier(m.queue.name, m.level, m.position) for m in row.memberships),
                    skills={s.skill.name: s.proficiency for s in row.skills},
                )
                for row in rows
            ]

    def queue_names(self) -> set[str]:
        """Names of the queues in the database (IVR flows may only name these)."""
        with self.sessions() as session:
            return set(session.scalars(select(models.Queue.name)))

    def is_blacklisted(self, number: str, now: datetime) -> bool:
        """Whether ``number`` is on the blacklist (exactly, or an entry ``prefix*`` it starts
        with) and the entry has not expired."""
        entry = models.BlacklistEntry
        with self.sessions() as session:
            rows = session.scalars(
                select(entry).where((entry.number == number) | entry.number.endswith("*"))
            )
            return any(
                (row.number == number or number.startswith(row.number[:-1]))
                and (row.expires_at is None or row.expires_at > now)
                for row in rows  # exact matches and prefix entries only
            )

    def calendar(self, name: str) -> Calendar | None:
        """The active calendar ``name`` of the admin pages; ValueError if a line is bad."""
        with self.sessions() as session:
            row = session.scalar(
                select(models.Calendar).where(models.Calendar.name == name, models.Calendar.active)
            )
            if row is None:
                return None
            lines = [x for x in (row.hours or "").splitlines() if x.strip()]
            days = [x for x in (row.holidays or "").splitlines() if x.strip()]
            return read_calendar(lines, days, row.timezone)

    def customer_by_number(self, number: str) -> dict[str, Any] | None:
        """The customer owning phone ``number`` (also tried with/without a leading +)."""
        candidates = {number, number.lstrip("+"), "+" + number.lstrip("+")}
        with self.sessions() as session:
            customer = session.scalar(
                select(models.Customer)
                .join(models.CustomerPhone)
                .where(models.CustomerPhone.number.in_(candidates))
            )
            if customer is None:
                return None
            return {
                "id": customer.id,
                "name": customer.name,
                "vip": customer.vip,
                "region": customer.region or "",
                "tags": list(customer.tags or []),
                "notes": customer.notes or "",
            }

    def log_state(self, before: Agent, after: Agent) -> None:
        """Close the agent's open state-log row and open one for the new state."""
        self.write_state(state_row(after))

    def write_state(self, row: dict[str, Any]) -> bool:
        """Write one state-log row (from :func:`state_row`); False if it was already there.

        Idempotent, so a retry from the pending buffer never writes a state twice.
        """
        since = datetime.fromisoformat(row["since"])
        with self.sessions() as session, session.begin():
            agent_pk = session.scalar(
                select(models.Agent.id).where(models.Agent.number == row["agent_id"])
            )
            if agent_pk is None:
                return False
            if session.scalar(
                select(models.AgentStateLog.id).where(
                    models.AgentStateLog.agent_id == agent_pk,
                    models.AgentStateLog.since == since,
                    models.AgentStateLog.state == row["state"],
                )
            ):
                return False
            open_row = session.scalar(
                select(models.AgentStateLog)
                .where(
                    models.AgentStateLog.agent_id == agent_pk, models.AgentStateLog.until.is_(None)
                )
                .order_by(models.AgentStateLog.since.desc())
            )
            if open_row is not None:
                open_row.until = since
            session.add(
                models.AgentStateLog(
                    agent_id=agent_pk, state=row["state"], reason=row["reason"] or None, since=since
                )
            )
            return True

    def write_call(self, record: CallRecord) -> bool:
        """Insert the call record, its timeline and its recording row in one transaction.

        Idempotent on the call uuid: False (and nothing written) if the call is already
        there, so a retry after a failure never duplicates a call or its events - also when
        another engine writes the same call at the same moment (the uuid is unique).
        """
        try:
            return self._insert_call(record)
        except IntegrityError:
            with self.sessions() as session:
                if session.scalar(
                    select(models.Call.id).where(models.Call.uuid == record.call_uuid)
                ):
                    return False
            raise

    def _insert_call(self, record: CallRecord) -> bool:
        with self.sessions() as session, session.begin():
            if session.scalar(select(models.Call.id).where(models.Call.uuid == record.call_uuid)):
                return False
            queue_pk = (
                session.scalar(select(models.Queue.id).where(models.Queue.name == record.queue))
                if record.queue
                else None
            )
            agent_pk = (
                session.scalar(
                    select(models.Agent.id).where(models.Agent.number == record.agent_id)
                )
                if record.agent_id
                else None
            )
            call = models.Call(
                uuid=record.call_uuid,
                direction=CallDirection(record.direction),
                caller_number=record.caller_number,
                caller_name=record.caller_name or None,
                dialled_number=record.dialled_number,
                node=record.node,
                started_at=record.started_at,
                enqueued_at=record.enqueued_at,
                offered_at=record.offered_at,
                answered_at=record.answered_at,
                ended_at=record.ended_at,
                wait_seconds=record.wait_seconds,
                ring_seconds=record.ring_seconds,
                talk_seconds=record.talk_seconds,
                hold_seconds=record.hold_seconds,
                wrap_up_seconds=record.wrap_up_seconds,
                queue_id=queue_pk,
                agent_id=agent_pk,
                disposition=record.disposition,
                hangup_cause=record.hangup_cause or None,
                hangup_by=record.hangup_by or None,
                ivr_path=record.ivr_path,
                survey_score=record.survey_score,
            )
            session.add(call)
            session.flush()
            for event in record.events:
                data = {k: v for k, v in event.items() if k not in ("kind", "at", "call_uuid")}
                session.add(
                    models.CallEvent(
                        call_id=call.id,
                        type=event["kind"],
                        ts=datetime.fromisoformat(event["at"]),
                        data=data,
                    )
                )
            _add_agent_legs(session, call.id, record.legs)
            steps = ivr_steps(record.events)  # the IVR path, for the funnel report
            session.add_all([models.IvrStep(call_id=call.id, **row) for row in steps])
            if record.recording_path:
                session.add(
                    models.Recording(
                        call_id=call.id,
                        path=record.recording_path,
                        format="wav",
                        paused=paused_stretches(record.events),
                    )
                )
        return True

    def update_call(self, call_uuid: str, fields: dict[str, Any]) -> bool:
        """Set late fields (:data:`LATE_FIELDS`) of a written call; False if there is no row.

        Values are absolute, so a retry writes the same thing again.
        """
        unknown = set(fields) - set(LATE_FIELDS)
        if unknown:
            raise ValueError(f"not a late call-record field: {', '.join(sorted(unknown))}")
        if not fields:
            return True
        with self.sessions() as session, session.begin():
            result = session.execute(
                update(models.Call).where(models.Call.uuid == call_uuid).values(**fields)
            )
            return bool(result.rowcount)


def _add_agent_legs(session: Session, call_id: int, legs: list[dict[str, Any]]) -> None:
    """The call's agent legs (engine/records/legs.py), in order."""
    numbers = {leg["agent_id"] for leg in legs}
    rows = session.execute(
        select(models.Agent.number, models.Agent.id).where(models.Agent.number.in_(numbers))
    ).all()
    pks = {number: pk for number, pk in rows}
    for position, leg in enumerate(legs, start=1):
        session.add(
            models.CallAgentLeg(
                call_id=call_id,
                position=position,
                agent_id=pks.get(leg["agent_id"]),
                role=leg.get("role") or "queue",
                outcome=leg.get("outcome") or "cancelled",
                cause=leg.get("cause") or None,
                offered_at=_moment(leg.get("offered_at")),
                answered_at=_moment(leg.get("answered_at")),
                left_at=_moment(leg.get("left_at")),
                ring_seconds=leg.get("ring_seconds"),
                talk_seconds=leg.get("talk_seconds"),
            )
        )


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def state_row(agent: Agent) -> dict[str, Any]:
    """The state-log row for ``agent``'s new state, in plain JSON values."""
    since = agent.since or utcnow()
    return {
        "agent_id": agent.agent_id,
        "state": str(agent.state),
        "reason": agent.reason or "",
        "since": since.isoformat(),
    }
