"""Call records and agent state-log rows are never lost, even while the database is down.

Every write goes through :class:`RecordBuffer`. When the database fails, the item is appended
to the Redis stream ``records-pending`` (or, with Redis down too, kept in memory) and a
background greenlet writes the backlog, oldest first, once the database answers again. While
anything is waiting, new items queue up behind it, so rows reach the database in order.

Writes are idempotent (a call's uuid is unique; a state-log row is keyed by agent, state and
start; a late update of a call - its wrap-up ended - sets absolute values), so an item
retried after a partial failure - written, but not yet acked in Redis - is neither duplicated
nor lost. An item the database *rejects* (not an outage) is retried a few times, then moved
to the stream ``records-failed`` for an operator, never dropped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
from typing import Any, Protocol

import gevent
from gevent.event import Event
from sqlalchemy import exc as sa_exc

from callcenter.acd.agents import Agent
from callcenter.engine.records.persistence import state_row
from callcenter.engine.records.recorder import LATE_FIELDS, CallRecord
from callcenter.live.errors import LiveError
from callcenter.live.store import LiveStore
from callcenter.logs import get_logger

log = get_logger(__name__)

PENDING_STREAM = "records-pending"
FAILED_STREAM = "records-failed"
WRITER_GROUP = "records-writer"
_STREAM_MAXLEN = 10_000_000  # never trim a backlog away

# errors that mean "the database is not there right now": retry for ever
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    OSError,
)


class RecordWriter(Protocol):
    """What the buffer writes through (the engine's :class:`EngineStore`)."""

    def write_call(self, record: CallRecord) -> bool: ...

    def write_state(self, row: dict[str, Any]) -> bool: ...

    def update_call(self, call_uuid: str, fields: dict[str, Any]) -> bool: ...


def record_to_dict(record: CallRecord) -> dict[str, Any]:
    """A call record as plain JSON values."""
    data: dict[str, Any] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        data[f.name] = value.isoformat() if isinstance(value, datetime) else value
    data["events"] = record.timeline()
    return data


_DATETIMES = {f.name for f in fields(CallRecord) if "datetime" in str(f.type)}


def record_from_dict(data: dict[str, Any]) -> CallRecord:
    """The call record of :func:`record_to_dict` (unknown keys are ignored)."""
    known = {f.name for f in fields(CallRecord)}
    values = {k: v for k, v in data.items() if k in known}
    for name in _DATETIMES & values.keys():
        if values[name]:
            values[name] = datetime.fromisoformat(values[name])
    return CallRecord(**values)


_BUFFERED = {
    "call": "call record buffered",
    "call_update": "call record update buffered",
    "state": "state-log row buffered",
}


def _call_uuid(item: dict[str, Any]) -> str | None:
    return item.get("call_uuid") or item.get("record", {}).get("call_uuid")


class RecordBuffer:
    """Writes call records and state-log rows; buffers them while the database is down."""

    def __init__(
        self,
        store: RecordWriter,
        live: LiveStore | None,
        *,
        node: str = "engine",
        retry_interval: float = 2.0,
        max_rejections: int = 5,
        on_call_written: Callable[[CallRecord], None] | None = None,
    ) -> None:
        self.store = store
        self.live = live
        self.node = node
        self.retry_interval = retry_interval
        self.max_rejections = max_rejections
        self.on_call_written = on_call_written
        self._memory: deque[dict[str, Any]] = deque()  # items waiting while Redis is down too
        self._stream_dirty = live is not None  # our stream may hold items (unknown at start)
        self._group_ready = False
        self._wake = Event()
        self._rejections: dict[str, int] = {}
        self._buffered_total = 0  # items buffered since the backlog was last empty
        self._greenlet: gevent.Greenlet | None = None

    # -- sinks (CallRecorder and AgentBook call these on the hub) ------------------------------

    def write_call(self, record: CallRecord) -> None:
        """Sink for :class:`CallRecorder`: write now, or buffer.

        A revision (``record.revision > 0``: a wrap-up ended after the call) updates only the
        late fields of the written row; it queues behind the record itself while buffering.
        """
        if record.revision:
            fields = {name: getattr(record, name) for name in LATE_FIELDS}
            self._submit({"kind": "call_update", "call_uuid": record.call_uuid, "fields": fields})
            return
        self._submit({"kind": "call", "record": record_to_dict(record)}, record)

    def log_state(self, before: Agent, after: Agent) -> None:
        """Sink for :class:`AgentBook`: the agent's new state-log row, written or buffered."""
        self._submit({"kind": "state", "row": state_row(after)})

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> gevent.Greenlet:
        """Start the background writer (flushes any backlog left by an earlier run)."""
        self._greenlet = gevent.spawn(self.run)
        self._wake.set()
        return self._greenlet

    @property
    def backlog(self) -> int:
        """Items known to wait in memory (the Redis stream is not counted)."""
        return len(self._memory)

    def pending(self) -> int:
        """Items waiting to be written: in memory, plus the Redis stream's while it has any
        (the stream is shared by the engines of one Redis); raises LiveError."""
        if self._stream_dirty and self.live is not None:
            return len(self._memory) + self._stream_length()
        return len(self._memory)

    def waiting(self) -> bool:
        """Whether new items must queue behind a backlog."""
        return bool(self._memory) or self._stream_dirty

    # -- writing --------------------------------------------------------------------------------

    def _submit(self, item: dict[str, Any], record: CallRecord | None = None) -> None:
        if not self.waiting():
            try:
                self._write(item, record)
                return
            except OUTAGE_ERRORS as exc:
                error = str(exc).splitlines()[0][:300]
                log.warning(
                    "database unreachable; buffering call records and state-log rows",
                    stream=PENDING_STREAM,
                    error=error,
                )
            except Exception as exc:  # rejected: keep it and let the writer retry it
                log.exception("database rejected a row; buffering it", error=str(exc))
        self._buffer(item)

    def _write(self, item: dict[str, Any], record: CallRecord | None = None) -> None:
        """Write one item (raises on failure); idempotent."""
        if item["kind"] == "call":
            record = record or record_from_dict(item["record"])
            written = self.store.write_call(record)
            if not written:
                log.info("call record already written", call_uuid=record.call_uuid)
            if self.on_call_written is not None:
                try:
                    self.on_call_written(record)
                except Exception:
                    log.exception("after-write hook failed", call_uuid=record.call_uuid)
        elif item["kind"] == "call_update":
            if not self.store.update_call(item["call_uuid"], item["fields"]):
                log.warning(
                    "late update of a call record that is not in the database",
                    call_uuid=item["call_uuid"],
                    fields=item["fields"],
                )
        elif item["kind"] == "state":
            self.store.write_state(item["row"])
        else:
            raise ValueError(f"unknown pending item kind {item.get('kind')!r}")

    def _buffer(self, item: dict[str, Any]) -> None:
        where = "memory"
        if not self._memory and self.live is not None:
            try:
                self.live.send_command(PENDING_STREAM, item, maxlen=_STREAM_MAXLEN)
                self._stream_dirty = True
                where = "redis"
            except LiveError:
                self._memory.append(item)
        else:
            self._memory.append(item)
        self._buffered_total += 1
        log.warning(
            _BUFFERED[item["kind"]],
            call_uuid=_call_uuid(item),
            agent_id=item.get("row", {}).get("agent_id"),
            to=where,
            stream=PENDING_STREAM if where == "redis" else None,
        )
        self._wake.set()

    # -- the background writer ------------------------------------------------------------------

    def run(self) -> None:
        """Flush the backlog whenever there is one; retry every ``retry_interval`` seconds."""
        while True:
            woken = self._wake.wait(timeout=30.0)
            self._wake.clear()
            if not woken and self.live is not None:  # now and then: another engine's leftovers
                try:
                    self._stream_dirty = self._stream_dirty or self._stream_length() > 0
                except LiveError:
                    pass
            while self.waiting():
                if self.flush_once():
                    break
                gevent.sleep(self.retry_interval)

    def flush_once(self) -> bool:
        """One pass over the backlog; True when nothing is left waiting."""
        written = 0
        redis_up = self._memory_to_stream()
        if redis_up:
            done, written = self._flush_stream()
            if not done:
                return self._report(written, False)
        elif self._stream_dirty:
            return self._report(written, False)  # older items wait in Redis: keep the order
        while self._memory:
            if not self._try(self._memory[0]):
                return self._report(written, False)
            self._memory.popleft()
            written += 1
        return self._report(written, not self.waiting())

    def _report(self, written: int, done: bool) -> bool:
        if done and self._buffered_total:
            log.info(
                "buffered call records flushed to the database",
                items=self._buffered_total,
                stream=PENDING_STREAM,
            )
            self._buffered_total = 0
        return done

    def _memory_to_stream(self) -> bool:
        """Move the in-memory backlog to Redis (oldest first); False if Redis is down."""
        if self.live is None:
            return False
        try:
            while self._memory:
                self.live.send_command(PENDING_STREAM, self._memory[0], maxlen=_STREAM_MAXLEN)
                self._memory.popleft()
                self._stream_dirty = True
            if not self._group_ready:
                self.live.ensure_group(PENDING_STREAM, WRITER_GROUP, start="0")
                self._group_ready = True
            return True
        except LiveError as exc:
            self._group_ready = False
            log.debug("pending stream unavailable", error=str(exc))
            return False

    def _flush_stream(self) -> tuple[bool, int]:
        """Write the stream's items in order; (all done, how many written)."""
        assert self.live is not None
        written = 0
        try:
            while True:
                batch = self._read_batch()
                if not batch:
                    break
                for command in batch:
                    if not self._try(command.data, command.id):
                        return False, written
                    self._ack(command.id)
                    written += 1
            self._stream_dirty = self._stream_length() > 0
            return not self._stream_dirty, written
        except LiveError as exc:
            self._group_ready = False
            log.debug("pending stream unavailable", error=str(exc))
            return False, written

    def _read_batch(self) -> list[Any]:
        """Our own pending (delivered, not acked: an earlier run), then another engine's
        long-idle ones, then new items - each batch oldest first."""
        assert self.live is not None
        live = self.live
        mine = live.read_own_pending(PENDING_STREAM, WRITER_GROUP, self.node, count=50)
        if mine:
            return mine
        others = live.reclaim(PENDING_STREAM, WRITER_GROUP, self.node, min_idle=60.0, count=50)
        if others:
            return others
        return live.read_commands(PENDING_STREAM, WRITER_GROUP, self.node, count=50, block=None)

    def _ack(self, entry_id: str) -> None:
        assert self.live is not None
        self.live.ack(PENDING_STREAM, WRITER_GROUP, entry_id)
        self.live.delete_commands(PENDING_STREAM, entry_id)

    def _stream_length(self) -> int:
        assert self.live is not None
        return self.live.stream_length(PENDING_STREAM)

    def _try(self, item: dict[str, Any], entry_id: str = "") -> bool:
        """Write one buffered item; False if the database is (still) down."""
        key = entry_id or str(id(item))
        try:
            self._write(item)
        except OUTAGE_ERRORS:
            return False
        except Exception as exc:
            count = self._rejections.get(key, 0) + 1
            self._rejections[key] = count
            if count < self.max_rejections:
                log.warning("buffered row rejected; will retry", error=str(exc), attempt=count)
                return False
            log.error(
                "buffered row rejected repeatedly; moved to the failed stream",
                stream=FAILED_STREAM,
                error=str(exc),
                call_uuid=_call_uuid(item),
            )
            if self.live is None:
                return False  # nowhere to park it: keep retrying rather than drop it
            try:
                self.live.send_command(
                    FAILED_STREAM, {**item, "error": str(exc)[:500]}, maxlen=_STREAM_MAXLEN
                )
            except LiveError:
                return False
        self._rejections.pop(key, None)
        return True
