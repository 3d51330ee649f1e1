"""Concurrent writers that SQLite serialises but PostgreSQL runs side by side: call records
written by two engines at once, ticket numbers taken at once, a callback dialled twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import Engine, func, select

from callcenter.config import TicketSettings
from callcenter.engine.records.persistence import EngineStore
from callcenter.engine.records.recorder import CallRecord
from callcenter.store.models import Call, Ticket
from callcenter.store.session import session_factory, session_scope
from callcenter.store.ticket_links import TicketCallback
from callcenter.tickets.callbacks import schedule_callback, start_callback
from callcenter.tickets.service import create_ticket
from callcenter.tickets.workflow import TicketError
from tests.support.postgres import backend_under_test

pytestmark = pytest.mark.skipif(
    backend_under_test() != "postgresql",
    reason="SQLite runs one writer at a time; run with CALLCENTER_TEST_DB=postgresql",
)

T = TypeVar("T")
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _all_at_once(count: int, work: Callable[[int], T]) -> list[T | BaseException]:
    """Run ``work(i)`` in ``count`` threads released together; each result or exception."""
    barrier = threading.Barrier(count)
    results: list[T | BaseException] = [RuntimeError("not run")] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _record(uuid: str) -> CallRecord:
    return CallRecord(
        call_uuid=uuid,
        caller_number="13800138000",
        started_at=T0,
        ended_at=T0 + timedelta(seconds=30),
        hangup_cause="NORMAL_CLEARING",
        events=[{"kind": "call_started", "at": T0.isoformat()}],
    )


def test_two_engines_writing_the_same_call_store_it_once(db_engine: Engine) -> None:
    stores = [EngineStore(session_factory(db_engine)) for _ in range(2)]
    for attempt in range(5):
        uuid = f"same-{attempt}"
        results = _all_at_once(2, lambda i, uuid=uuid: stores[i].write_call(_record(uuid)))
        assert sorted(results) == [False, True], results
    with session_scope(db_engine) as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 5


def test_eight_writers_at_once_lose_no_call(db_engine: Engine) -> None:
    store = EngineStore(session_factory(db_engine))

    def write(index: int) -> list[bool]:
        return [store.write_call(_record(f"w{index}-{n}")) for n in range(10)]

    results = _all_at_once(8, write)
    assert results == [[True] * 10] * 8
    with session_scope(db_engine) as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 80


def test_tickets_created_at_once_get_distinct_numbers(db_engine: Engine) -> None:
    settings = TicketSettings()

    def create(index: int) -> str:
        with session_scope(db_engine) as session:
            return create_ticket(session, settings, subject=f"at once {index}", now=T0).number

    results = _all_at_once(8, create)
    assert all(isinstance(number, str) for number in results), results
    assert len(set(results)) == 8
    with session_scope(db_engine) as session:
        stored = session.scalars(select(Ticket.number)).all()
    assert sorted(stored) == sorted(results)
    assert sorted(stored) == [f"T20261207-{n:04d}" for n in range(1, 9)]


def test_a_callback_dialled_by_two_agents_at_once_is_taken_once(db_engine: Engine) -> None:
    with session_scope(db_engine) as session:
        ticket = create_ticket(session, TicketSettings(), subject="call me", now=T0)
        callback_id = schedule_callback(session, ticket, "13800138000", T0, now=T0).id

    both_read = threading.Barrier(2)

    def dial(agent: int) -> int:
        with session_scope(db_engine) as session:
            callback = session.get(TicketCallback, callback_id)
            assert callback is not None and callback.status == "scheduled"
            both_read.wait()  # both users saw it scheduled; both press Dial
            start_callback(session, callback, actor_id=None, now=T0 + timedelta(seconds=agent))
            return agent

    results = _all_at_once(2, dial)
    taken = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, TicketError)]
    assert len(taken) == 1 and len(refused) == 1, results
    with session_scope(db_engine) as session:
        callback = session.get(TicketCallback, callback_id)
        assert callback is not None and callback.status == "dialling"
