"""IVR steps go with the call record through the record buffer into SQLite: flags, a goto into
another flow, an outage (the database file unreachable) and an idempotent retry."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from callcenter.engine.bus import BusEvent, CallArrived, IvrEnded, IvrInput
from callcenter.engine.records.buffer import RecordBuffer
from callcenter.engine.records.persistence import EngineStore
from callcenter.engine.records.recorder import CallRecord
from callcenter.store import models
from callcenter.store.migrate import upgrade
from callcenter.store.session import make_engine, session_factory, session_scope

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def visit(n: int, flow: str, node: str, node_type: str, value: str) -> IvrInput:
    return IvrInput(call_uuid="c1", node=node if flow == "main" else f"{flow}:{node}",
                    value=value, flow=flow, version=3, node_id=node, node_type=node_type,
                    at=T0 + timedelta(seconds=n))  # fmt: skip


def a_record() -> CallRecord:
    """A caller retries the menu, goes to flow billing, and hangs up in its menu."""
    events: list[BusEvent] = [
        CallArrived(call_uuid="c1", caller_number="100", caller_name="", dialled_number="5000",
                    at=T0),
        visit(1, "main", "menu", "menu", "timeout"),
        visit(2, "main", "menu", "menu", "9"),
        visit(3, "main", "to_billing", "goto", "billing"),
        visit(4, "billing", "menu", "menu", "invalid:4"),
        IvrInput(call_uuid="c1", node="flow", value="missing", at=T0),  # no flow: not a step
        IvrEnded(call_uuid="c1", flow="main", outcome="gone", exit_flow="billing",
                 exit_version=3, exit_node="menu", at=T0 + timedelta(seconds=5)),
    ]  # fmt: skip
    return CallRecord("c1", started_at=T0, ended_at=T0 + timedelta(seconds=6),
                      events=[event.as_dict() for event in events])  # fmt: skip


def steps(db_url: str) -> list[tuple]:
    step = models.IvrStep
    columns = (step.seq, step.flow, step.version, step.node, step.kind, step.value,
               step.first_visit, step.entered)  # fmt: skip
    with session_scope(db_url) as session:
        return [tuple(row) for row in session.execute(select(*columns).order_by(step.seq))]


def test_steps_are_buffered_through_an_outage_and_written_once(tmp_path: Path) -> None:
    ready = tmp_path / "ready.db"
    upgrade(f"sqlite:///{ready}")
    path = tmp_path / "gone" / "callcenter.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    path.parent.rmdir()  # the database cannot be opened: an outage
    store = EngineStore(session_factory(engine))
    buffer = RecordBuffer(store, None)
    buffer.write_call(a_record())
    assert buffer.backlog == 1
    assert not buffer.flush_once()  # still down
    path.parent.mkdir()
    shutil.copy(ready, path)  # back
    assert buffer.flush_once()
    expected = [
        (1, "main", 3, "menu", "menu", "timeout", True, True),
        (2, "main", 3, "menu", "menu", "9", False, False),
        (3, "main", 3, "to_billing", "goto", "billing", True, False),
        (4, "billing", 3, "menu", "menu", "invalid:4", True, True),
        (5, "billing", 3, "menu", "exit", "gone", False, False),
    ]
    assert steps(url) == expected
    assert store.write_call(a_record()) is False  # a retry writes nothing twice
    assert steps(url) == expected
    engine.dispose()
