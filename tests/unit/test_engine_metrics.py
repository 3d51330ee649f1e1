"""The engine's figures (callcenter/engine/metrics) fed by bus events and hooks, read back
from their Prometheus registry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from callcenter.acd.agents import Agent, AgentState
from callcenter.acd.routing import WaitingCall
from callcenter.engine.bus import AgentMissed, AgentOffered, Bus, CallAnswered, CallEnded
from callcenter.engine.metrics.calls import CallFigures
from callcenter.engine.metrics.figures import Figures
from callcenter.engine.metrics.hooks import Hooks
from callcenter.engine.metrics.live_state import LiveStateCollector
from callcenter.engine.records.recorder import CallRecord
from callcenter.live.errors import LiveUnavailable
from callcenter.switch.timing import command_verb

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
T2, T4 = T0 + timedelta(seconds=2), T0 + timedelta(seconds=4)


def test_offers_are_counted_and_timed_until_answer_or_miss() -> None:
    registry, bus = CollectorRegistry(), Bus()
    CallFigures(bus, Figures(registry))
    bus.publish(AgentOffered(call_uuid="c1", agent_id="1000", agent_leg_uuid="l1", at=T0))
    bus.publish(
        AgentMissed(
            call_uuid="c1", agent_id="1000", cause="NO_ANSWER", at=T0 + timedelta(seconds=4)
        )
    )
    bus.publish(AgentOffered(call_uuid="c1", agent_id="1001", agent_leg_uuid="l2", at=T0))
    bus.publish(
        CallAnswered(
            call_uuid="c1", agent_id="1001", agent_leg_uuid="l2", at=T0 + timedelta(seconds=2)
        )
    )
    bus.publish(AgentOffered(call_uuid="c2", agent_id="1002", agent_leg_uuid="l3", at=T0))
    bus.publish(CallEnded(call_uuid="c2", hangup_cause="NORMAL_CLEARING", hangup_by="caller"))
    bus.publish(CallAnswered(call_uuid="c2", agent_id="1002", agent_leg_uuid="l3"))  # too late

    def sample(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert sample("callcenter_offers_total") == 3
    assert sample("callcenter_offers_missed_total", cause="NO_ANSWER") == 1
    assert sample("callcenter_offer_seconds_count", outcome="missed") == 1
    assert sample("callcenter_offer_seconds_sum", outcome="missed") == 4
    assert sample("callcenter_offer_seconds_count", outcome="answered") == 1
    assert sample("callcenter_offer_seconds_sum", outcome="answered") == 2


def test_ended_calls_are_counted_by_disposition_once() -> None:
    registry = CollectorRegistry()
    figures = CallFigures(Bus(), Figures(registry))
    written: list[CallRecord] = []
    sink = figures.counting(written.append)
    sink(CallRecord("c1", answered_at=T0))
    sink(CallRecord("c1", answered_at=T0, revision=1))  # the wrap-up ended: not a new call
    sink(CallRecord("c2", enqueued_at=T0, hangup_by="caller"))
    assert len(written) == 3
    count = "callcenter_calls_total"
    assert registry.get_sample_value(count, {"disposition": "answered"}) == 1
    assert registry.get_sample_value(count, {"disposition": "abandoned"}) == 1


def test_sql_errors_are_counted_until_the_hook_is_removed() -> None:
    registry = CollectorRegistry()
    hooks = Hooks(Figures(registry))
    engine = create_engine("sqlite://")
    hooks.watch_sql(engine)
    with engine.connect() as connection, pytest.raises(OperationalError):
        connection.execute(text("SELECT * FROM no_such_table"))
    assert registry.get_sample_value("callcenter_sql_errors_total") == 1
    hooks.remove()
    with engine.connect() as connection, pytest.raises(OperationalError):
        connection.execute(text("SELECT * FROM no_such_table"))
    assert registry.get_sample_value("callcenter_sql_errors_total") == 1


def test_live_state_is_read_at_scrape_time() -> None:
    waiting = [
        WaitingCall("c1", "support", "138", T0),
        WaitingCall("c2", "support", "139", datetime.now(UTC) - timedelta(seconds=30)),
    ]
    agents = [Agent("1000", "1000", AgentState.AVAILABLE), Agent("1001", "1001")]

    def pending() -> int:
        raise LiveUnavailable("redis down")

    registry = CollectorRegistry()
    registry.register(LiveStateCollector(lambda: waiting, lambda: agents, pending, lambda: True))
    assert registry.get_sample_value("callcenter_queue_callers_waiting", {"queue": "support"}) == 2
    longest = registry.get_sample_value(
        "callcenter_queue_longest_wait_seconds", {"queue": "support"}
    )
    assert longest and longest > 3600  # c1, waiting since T0
    assert registry.get_sample_value("callcenter_agents", {"state": "available"}) == 1
    assert registry.get_sample_value("callcenter_agents", {"state": "logged_out"}) == 1
    assert registry.get_sample_value("callcenter_agents", {"state": "on_call"}) == 0
    assert registry.get_sample_value("callcenter_esl_connected") == 1
    assert registry.get_sample_value("callcenter_records_buffered") is None  # unknown
    waiting.clear()  # the queue stays, at zero
    assert registry.get_sample_value("callcenter_queue_callers_waiting", {"queue": "support"}) == 0


def test_command_verbs_keep_the_api_name_only() -> None:
    assert command_verb("api uuid_kill 1234 NORMAL_CLEARING") == "api uuid_kill"
    assert command_verb("bgapi originate {x=1}user/1000 &park()") == "bgapi originate"
    assert command_verb("sendmsg 1234") == "sendmsg"
    assert command_verb("event json CHANNEL_ANSWER") == "event"
