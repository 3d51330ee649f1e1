"""The engine as wired (callcenter/engine/service.py): one handler per agent action, the bus
consumers' order, and a refused command told to the agent. The engine is built, not started."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from callcenter.agent_actions import ACTIONS, CTI_ACTIONS
from callcenter.config import Settings
from callcenter.engine.bus import CallAnswered, CallEnded
from callcenter.engine.service import Engine
from callcenter.live.names import agent_channel
from callcenter.live.store import LiveStore


@pytest.fixture
def engine(db_url: str, live: LiveStore, tmp_path: Path) -> Iterator[Engine]:
    """An engine built on a migrated SQLite file and the test's Redis (not started)."""
    settings = Settings(
        database={"url": db_url},
        esl={"password": "not-the-stock-one"},
        recording={"path": str(tmp_path / "recordings")},
        ivr={"flows": str(tmp_path / "no-such-folder")},
    )
    engine = Engine(settings, live)
    yield engine
    engine.store.sessions.kw["bind"].dispose()


def test_every_agent_action_has_exactly_one_engine_handler(engine: Engine) -> None:
    assert len(set(ACTIONS)) == len(ACTIONS)
    assert sorted(engine.commands.table) == sorted(ACTIONS)
    # the CTI's own table: the contract's CTI actions but dial (click-to-call), and call
    # control of an agent in a consultation or a conference
    assert set(engine.cti.table) == {*CTI_ACTIONS, "hangup", "hold", "unhold"} - {"dial"}


def _consumers(engine: Engine, event_type: type) -> list[str]:
    return [handler.__qualname__ for handler in engine.bus.consumers(event_type)]


def test_bus_consumers_receive_a_call_end_in_the_documented_order(engine: Engine) -> None:
    assert _consumers(engine, CallEnded) == [
        "QueueStats._ended",
        "VoicemailTickets._ended",
        "CallFigures._ended",  # metrics: forgets the call's offers (counts at the record)
        "RecordingControl._on_ended",
        "AgentCalls._ended",  # the agent to wrap-up while the record is open
        "Monitoring._on_call_ended",  # a supervisor listening in is hung up
        "CallRecorder._on_event",  # the record written ...
        "CallMirror.on_event",  # ... before the call leaves the wallboard
    ]
    assert _consumers(engine, CallAnswered) == [
        "QueueStats._answered",
        "CallFigures._answered",  # metrics: the offer's latency
        "RecordingControl._on_answered",
        "AgentCalls._answered",  # who talks on the call, before the mirror asks
        "CallRecorder._on_event",
        "CallMirror.on_event",
    ]


def test_a_refused_command_is_told_to_the_agent(engine: Engine, live: LiveStore) -> None:
    with live.subscribe(agent_channel("1000")) as subscription:
        engine.commands.run_message({"agent_id": "1000", "action": "dtmf", "digits": "12x"})
        engine.commands.run_message({"agent_id": "1000", "action": "ready"})
        told = [subscription.get(timeout=5.0) for _ in range(2)]
    assert [message.data["action"] for message in told] == ["dtmf", "ready"]
    assert "1-64 of 0-9" in told[0].data["error"]
    assert "1000" in told[1].data["error"]  # no such agent in this engine's book


def test_every_queued_handler_of_the_main_connection_keeps_only_the_headers_it_reads(
    engine: Engine,
) -> None:
    # A queued handler of whole events holds every leg's channel (~150 headers) until its
    # worker runs: when thousands of calls end at once, that is tens of MB (sim_scale).
    queued = [sub for sub in engine.inbound.handlers.subscriptions() if not sub.inline]
    assert queued  # the hang-up handlers of monitoring, CTI, callbacks, take-over
    whole = [f"{sub.key}: {sub.handler.__qualname__}" for sub in queued if sub.headers is None]
    assert whole == []
