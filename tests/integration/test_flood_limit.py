"""FloodLimit against a real redis-server: the count per caller number, the window's expiry
set by its first call, a counter left without expiry repaired."""

from __future__ import annotations

from callcenter.engine.calls.screening import FloodLimit
from callcenter.live import LiveStore


def test_the_third_call_in_the_window_is_refused_and_the_window_expires(live: LiveStore) -> None:
    flood = FloodLimit(live, max_calls=2, window_minutes=10)
    assert [flood.allow("13800000001") for _ in range(3)] == [True, True, False]
    assert flood.allow("13800000002")  # another number counts on its own
    assert 0 < live.redis.ttl(live.key("flood", "13800000001")) <= 600


def test_a_counter_left_without_expiry_gets_one(live: LiveStore) -> None:
    key = live.key("flood", "13800000003")
    live.redis.set(key, 1)  # e.g. an engine stopped between its INCR and EXPIRE
    assert FloodLimit(live, max_calls=5, window_minutes=1).allow("13800000003")
    assert live.redis.get(key) == "2"
    assert 0 < live.redis.ttl(key) <= 60


def test_no_limit_and_no_number_let_every_call_through(live: LiveStore) -> None:
    assert all(FloodLimit(live, max_calls=0, window_minutes=1).allow("1") for _ in range(5))
    assert FloodLimit(live, max_calls=1, window_minutes=1).allow("")
    assert live.redis.keys(live.key("flood", "*")) == []
