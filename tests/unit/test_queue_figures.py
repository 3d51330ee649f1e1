"""Queue wallboard figures (callcenter/reports/queue_figures.py) against hand-computed values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.reports.queue_figures import (
    AgentCounts,
    PeriodTotals,
    QueueTotals,
    Waiting,
    agents_by_queue,
    aht,
    alerts,
    asa,
    board,
    day_start,
    service_level,
    waiting_callers,
)

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def ago(seconds: float) -> str:
    """The ISO time ``seconds`` before NOW (as the call mirror writes it)."""
    return (NOW - timedelta(seconds=seconds)).isoformat()


# 10 offered: 6 answered (4 within 20 s), 3 abandoned of which 1 within 5 s, 1 still waiting
TODAY = PeriodTotals(
    offered=10, answered=6, abandoned=3, short_abandoned=1, within_target=4,
    wait_answered=90.0, handled=5, handle_seconds=1000.0,
)  # fmt: skip


def test_service_level_leaves_short_abandons_out() -> None:
    # 4 in time / (6 answered + 3 abandoned - 1 short) = 4 / 8
    assert service_level(TODAY) == 50.0


def test_asa_is_the_mean_wait_of_answered_calls() -> None:
    assert asa(TODAY) == 15.0  # 90 s over 6 answered


def test_aht_is_over_the_calls_that_ended() -> None:
    assert aht(TODAY) == 200.0  # 1000 s over 5 finished


def test_no_calls_give_no_figures_rather_than_zero() -> None:
    empty = PeriodTotals()
    assert (service_level(empty), asa(empty), aht(empty)) == (None, None, None)


def test_only_short_abandons_give_no_service_level() -> None:
    assert service_level(PeriodTotals(offered=2, abandoned=2, short_abandoned=2)) is None


def test_day_starts_at_midnight_in_the_centers_time_zone() -> None:
    # 10:00 UTC is 18:00 in Shanghai: its day began at 16:00 UTC the day before
    assert day_start(NOW, "Asia/Shanghai") == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    assert day_start(NOW, "UTC") == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def test_waiting_callers_count_queued_and_offered_calls_with_the_longest_wait() -> None:
    calls = [
        {"queue": "sales", "state": "queued", "enqueued_at": ago(42)},
        {"queue": "sales", "state": "offering", "enqueued_at": ago(7)},
        {"queue": "sales", "state": "talking", "enqueued_at": ago(99)},
        {"state": "ivr", "since": NOW.isoformat()},
    ]  # fmt: skip
    found = waiting_callers(calls, NOW)
    assert found == {"sales": Waiting(callers=2, longest=42.0)}


def test_agents_count_in_each_of_their_queues_by_state_and_reason() -> None:
    agents = [
        {"state": "available", "queues": "sales,support"},
        {"state": "on_call", "queues": "sales"},
        {"state": "ringing", "queues": "sales"},
        {"state": "wrap_up", "queues": "support"},
        {"state": "not_ready", "reason": "lunch", "queues": "sales"},
        {"state": "not_ready", "reason": "lunch", "queues": "sales"},
        {"state": "not_ready", "reason": "", "queues": "sales"},
        {"state": "logged_out", "queues": "sales"},
    ]
    found = agents_by_queue(agents)
    assert found["sales"] == AgentCounts(available=1, on_call=2, not_ready={"lunch": 2, "": 1})
    assert found["support"] == AgentCounts(available=1, wrap_up=1)


def test_a_tile_turns_red_for_a_long_wait_a_low_service_level_or_no_agents() -> None:
    fine = PeriodTotals(offered=5, answered=5, within_target=5)
    queue = QueueTotals("sales", service_level_seconds=20, today=fine)
    staffed = AgentCounts(available=1)
    assert alerts(queue, Waiting(callers=1, longest=20.0), staffed) == []
    assert alerts(queue, Waiting(callers=1, longest=21.0), staffed) == ["wait"]
    assert alerts(queue, Waiting(callers=1, longest=3.0), AgentCounts()) == ["no_agents"]
    slow = QueueTotals("sales", 20, PeriodTotals(offered=5, answered=5, within_target=3))
    assert alerts(slow, Waiting(), staffed) == ["service_level"]  # 60 % < 80 %


def test_board_puts_sql_totals_and_live_state_together() -> None:
    totals = [QueueTotals("sales", 30, TODAY, PeriodTotals(offered=1, answered=1, within_target=1,
                                                           wait_answered=12.0))]  # fmt: skip
    calls = [{"queue": "sales", "state": "queued", "enqueued_at": ago(40)}]
    agents = [{"state": "not_ready", "reason": "break", "queues": "sales"}]
    (tile,) = board(totals, calls, agents, NOW)
    assert tile == {
        "queue": "sales",
        "service_level_seconds": 30,
        "waiting": 1,
        "longest_wait": 40.0,
        "agents": {"available": 0, "on_call": 0, "wrap_up": 0, "not_ready": {"break": 1}},
        "today": {"offered": 10, "answered": 6, "abandoned": 3, "short_abandoned": 1,
                  "service_level": 50.0, "asa": 15.0, "aht": 200.0},
        "recent": {"offered": 1, "answered": 1, "abandoned": 0, "short_abandoned": 0,
                   "service_level": 100.0, "asa": 12.0, "aht": None},
        "alerts": ["wait", "service_level"],
    }  # fmt: skip
