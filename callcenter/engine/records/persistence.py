"""What the engine reads from and writes to SQL: agents and queues, state log, call records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from callcenter.acd.agents import Agent, Tier
from callcenter.engine.bus import utcnow
from callcenter.engine.records.recorder import LATE_FIELDS, CallRecord
from callcenter.engine.records.sql_writes import SqlWrites
from callcenter.ivr.schedule import Calendar, read_calendar
from callcenter.logs import get_logger
from callcenter.store import models

log = get_logger(__name__)

_ENTRY = models.BlacklistEntry
_BLACKLIST = select(_ENTRY.number, _ENTRY.expires_at).where(
    (_ENTRY.number == bindparam("number")) | _ENTRY.number.endswith("*")
)
_C = models.Customer
_CUSTOMER = (
    select(_C.id, _C.name, _C.vip, _C.region, _C.tags, _C.notes)
    .join(models.CustomerPhone)
    .where(models.CustomerPhone.number.in_(bindparam("numbers", expanding=True)))
)


class EngineStore:
    """SQL access for the engine (one short session per operation; the writes of every call
    and state change: :class:`~callcenter.engine.records.sql_writes.SqlWrites`)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.writes = SqlWrites(sessions.kw["bind"])

    def load_agents(self) -> list[Agent]:
        """Active agents with their queues (level, position) and skills, all logged out."""
        self.writes.forget_keys()  # the admin changed something: read the keys again
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
        with self.writes.engine.connect() as conn:  # every call: no session, a built statement
            rows = conn.execute(_BLACKLIST, {"number": number}).all()
        return any(
            (entry == number or number.startswith(entry[:-1]))
            and (expires_at is None or expires_at > now)
            for entry, expires_at in rows  # exact matches and prefix entries only
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
        candidates = sorted({number, number.lstrip("+"), "+" + number.lstrip("+")})
        with self.writes.engine.connect() as conn:
            row = conn.execute(_CUSTOMER, {"numbers": candidates}).first()
        if row is None:
            return None
        return {
            "id": row.id,
            "name": row.name,
            "vip": row.vip,
            "region": row.region or "",
            "tags": list(row.tags or []),
            "notes": row.notes or "",
        }

    def log_state(self, before: Agent, after: Agent) -> None:
        """Close the agent's open state-log row and open one for the new state."""
        self.write_state(state_row(after))

    def write_state(self, row: dict[str, Any]) -> bool:
        """Write one state-log row (from :func:`state_row`); False if it was already there.

        Idempotent, so a retry from the pending buffer never writes a state twice.
        """
        return self.writes.write_state(row)

    def write_call(self, record: CallRecord) -> bool:
        """Insert the call record, its timeline and its recording row in one transaction.

        Idempotent on the call uuid: False (and nothing written) if the call is already
        there, so a retry after a failure never duplicates a call or its events - also when
        another engine writes the same call at the same moment (the uuid is unique).
        """
        return self.writes.write_call(record)

    def update_call(self, call_uuid: str, fields: dict[str, Any]) -> bool:
        """Set late fields (:data:`LATE_FIELDS`) of a written call; False if there is no row.

        Values are absolute, so a retry writes the same thing again.
        """
        unknown = set(fields) - set(LATE_FIELDS)
        if unknown:
            raise ValueError(f"not a late call-record field: {', '.join(sorted(unknown))}")
        if not fields:
            return True
        return self.writes.update_call(call_uuid, fields)


def state_row(agent: Agent) -> dict[str, Any]:
    """The state-log row for ``agent``'s new state, in plain JSON values."""
    since = agent.since or utcnow()
    return {
        "agent_id": agent.agent_id,
        "state": str(agent.state),
        "reason": agent.reason or "",
        "since": since.isoformat(),
    }
