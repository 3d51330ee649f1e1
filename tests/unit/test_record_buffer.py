"""RecordBuffer without a database or Redis: outage, order, idempotent retry, rejected rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import OperationalError

from callcenter.acd.agents import Agent, AgentState
from callcenter.engine.media.recording_control import paused_stretches
from callcenter.engine.records.buffer import RecordBuffer, record_from_dict, record_to_dict
from callcenter.engine.records.recorder import CallRecord

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class FakeStore:
    """Writes into lists; ``down`` makes every write fail like a stopped database."""

    def __init__(self) -> None:
        self.down = False
        self.reject: set[str] = set()
        self.calls: dict[str, CallRecord] = {}
        self.order: list[str] = []

    def _check(self) -> None:
        if self.down:
            raise OperationalError("INSERT", {}, Exception("database is down"))

    def write_call(self, record: CallRecord) -> bool:
        self._check()
        if record.call_uuid in self.reject:
            raise ValueError("bad row")
        if record.call_uuid in self.calls:
            return False
        self.calls[record.call_uuid] = record
        self.order.append(record.call_uuid)
        return True

    def write_state(self, row: dict[str, Any]) -> bool:
        self._check()
        self.order.append(f"{row['agent_id']}:{row['state']}")
        return True

    def update_call(self, call_uuid: str, fields: dict[str, Any]) -> bool:
        self._check()
        if call_uuid not in self.calls:
            return False
        self.calls[call_uuid] = replace(self.calls[call_uuid], **fields)
        self.order.append(f"{call_uuid}:update")
        return True


def record(uuid: str) -> CallRecord:
    return CallRecord(
        uuid,
        caller_number="100",
        started_at=T0,
        ended_at=T0 + timedelta(seconds=30),
        events=[{"kind": "call_arrived", "at": T0.isoformat(), "call_uuid": uuid}],
    )


def test_record_round_trips_through_json_values() -> None:
    original = record("u1")
    original.ivr_path = [{"node": "menu", "value": "2"}]
    assert record_from_dict(record_to_dict(original)) == original


def test_outage_buffers_in_memory_and_flushes_in_order() -> None:
    store = FakeStore()
    written: list[str] = []
    buffer = RecordBuffer(store, None, on_call_written=lambda r: written.append(r.call_uuid))
    buffer.write_call(record("a"))
    store.down = True
    buffer.write_call(record("b"))
    agent = Agent("1000", "1000", state=AgentState.AVAILABLE, since=T0)
    buffer.log_state(agent, agent)
    store.down = False
    buffer.write_call(record("c"))  # queues behind the backlog although the database is back
    assert store.order == ["a"] and buffer.backlog == 3
    assert buffer.flush_once() is True
    assert store.order == ["a", "b", "1000:available", "c"]
    assert written == ["a", "b", "c"]  # post-processing is queued only once a record is in
    assert buffer.backlog == 0


def test_a_late_revision_updates_the_written_record_and_queues_behind_it() -> None:
    store = FakeStore()
    written: list[str] = []
    buffer = RecordBuffer(store, None, on_call_written=lambda r: written.append(r.call_uuid))
    buffer.write_call(record("a"))
    buffer.write_call(replace(record("a"), wrap_up_seconds=4.5, hold_seconds=1.0, revision=1))
    assert store.calls["a"].wrap_up_seconds == 4.5 and store.order == ["a", "a:update"]
    store.down = True
    buffer.write_call(record("b"))
    buffer.write_call(replace(record("b"), wrap_up_seconds=2.0, revision=1))
    store.down = False
    assert buffer.backlog == 2 and "b" not in store.calls
    assert buffer.flush_once() is True
    assert store.order[2:] == ["b", "b:update"] and store.calls["b"].wrap_up_seconds == 2.0
    assert written == ["a", "b"]  # a revision does not post-process the recording again
    buffer.write_call(replace(record("gone"), wrap_up_seconds=1.0, revision=1))  # no row: logged
    assert buffer.backlog == 0


def test_flush_stops_at_the_first_failure_and_keeps_the_rest() -> None:
    store = FakeStore()
    buffer = RecordBuffer(store, None)
    store.down = True
    for uuid in "xyz":
        buffer.write_call(record(uuid))
    assert buffer.flush_once() is False and buffer.backlog == 3
    store.down = False
    store.calls["x"] = record("x")  # written before, but the buffer did not learn it
    assert buffer.flush_once() is True
    assert list(store.calls) == ["x", "y", "z"]  # no duplicate, nothing lost


def test_a_rejected_row_is_retried_and_not_dropped_without_redis() -> None:
    store = FakeStore()
    store.reject.add("bad")
    buffer = RecordBuffer(store, None, max_rejections=2)
    buffer.write_call(record("bad"))
    buffer.write_call(record("good"))
    for _ in range(3):
        assert buffer.flush_once() is False
    assert buffer.backlog == 2  # with nowhere to park it, the row waits for a fix
    store.reject.clear()
    assert buffer.flush_once() is True
    assert list(store.calls) == ["bad", "good"]


def test_paused_stretches_from_call_events() -> None:
    answered = T0 + timedelta(seconds=10)
    events = [
        {"kind": "call_answered", "at": answered.isoformat()},
        {"kind": "recording_paused", "offset": 5.0},
        {"kind": "recording_resumed", "offset": 12.5},
        {"kind": "recording_paused", "offset": 20.0},
        {"kind": "call_ended", "at": (answered + timedelta(seconds=31)).isoformat()},
    ]
    assert paused_stretches(events) == [[5.0, 12.5], [20.0, 31.0]]
    assert paused_stretches([]) == []
