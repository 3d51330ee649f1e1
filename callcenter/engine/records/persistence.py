"""What the engine reads from and writes to SQL: agents and queues, state log, call records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, select, update
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

_NOT_DATA = ("kind", "at", "call_uuid")  # an event's fields that have columns of their own


class EngineStore:
    """SQL access for the engine (one short session per operation).

    The primary keys of agents and queues by number / name are kept once read (every call
    and state change needs them); :meth:`load_agents` - the config reload - and a failed
    write forget them.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._pks: dict[tuple[str, str], int] = {}  # ("agent", number) / ("queue", name) -> pk

    def load_agents(self) -> list[Agent]:
        """Active agents with their queues (level, position) and skills, all logged out."""
        self._pks.clear()  # the admin changed something: read the keys again
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
        try:
            return self._write_state(row)
        except IntegrityError:  # e.g. the agent was deleted and made again: read its key again
            self._pks.clear()
            return self._write_state(row)
        except Exception:
            self._pks.clear()
            raise

    def _write_state(self, row: dict[str, Any]) -> bool:
        since = datetime.fromisoformat(row["since"])
        log_ = models.AgentStateLog
        with self.sessions() as session, session.begin():
            agent_pk = self._pk(session, "agent", row["agent_id"])
            if agent_pk is None:
                return False
            same = and_(log_.since == since, log_.state == row["state"])
            rows = session.execute(  # the open rows (latest first) and this very row, if written
                select(log_.id, log_.until.is_(None), same)
                .where(log_.agent_id == agent_pk, log_.until.is_(None) | same)
                .order_by(log_.since.desc())
            ).all()
            if any(bool(written) for _id, _open, written in rows):
                return False
            open_ids = [pk for pk, is_open, _written in rows if is_open]
            if open_ids:
                session.execute(update(log_).where(log_.id == open_ids[0]).values(until=since))
            session.execute(
                insert(log_).values(
                    agent_id=agent_pk, state=row["state"], reason=row["reason"] or None, since=since
                )
            )
            return True

    def _pk(self, session: Session, kind: str, name: str) -> int | None:
        """The primary key of agent number / queue name ``name`` (kept once found)."""
        key = (kind, name)
        pk = self._pks.get(key)
        if pk is None:
            model = models.Agent if kind == "agent" else models.Queue
            column = models.Agent.number if kind == "agent" else models.Queue.name
            pk = session.scalar(select(model.id).where(column == name))
            if pk is not None:
                self._pks[key] = pk
        return pk

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
            if not self._pks:
                raise
            self._pks.clear()  # an agent or queue deleted (and made again): read the keys again
            return self.write_call(record)
        except Exception:
            self._pks.clear()
            raise

    def _insert_call(self, record: CallRecord) -> bool:
        with self.sessions() as session, session.begin():
            if session.scalar(select(models.Call.id).where(models.Call.uuid == record.call_uuid)):
                return False
            call_id = session.execute(
                insert(models.Call).values(
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
                    queue_id=self._pk(session, "queue", record.queue) if record.queue else None,
                    agent_id=self._pk(session, "agent", record.agent_id)
                    if record.agent_id
                    else None,
                    disposition=record.disposition,
                    hangup_cause=record.hangup_cause or None,
                    hangup_by=record.hangup_by or None,
                    ivr_path=record.ivr_path,
                    survey_score=record.survey_score,
                )
            ).inserted_primary_key[0]
            # one multi-row INSERT per table (no ORM objects: a call has dozens of rows)
            events = [
                {
                    "call_id": call_id,
                    "type": event["kind"],
                    "ts": datetime.fromisoformat(event["at"]),
                    "data": {
                        k: v for k, v in event.items() if k not in ("kind", "at", "call_uuid")
                    },
                }
                for event in record.events
            ]
            if events:
                session.execute(insert(models.CallEvent), events)
            if legs := self._leg_rows(session, call_id, record.legs):
                session.execute(insert(models.CallAgentLeg), legs)
            if steps := ivr_steps(record.events):  # the IVR path, for the funnel report
                session.execute(insert(models.IvrStep), [{"call_id": call_id, **s} for s in steps])
            if record.recording_path:
                session.execute(
                    insert(models.Recording).values(
                        call_id=call_id,
                        path=record.recording_path,
                        format="wav",
                        paused=paused_stretches(record.events),
                    )
                )
        return True

    def _leg_rows(
        self, session: Session, call_id: int, legs: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The call's agent legs (engine/records/legs.py) as rows, in order."""
        return [
            {
                "call_id": call_id,
                "position": position,
                "agent_id": self._pk(session, "agent", leg["agent_id"]),
                "role": leg.get("role") or "queue",
                "outcome": leg.get("outcome") or "cancelled",
                "cause": leg.get("cause") or None,
                "offered_at": _moment(leg.get("offered_at")),
                "answered_at": _moment(leg.get("answered_at")),
                "left_at": _moment(leg.get("left_at")),
                "ring_seconds": leg.get("ring_seconds"),
                "talk_seconds": leg.get("talk_seconds"),
            }
            for position, leg in enumerate(legs, start=1)
        ]

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
