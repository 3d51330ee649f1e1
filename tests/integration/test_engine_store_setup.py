"""What the engine reads of the admin set-up, on a real SQLite file: blacklist prefixes and
expiry, named calendars, and a queue's widening and tier wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.engine.records.persistence import EngineStore
from callcenter.engine.routing.queue_config import load_policies
from callcenter.store import models
from callcenter.store.session import make_engine, session_factory, session_scope

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def store(db_url: str) -> EngineStore:
    return EngineStore(session_factory(make_engine(db_url)))


def test_blacklist_numbers_prefixes_and_expiry(db_url: str) -> None:
    with session_scope(db_url) as session:
        session.add_all([
            models.BlacklistEntry(number="1390013*"),
            models.BlacklistEntry(number="13800000666"),
            models.BlacklistEntry(number="1370*", expires_at=NOW - timedelta(minutes=1)),
        ])  # fmt: skip
    engine = store(db_url)
    assert engine.is_blacklisted("13900130001", NOW)  # the prefix
    assert engine.is_blacklisted("13800000666", NOW)
    assert not engine.is_blacklisted("1380000066", NOW)  # exact entries are not prefixes
    assert not engine.is_blacklisted("13700000000", NOW)  # expired
    assert not engine.is_blacklisted("13900140001", NOW)


def test_named_calendar_is_read_for_schedule_nodes(db_url: str) -> None:
    with session_scope(db_url) as session:
        session.add(models.Calendar(name="office", timezone="UTC", hours="sat: 10:00-12:00",
                                    holidays="12-25"))  # fmt: skip
        session.add(models.Calendar(name="old", timezone="UTC", hours="", active=False))
    calendar = store(db_url).calendar("office")
    assert calendar is not None and calendar.hours[5] == ((600, 720),)
    assert calendar.holidays[0].yearly and calendar.timezone == "UTC"
    assert store(db_url).calendar("old") is None and store(db_url).calendar("none") is None


def test_queue_widening_and_tier_wait_reach_the_routing_config(db_url: str) -> None:
    with session_scope(db_url) as session:
        session.add(models.Queue(name="vip", widening="60:1, 30:5", tier_wait_seconds=20))
        session.add(models.Queue(name="odd", widening="soon:5"))  # bad: logged and ignored
    policies = load_policies(session_factory(make_engine(db_url)), 20.0, 3)
    assert policies["vip"].routing.widening == ((30.0, 5), (60.0, 1))
    assert policies["vip"].routing.tier_wait == 20.0
    assert policies["odd"].routing.widening == ()
