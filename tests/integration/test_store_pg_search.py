"""Searches a user types read the same on both backends: SQLite's LIKE ignores ASCII case,
PostgreSQL's does not, so transcript text and customer tags are searched without case."""

from __future__ import annotations

from datetime import UTC, datetime

from callcenter.recording.query import CallFilters, find_calls
from callcenter.store import models
from callcenter.store.session import session_scope
from callcenter.tickets.customers import search_customers

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_transcript_search_ignores_case(db_url: str) -> None:
    with session_scope(db_url) as session:
        call = models.Call(uuid="c1", started_at=T0)
        recording = models.Recording(call=call, path="recordings/c1.wav", format="wav")
        session.add_all([call, recording])
        session.flush()
        session.add(
            models.Transcript(
                recording_id=recording.id, call_id=call.id, model="small",
                text="caller: I want a Refund for my order",
            )
        )  # fmt: skip
    with session_scope(db_url) as session:
        for typed in ("refund", "REFUND", "Refund"):
            found = find_calls(session, CallFilters(text=typed))
            assert [c.uuid for c in found] == ["c1"], typed


def test_customer_search_by_tag_ignores_case(db_url: str) -> None:
    with session_scope(db_url) as session:
        session.add(models.Customer(name="Zhang San", tags=["Gold", "vip"]))
        session.add(models.Customer(name="Li Si", tags=["silver"]))
    with session_scope(db_url) as session:
        for typed in ("gold", "GOLD", "VIP"):
            assert [c.name for c in search_customers(session, typed)] == ["Zhang San"], typed
