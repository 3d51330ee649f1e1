"""Atomic agent reservation against a real redis-server: races, expiry, release, refusals."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from callcenter.live import LiveStore
from callcenter.live.reservation import ReservationRefused, Reservations

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def engines(redis_url: str, redis_prefix: str) -> Iterator[tuple[Reservations, Reservations]]:
    """Two engines on two nodes, each with its own Redis client, sharing agents."""
    stores = [LiveStore(redis_url, redis_prefix) for _ in range(2)]
    try:
        yield Reservations(stores[0], "node-a"), Reservations(stores[1], "node-b")
    finally:
        for store in stores:
            store.close()


def publish(live: LiveStore, agent_id: str, state: str = "available") -> None:
    live.put_agent(agent_id, state=state, since=T0.isoformat(), call_uuid="", reason="")


def race(engines: tuple[Reservations, Reservations], work: list) -> list:
    """Run ``work[i](engines[i])`` in two threads released together; their results."""
    barrier = threading.Barrier(2)
    results: list = [None, None]
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work[i](engines[i])
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def test_two_engines_racing_for_one_agent_exactly_one_wins_each_time(
    engines: tuple[Reservations, Reservations], live: LiveStore
) -> None:
    rounds = 1000
    step = threading.Barrier(2)

    def contend(engine: Reservations) -> list[int]:
        wins = []
        for n in range(rounds):
            if engine.node == "node-a":  # a third party makes the agent available again
                publish(live, "hot")
            step.wait(timeout=10)
            outcome = engine.reserve("hot", f"call-{engine.node}-{n}")
            if outcome:
                wins.append(n)
            else:
                assert (outcome.code, outcome.state) == ("state", "reserved")
            step.wait(timeout=10)
            if outcome:
                holder = live.get_agent("hot")
                assert (holder["call_uuid"], holder["node"]) == (outcome.call_uuid, engine.node)
            step.wait(timeout=10)
        return wins

    wins_a, wins_b = race(engines, [contend, contend])
    assert len(wins_a) + len(wins_b) == rounds  # every round exactly one winner
    assert not set(wins_a) & set(wins_b)
    assert wins_a and wins_b, "both engines should win some rounds (they really raced)"


def test_two_engines_sweeping_thousands_of_agents_never_share_one(
    engines: tuple[Reservations, Reservations], live: LiveStore
) -> None:
    agents = [f"a{n}" for n in range(3000)]
    pipe = live.redis.pipeline(transaction=False)
    for agent_id in agents:
        pipe.hset(live.key("agent", agent_id), mapping={"state": "available", "since": "t0"})
    pipe.execute()

    def grab(order: list[str]):  # noqa: ANN202
        def run(engine: Reservations) -> list[str]:
            return [a for a in order if engine.reserve(a, f"call-{engine.node}-{a}")]

        return run

    # Opposite orders: the engines meet somewhere in the middle. How much they overlap
    # depends on scheduling (under load one may take nearly all), so only the guarantees
    # are asserted; real contention is the previous test's job (barrier per round).
    won_a, won_b = race(engines, [grab(agents), grab(agents[::-1])])
    assert len(won_a) + len(won_b) == len(agents)
    assert not set(won_a) & set(won_b)
    for agent_id in won_a[:50]:
        assert live.get_agent(agent_id)["node"] == "node-a"
    for agent_id in won_b[:50]:
        assert live.get_agent(agent_id)["node"] == "node-b"


def test_reserve_first_takes_the_next_candidate_when_one_is_taken(
    engines: tuple[Reservations, Reservations], live: LiveStore
) -> None:
    a, b = engines
    for agent_id in ("x", "y", "z"):
        publish(live, agent_id)
    publish(live, "w", "not_ready")
    assert a.reserve("x", "call-1")
    won, refused = b.reserve_first(["w", "x", "y", "z"], "call-2")
    assert won is not None and won.agent_id == "y"
    assert [(r.agent_id, r.code, r.state) for r in refused] == [
        ("w", "state", "not_ready"),
        ("x", "state", "reserved"),
    ]
    assert live.get_agent("z")["state"] == "available"  # stopped at the first win
    none, refused = a.reserve_first(["x", "y"], "call-3")
    assert none is None and len(refused) == 2


def test_reserve_all_for_ring_all(
    engines: tuple[Reservations, Reservations], live: LiveStore
) -> None:
    a, _ = engines
    for agent_id in ("x", "y", "z"):
        publish(live, agent_id)
    publish(live, "y", "on_call")
    won, refused = a.reserve_all(["x", "y", "z"], "call-1")
    assert [w.agent_id for w in won] == ["x", "z"] and [r.agent_id for r in refused] == ["y"]
    assert a.confirm("x", "call-1", "on_call")  # x answered: the others are released
    assert a.release("z", "call-1")
    assert live.get_agent("z")["state"] == "available"
    assert set(a.pending()) == set()


def test_wrong_state_is_refused_with_the_reason(
    engines: tuple[Reservations, Reservations], live: LiveStore
) -> None:
    a, _ = engines
    publish(live, "a1", "not_ready")
    outcome = a.reserve("a1", "call-1")
    assert not outcome and outcome.code == "state" and outcome.state == "not_ready"
    assert outcome.reason == "agent a1 is not_ready, not available"
    with pytest.raises(ReservationRefused, match="not_ready, not available"):
        outcome.check()
    missing = a.reserve("ghost", "call-1")
    assert missing.code == "unknown" and "ghost" in missing.reason
    assert live.get_agent("a1")["state"] == "not_ready"  # nothing written on refusal
    assert "version" not in live.get_agent("a1")


def test_expected_version_and_since_guard_against_stale_reads(
    engines: tuple[Reservations, Reservations], live: LiveStore
) -> None:
    a, b = engines
    publish(live, "a1")
    seen = live.get_agent("a1")
    stale = a.reserve("a1", "call-1", expect_since="2020-01-01T00:00:00+00:00")
    assert stale.code == "since" and "expected 2020-01-01" in stale.reason
    assert a.reserve("a1", "call-1", expect_since=seen["since"], expect_version=0)
    assert a.release("a1", "call-1")  # version is now 2
    old = b.reserve("a1", "call-2", expect_version=1)
    assert old.code == "version" and "version 2, expected 1" in old.reason
    assert b.reserve("a1", "call-2", expect_version=2).version == 3


def test_confirm_and_release_check_state_and_call(
    engines: tuple[Reservations, Reservations], live: LiveStore
) -> None:
    a, b = engines
    publish(live, "a1")
    assert a.reserve("a1", "call-1")
    wrong = b.confirm("a1", "call-2")
    assert wrong.code == "call" and wrong.reason == "agent a1 is held for call call-1, not call-2"
    other_node = b.confirm("a1", "call-1")
    assert other_node.code == "node"
    ringing = a.confirm("a1", "call-1", "ringing")
    assert ringing.state == "ringing"
    assert live.get_agent("a1")["state"] == "ringing"
    answered = a.confirm("a1", "call-1", "on_call")
    assert answered and "reserved_until" not in live.get_agent("a1")
    assert a.pending() == {}
    late = a.release("a1", "call-1")
    assert late.code == "state" and "on_call, not reserved or ringing" in late.reason
    with pytest.raises(ValueError, match="ringing' or 'on_call"):
        a.confirm("a1", "call-1", "wrap_up")


def test_release_to_not_ready_after_misses(
    engines: tuple[Reservations, Reservations], live: LiveStore
) -> None:
    a, _ = engines
    publish(live, "a1")
    a.reserve("a1", "call-1").check()
    a.confirm("a1", "call-1").check()
    assert a.release("a1", "call-1", "not_ready", "missed")
    state = live.get_agent("a1")
    assert (state["state"], state["reason"], state["call_uuid"]) == ("not_ready", "missed", "")
    assert "node" not in state and "reserved_until" not in state


def test_sweep_frees_reservations_of_a_dead_node(
    engines: tuple[Reservations, Reservations], live: LiveStore
) -> None:
    a, b = engines
    for agent_id in ("r1", "r2", "kept"):
        publish(live, agent_id)
    assert a.reserve("r1", "call-1", ttl=0.05)
    assert a.reserve("r2", "call-2", ttl=0.05) and a.confirm("r2", "call-2", ttl=0.05)
    assert a.reserve("kept", "call-3", ttl=30)
    assert b.sweep() == []  # nothing expired yet
    time.sleep(0.1)  # node-a "dies": it never confirms or renews
    freed = b.sweep()
    assert {(e.agent_id, e.state, e.call_uuid, e.node) for e in freed} == {
        ("r1", "reserved", "call-1", "node-a"),
        ("r2", "ringing", "call-2", "node-a"),
    }
    assert live.get_agent("r1")["state"] == "available"
    assert "node" not in live.get_agent("r2")
    assert live.get_agent("kept")["state"] == "reserved"
    assert set(b.pending()) == {"kept"}
    assert b.reserve("r1", "call-4")  # free for the living node
    assert b.sweep() == []


def test_extend_keeps_a_slow_offer_alive(
    engines: tuple[Reservations, Reservations], live: LiveStore
) -> None:
    a, b = engines
    publish(live, "a1")
    assert a.reserve("a1", "call-1", ttl=0.1)
    assert a.confirm("a1", "call-1", ttl=0.1)
    since = live.get_agent("a1")["since"]
    time.sleep(0.06)
    renewed = a.extend("a1", "call-1", ttl=5)
    assert renewed.state == "ringing" and live.get_agent("a1")["since"] == since
    time.sleep(0.06)
    assert b.sweep() == []
    assert live.get_agent("a1")["state"] == "ringing"


def test_sweep_drops_stale_index_entries(
    engines: tuple[Reservations, Reservations], live: LiveStore
) -> None:
    a, _ = engines
    publish(live, "a1")
    assert a.reserve("a1", "call-1", ttl=0.02)
    publish(live, "a1", "on_call")  # e.g. an engine wrote the state directly
    time.sleep(0.05)
    assert a.sweep() == []
    assert a.pending() == {}
    assert live.get_agent("a1")["state"] == "on_call"
