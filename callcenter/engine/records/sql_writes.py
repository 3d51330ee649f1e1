"""The engine's SQL writes, one per call or agent state: state-log rows and call records.

Each write is one short transaction on a plain connection with statements built once (the
values go in as bound parameters): no ORM session, no objects, no statement built per call -
at a few writes per call that was most of the engine's SQL cost. The primary keys of agents
and queues by number / name are kept once read; :meth:`SqlWrites.forget_keys` (the config
reload, a failed write) drops them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from callcenter.engine.media.recording_control import paused_stretches
from callcenter.engine.records.ivr_steps import ivr_steps
from callcenter.engine.records.recorder import LATE_FIELDS, CallRecord
from callcenter.store import models
from callcenter.store.enums import CallDirection

__all__ = ["SqlWrites"]

_LOG = models.AgentStateLog
_SAME = and_(_LOG.since == bindparam("since"), _LOG.state == bindparam("state"))
# the agent's open rows (latest first), and the row being written if it is there already
_STATE_ROWS = (
    select(_LOG.id, _LOG.until.is_(None), _SAME)
    .where(_LOG.agent_id == bindparam("agent"), _LOG.until.is_(None) | _SAME)
    .order_by(_LOG.since.desc())
)
_CLOSE_STATE = update(_LOG).where(_LOG.id == bindparam("open_id")).values(until=bindparam("end"))
_KEYS = {
    "agent": select(models.Agent.id).where(models.Agent.number == bindparam("name")),
    "queue": select(models.Queue.id).where(models.Queue.name == bindparam("name")),
}
_CALL_ID = select(models.Call.id).where(models.Call.uuid == bindparam("uuid"))
_NOT_DATA = ("kind", "at", "call_uuid")  # an event's fields that have columns of their own
_LATE = {name: "b_" + name for name in LATE_FIELDS}  # the fields a revision sets
_LATE_UPDATE = (
    update(models.Call)
    .where(models.Call.uuid == bindparam("b_uuid"))
    .values({name: bindparam(param) for name, param in _LATE.items()})
)


def _late(fields: dict[str, Any]) -> dict[str, Any]:
    return {_LATE[name]: value for name, value in fields.items()}


class SqlWrites:
    """State-log rows and call records, written idempotently (a retry writes nothing twice)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._keys: dict[tuple[str, str], int] = {}  # ("agent", number) / ("queue", name)

    def forget_keys(self) -> None:
        """Read the agents' and queues' primary keys again (the admin changed something)."""
        self._keys.clear()

    def write_state(self, row: dict[str, Any]) -> bool:
        """One state-log row (``agent_id``, ``state``, ``reason``, ``since``): closes the
        agent's open row; False if the row was there already or the agent is unknown."""
        try:
            return self._write_state(row)
        except IntegrityError:  # e.g. the agent was deleted and made again: read its key again
            self.forget_keys()
            return self._write_state(row)
        except Exception:
            self.forget_keys()
            raise

    def write_call(self, record: CallRecord) -> bool:
        """The call with its timeline, agent legs, IVR steps and recording, in one
        transaction; False (nothing written) if the call is there already."""
        try:
            return self._write_call(record)
        except IntegrityError:
            with self.engine.connect() as conn:
                if conn.scalar(_CALL_ID, {"uuid": record.call_uuid}) is not None:
                    return False  # another engine wrote it at the same moment
            if not self._keys:
                raise
            self.forget_keys()  # an agent or queue deleted (and made again): read them again
            return self.write_call(record)
        except Exception:
            self.forget_keys()
            raise

    def update_call(self, call_uuid: str, fields: dict[str, Any]) -> bool:
        """Set fields of a written call; False if there is no such call."""
        with self.engine.begin() as conn:
            if fields.keys() == _LATE.keys():  # the usual: a wrap-up ended after the call
                result = conn.execute(_LATE_UPDATE, {"b_uuid": call_uuid, **_late(fields)})
            else:
                statement = update(models.Call).where(models.Call.uuid == call_uuid)
                result = conn.execute(statement.values(**fields))
            return bool(result.rowcount)

    # -- the writes -----------------------------------------------------------------------------

    def _write_state(self, row: dict[str, Any]) -> bool:
        since = datetime.fromisoformat(row["since"])
        with self.engine.begin() as conn:
            agent = self._key(conn, "agent", row["agent_id"])
            if agent is None:
                return False
            found = conn.execute(
                _STATE_ROWS, {"agent": agent, "since": since, "state": row["state"]}
            ).all()
            if any(written for _id, _open, written in found):
                return False
            open_ids = [pk for pk, is_open, _written in found if is_open]
            if open_ids:
                conn.execute(_CLOSE_STATE, {"open_id": open_ids[0], "end": since})
            conn.execute(
                insert(_LOG.__table__),
                {
                    "agent_id": agent,
                    "state": row["state"],
                    "reason": row["reason"] or None,
                    "since": since,
                },
            )
            return True

    def _write_call(self, record: CallRecord) -> bool:
        with self.engine.begin() as conn:
            if conn.scalar(_CALL_ID, {"uuid": record.call_uuid}) is not None:
                return False
            call_id = conn.execute(insert(models.Call.__table__), self._call_row(conn, record))
            call_id = call_id.inserted_primary_key[0]
            timeline = record.timeline()
            # one multi-row INSERT per table
            events = [
                {
                    "call_id": call_id,
                    "type": event["kind"],
                    "ts": datetime.fromisoformat(event["at"]),
                    "data": {k: v for k, v in event.items() if k not in _NOT_DATA},
                }
                for event in timeline
            ]
            if events:
                conn.execute(insert(models.CallEvent.__table__), events)
            if legs := self._leg_rows(conn, call_id, record.legs):
                conn.execute(insert(models.CallAgentLeg.__table__), legs)
            if steps := ivr_steps(timeline):  # the IVR path, for the funnel report
                rows = [{"call_id": call_id, **step} for step in steps]
                conn.execute(insert(models.IvrStep.__table__), rows)
            if record.recording_path:
                conn.execute(
                    insert(models.Recording.__table__),
                    {
                        "call_id": call_id,
                        "path": record.recording_path,
                        "format": "wav",
                        "paused": paused_stretches(timeline),
                    },
                )
        return True

    def _call_row(self, conn: Connection, record: CallRecord) -> dict[str, Any]:
        return {
            "uuid": record.call_uuid,
            "direction": CallDirection(record.direction),
            "caller_number": record.caller_number,
            "caller_name": record.caller_name or None,
            "dialled_number": record.dialled_number,
            "node": record.node,
            "started_at": record.started_at,
            "enqueued_at": record.enqueued_at,
            "offered_at": record.offered_at,
            "answered_at": record.answered_at,
            "ended_at": record.ended_at,
            "wait_seconds": record.wait_seconds,
            "ring_seconds": record.ring_seconds,
            "talk_seconds": record.talk_seconds,
            "hold_seconds": record.hold_seconds,
            "wrap_up_seconds": record.wrap_up_seconds,
            "queue_id": self._key(conn, "queue", record.queue) if record.queue else None,
            "agent_id": self._key(conn, "agent", record.agent_id) if record.agent_id else None,
            "disposition": record.disposition,
            "hangup_cause": record.hangup_cause or None,
            "hangup_by": record.hangup_by or None,
            "ivr_path": record.ivr_path,
            "survey_score": record.survey_score,
        }

    def _leg_rows(
        self, conn: Connection, call_id: int, legs: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The call's agent legs (engine/records/legs.py) as rows, in order."""
        return [
            {
                "call_id": call_id,
                "position": position,
                "agent_id": self._key(conn, "agent", leg["agent_id"]),
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

    def _key(self, conn: Connection, kind: str, name: str) -> int | None:
        """The primary key of agent number / queue name ``name`` (kept once found)."""
        pk = self._keys.get((kind, name))
        if pk is None:
            pk = conn.scalar(_KEYS[kind], {"name": name})
            if pk is not None:
                self._keys[(kind, name)] = pk
        return pk


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
