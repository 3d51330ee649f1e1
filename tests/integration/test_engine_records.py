"""Call records are never lost; recordings are post-processed after the call; pause/resume.

The real engine process runs against the FreeSWITCH simulator, a real redis-server and a
SQLite file. A stopped database is stood in for by taking the tables the engine writes to
away (renamed) and putting them back: every write then fails the way it does against a
stopped server (``OperationalError``). Moving or chmod-ing the SQLite file is no stand-in:
the engine's pooled connections keep their open file descriptors (and tests run as root).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import gevent
import pytest
from sqlalchemy import func, select, text

from callcenter.engine.records.buffer import PENDING_STREAM, record_from_dict
from callcenter.engine.records.persistence import EngineStore
from callcenter.live.messages import decode
from callcenter.live.names import AGENT_COMMANDS, agent_channel
from callcenter.sim import press, wait
from callcenter.store import models
from callcenter.store.session import make_engine, session_factory, session_scope
from tests.support import sql
from tests.support.calls import call_rows, eventually
from tests.support.center import RINGING, event_types
from tests.support.center import Center as SharedCenter

TABLES = ("calls", "agent_state_log")


class Center(SharedCenter):
    """Simulator, engine process (restartable), Redis and the SQLite file of one test."""

    def sign_in(self, extension: str) -> None:
        self.live.send_command(AGENT_COMMANDS, {"agent_id": extension, "action": "login"})
        self.live.send_command(AGENT_COMMANDS, {"agent_id": extension, "action": "ready"})
        self.wait_agent(extension, "available")

    def wait_agent(self, extension: str, state: str, timeout: float = 15.0) -> None:
        eventually(
            lambda: self.live.get_agent(extension).get("state") == state,
            timeout=timeout,
            what=f"agent {extension} {state}",
        )

    def call(self, number: str, timeout: float = 30.0) -> None:
        """One caller through the menu to the support queue, until the call ended."""
        caller = self.switch.place_call(number, "5000", [wait(1.0), press("2")])
        eventually(lambda: caller.ended.is_set(), timeout=timeout, what=f"call {number} ended")

    # -- the database going away and coming back ----------------------------------------------

    def _sql(self, *statements: str) -> None:
        if not self.db_url.startswith("sqlite:///"):  # PostgreSQL: DDL is transactional
            with sql.connect(self.db_url) as conn:
                for statement in statements:
                    conn.execute(text(statement))
            return
        path = self.db_url.removeprefix("sqlite:///")
        with sqlite3.connect(path, timeout=30, isolation_level=None) as conn:
            conn.execute("BEGIN IMMEDIATE")
            for statement in statements:
                conn.execute(statement)
            conn.execute("COMMIT")
        conn.close()

    def database_down(self) -> None:
        self._sql(*(f"ALTER TABLE {t} RENAME TO {t}_offline" for t in TABLES))

    def database_up(self) -> None:
        self._sql(*(f"ALTER TABLE {t}_offline RENAME TO {t}" for t in TABLES))

    def pending(self) -> list[dict]:
        entries = self.live.redis.xrange(self.live.key("stream", PENDING_STREAM))
        return [decode(fields["data"]) for _id, fields in entries]


@pytest.fixture
def center(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> Iterator[Center]:
    # A child process: one test stops the engine with its backlog in Redis and starts another.
    with Center(tmp_path, db_url, redis_url, redis_prefix, agents=["1000"], env=RINGING) as built:
        yield built


def recording_of(db_url: str, call_id: int) -> models.Recording:
    with session_scope(db_url) as session:
        return session.scalars(
            select(models.Recording).where(models.Recording.call_id == call_id)
        ).one()


def test_database_outage_mid_call_loses_nothing(center: Center) -> None:
    center.switch.add_softphone("1000", answer_after=1.0, hangup_after=4.0)
    center.sign_in("1000")
    caller = center.switch.place_call("13800138000", "5000", [wait(1.0), press("2")])
    center.wait_agent("1000", "on_call")
    center.database_down()
    eventually(lambda: caller.ended.is_set(), timeout=20, what="call ended")
    eventually(
        lambda: any(item["kind"] == "call" for item in center.pending()),
        what="call record buffered in the pending stream",
    )
    center.wait_agent("1000", "available")  # wrap-up ended during the outage too
    # ... so the record's late update (its wrap-up time) is buffered behind the record
    pending = eventually(
        lambda: (items := center.pending()) and items[-1]["kind"] == "call_update" and items,
        what="late update buffered",
    )
    kinds = [item["kind"] for item in pending]
    assert "call" in kinds and kinds.count("state") >= 2  # wrap_up, available
    assert kinds.index("call") < kinds.index("call_update")
    # the queue's 1 s wrap-up: its timer runs on the monotonic clock, the stamps on the wall clock
    assert pending[-1]["fields"]["wrap_up_seconds"] >= 0.9
    (buffered,) = [item["record"] for item in pending if item["kind"] == "call"]
    assert record_from_dict(buffered).disposition == "answered"

    center.database_up()
    # an item leaves the stream once written: empty, the whole backlog (the record, its late
    # update, the state-log rows) is in the database
    (record,) = eventually(
        lambda: (rows := call_rows(center.db_url)) and not center.pending() and rows,
        what="call record written after the outage and the stream emptied",
    )
    assert record.uuid == buffered["call_uuid"] and record.disposition == "answered"
    assert record.talk_seconds and record.talk_seconds > 0
    assert record.hold_seconds == 0.0 and record.wrap_up_seconds >= 0.9  # the late update too
    kinds = event_types(center.db_url, record.id)
    assert kinds == [e["kind"] for e in buffered["events"]]
    assert kinds[0] == "call_arrived" and kinds[-1] == "call_ended" and "call_answered" in kinds
    with session_scope(center.db_url) as session:
        states = list(
            session.scalars(select(models.AgentStateLog.state).order_by(models.AgentStateLog.since))
        )
    assert [str(s) for s in states[-3:]] == ["on_call", "wrap_up", "available"]
    # The record is in: its recording gets post-processed now.
    eventually(lambda: recording_of(center.db_url, record.id).sha256, what="post-processed")


def test_buffered_records_flushed_in_order_and_not_duplicated_after_engine_restart(
    center: Center,
) -> None:
    center.switch.add_softphone("1000", answer_after=0.5, hangup_after=1.0)
    center.sign_in("1000")
    center.database_down()
    numbers = ["13800000001", "13800000002", "13800000003"]
    for number in numbers:
        center.call(number)
        center.wait_agent("1000", "available")
    calls = [item["record"] for item in center.pending() if item["kind"] == "call"]
    assert [c["caller_number"] for c in calls] == numbers
    # The engine dies with its backlog in Redis; the first record had reached the database
    # (a write that succeeded just before the ack was lost).
    center.stop_engine()
    center.database_up()
    sessions = session_factory(make_engine(center.db_url))
    assert EngineStore(sessions).write_call(record_from_dict(calls[0])) is True
    assert EngineStore(sessions).write_call(record_from_dict(calls[0])) is False  # idempotent
    center.start_engine()
    eventually(lambda: len(call_rows(center.db_url)) == 3, what="three records")
    eventually(lambda: not center.pending(), what="stream emptied")
    rows = call_rows(center.db_url)
    assert [r.caller_number for r in rows] == numbers  # written in order
    assert [r.uuid for r in rows] == [c["call_uuid"] for c in calls]
    for row, buffered in zip(rows, calls, strict=True):
        assert event_types(center.db_url, row.id) == [e["kind"] for e in buffered["events"]]
    with session_scope(center.db_url) as session:
        assert session.scalar(select(func.count(models.Call.id))) == 3


def test_recording_is_post_processed_after_the_call(center: Center) -> None:
    center.switch.add_softphone("1000", answer_after=0.5, hangup_after=2.0)
    center.sign_in("1000")
    center.call("13900000009")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    recording = eventually(
        lambda: (r := recording_of(center.db_url, record.id)).sha256 and r,
        what="recording post-processed",
    )
    assert recording.format == "ogg" and recording.path.endswith(".ogg")
    assert recording.duration_seconds and recording.duration_seconds > 0
    assert Path(recording.path).is_file()
    assert Path(recording.path).stat().st_size == recording.size_bytes
    assert not Path(recording.path).with_suffix(".wav").exists()  # keep_wav is off


def test_pause_and_resume_store_the_paused_stretch(center: Center) -> None:
    center.switch.add_softphone("1000", answer_after=0.5, hangup_after=12.0)
    center.sign_in("1000")
    caller = center.switch.place_call("13700000007", "5000", [wait(1.0), press("2")])
    center.wait_agent("1000", "on_call")
    with center.live.subscribe(agent_channel("1000")) as desktop:
        for action in ("record_pause", "record_resume"):
            if action == "record_resume":
                gevent.sleep(0.6)  # let the pause last a moment
            center.live.send_command(AGENT_COMMANDS, {"agent_id": "1000", "action": action})
            reply = eventually(lambda: command_reply(desktop), what=f"{action} answered")
            assert reply.data.get("done") == action, reply.data
    eventually(lambda: caller.ended.is_set(), timeout=30, what="call ended")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    recording = recording_of(center.db_url, record.id)
    ((start, end),) = recording.paused
    assert 0 < start < end and 0.4 < end - start < 5
    kinds = event_types(center.db_url, record.id)
    assert kinds.index("recording_paused") < kinds.index("recording_resumed")
    eventually(lambda: recording_of(center.db_url, record.id).sha256, what="post-processed")


def command_reply(desktop):  # noqa: ANN001, ANN201 - a Subscription; a Message or None
    """The next command result on the agent channel (it also carries state and call updates)."""
    message = desktop.get(timeout=0.2)
    if (
        message is not None
        and isinstance(message.data, dict)
        and ("done" in message.data or "error" in message.data)
    ):
        return message
    return None


def test_pause_is_refused_without_a_call(center: Center) -> None:
    center.sign_in("1000")
    with center.live.subscribe(agent_channel("1000")) as desktop:
        center.live.send_command(AGENT_COMMANDS, {"agent_id": "1000", "action": "record_pause"})
        reply = eventually(lambda: command_reply(desktop), what="refusal")
    assert reply.data["action"] == "record_pause"
    assert "while available" in reply.data["error"]
