"""The engine process against the FreeSWITCH simulator: callers reach agents, records land.

The engine runs as a real child process (``callcenter serve --no-console``), with a real
redis-server and a real SQLite file; the simulator plays FreeSWITCH, the callers and the
agents' softphones in the test process.
"""

from __future__ import annotations

import json
import wave
from collections.abc import Iterator
from pathlib import Path

import gevent
import pytest
from sqlalchemy import select
from structlog.testing import capture_logs

from callcenter.engine.calls.handler import CallHandler
from callcenter.sim import Switch, press, wait
from callcenter.store import models
from callcenter.store.session import session_scope
from callcenter.switch.errors import CommandTimeout
from callcenter.switch.outbound import OutboundSession
from callcenter.switch.supervisor import ReconnectingInbound
from tests.support.calls import call_rows, eventually, sign_in
from tests.support.center import RINGING, Center
from tests.support.engine_process import hotline_actions
from tests.support.trace_replay import (
    close_step,
    load_trace,
    pause_step,
    play_outbound,
)


@pytest.fixture
def center(
    request: pytest.FixtureRequest, tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> Iterator[Center]:
    env = RINGING | {"RECORDING__KEEP_WAV": "true"}  # the test opens the WAV after processing
    with Center(
        tmp_path, db_url, redis_url, redis_prefix, request=request, env=env, in_process=True
    ) as built:
        yield built


def test_caller_reaches_agent_and_the_call_is_recorded(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=1.0, hangup_after=4.0)
    sign_in(center, "1000")
    desktop = center.live.subscribe("agent:1000")  # what the agent's desktop listens to
    caller = switch.place_call("13800138000", "5000", [wait(1.0), press("2")])
    eventually(lambda: caller.answered.is_set(), what="caller answered")
    eventually(
        lambda: center.live.get_agent("1000").get("state") == "on_call", what="agent on call"
    )
    # While the agent talks, the live call carries what the screen-pop shows.
    live_call = center.live.get_call(center.live.get_agent("1000")["call_uuid"])
    assert live_call["state"] == "talking" and live_call["queue"] == "support"
    assert json.loads(live_call["ivr_path"])[-2:] == [
        {"node": "menu", "value": "2"},
        {"node": "support", "value": "support"},
    ]
    assert live_call["enqueued_at"] < live_call["since"]
    seen: list[dict] = []

    def desktop_saw_call_and_agent() -> bool:
        message = desktop.get(timeout=0.01)
        if message is not None:
            seen.append(message.data)
        return any(d.get("call", {}).get("state") == "talking" for d in seen) and any(
            d.get("agent", {}).get("state") == "on_call" for d in seen
        )

    eventually(desktop_saw_call_and_agent, what="call and agent on the agent's own channel")
    desktop.close()
    eventually(lambda: caller.ended.is_set(), timeout=20, what="call ended")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.disposition == "answered"
    assert record.caller_number == "13800138000" and record.dialled_number == "5000"
    # the key pressed over the welcome prompt is type-ahead for the main menu
    assert record.ivr_path == [
        {"node": "hours", "value": "open"},
        {"node": "find_customer", "value": "not_found"},
        {"node": "welcome", "value": "barge-in:2"},
        {"node": "menu", "value": "2"},
        {"node": "support", "value": "support"},
    ]
    assert record.hangup_by == "agent"
    assert record.answered_at > record.enqueued_at > record.started_at
    assert record.talk_seconds and record.talk_seconds > 0
    with session_scope(center.db_url) as session:
        agent = session.get(models.Agent, record.agent_id)
        assert agent.number == "1000"
        queue = session.get(models.Queue, record.queue_id)
        assert queue.name == "support"
        (recording,) = session.scalars(select(models.Recording)).all()
        kinds = [
            e.type
            for e in session.scalars(
                select(models.CallEvent)
                .where(models.CallEvent.call_id == record.id)
                .order_by(models.CallEvent.ts)
            ).all()
        ]
    assert kinds[:8] == ["call_arrived"] + ["ivr_input"] * 5 + ["ivr_ended", "call_queued"]
    assert kinds[8] == "agent_offered"
    with wave.open(recording.path) as wav:
        assert wav.getnchannels() == 2 and wav.getnframes() > 0
    # wrap-up (1 s), then available again
    eventually(
        lambda: center.live.get_agent("1000").get("state") == "available",
        what="agent available after wrap-up",
    )


def test_unanswered_agent_is_skipped_and_the_next_one_takes_the_call(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", mode="noanswer")
    switch.add_softphone("1001", answer_after=1.0, hangup_after=2.0)
    sign_in(center, "1000")
    gevent.sleep(0.5)
    sign_in(center, "1001")  # 1000 has been idle longer: it is offered first
    caller = switch.place_call("13900000001", "5000", [wait(1.0), press("1")])
    eventually(lambda: caller.ended.is_set(), timeout=30, what="call ended")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.disposition == "answered"
    with session_scope(center.db_url) as session:
        assert session.get(models.Agent, record.agent_id).number == "1001"
        missed = session.scalars(
            select(models.CallEvent.data).where(
                models.CallEvent.call_id == record.id, models.CallEvent.type == "agent_missed"
            )
        ).all()
    assert missed == [{"agent_id": "1000", "cause": "NO_ANSWER"}]


def test_caller_hanging_up_while_agent_rings_cancels_the_agent_leg(center: Center) -> None:
    switch: Switch = center.switch
    phone = switch.add_softphone("1000", mode="noanswer")
    sign_in(center, "1000")
    caller = switch.place_call("13700000000", "5000", [wait(1.0), press("1")], hangup_after=1.0)
    eventually(
        lambda: center.live.get_agent("1000").get("state") == "ringing", what="agent ringing"
    )
    eventually(lambda: caller.ended.is_set(), what="caller gone")
    # No zombie agent call: the agent's leg is gone right after the caller's.
    eventually(
        lambda: not [c for c in switch.channels.values()], timeout=5, what="agent leg cancelled"
    )
    eventually(
        lambda: center.live.get_agent("1000").get("state") == "available",
        what="agent available again",
    )
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.disposition == "abandoned" and record.hangup_by == "caller"
    assert phone is not None


def test_caller_giving_up_with_no_agent_is_abandoned(center: Center) -> None:
    switch: Switch = center.switch
    caller = switch.place_call("13600000000", "5000", [wait(1.0), press("3")], hangup_after=2.0)
    eventually(lambda: caller.ended.is_set(), what="caller gone")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.disposition == "abandoned" and record.agent_id is None
    assert record.wait_seconds and record.wait_seconds > 0
    assert not Path(center.tmp, "recordings").exists() or not list(
        Path(center.tmp, "recordings").rglob("*.wav")
    )


@pytest.mark.parametrize("complete", [True, False], ids=["hangup-complete", "hangup-only"])
def test_a_caller_hanging_up_while_the_engine_sets_up_the_socket_still_gets_a_record(
    center: Center, complete: bool
) -> None:
    # FreeSWITCH's socket app (the bytes of S06b): the caller hangs up right after the
    # myevents reply, before the engine's next set-up command is answered, and the switch
    # (no linger yet) says goodbye and closes. Without CHANNEL_HANGUP_COMPLETE (a switch
    # stalled past the socket's end), CHANNEL_HANGUP still says the caller hung up.
    records = load_trace("S06b-outbound")
    names = ("CHANNEL_HANGUP\n", "CHANNEL_HANGUP_COMPLETE\n") if complete else ("CHANNEL_HANGUP\n",)
    hangup = [r for r in records if any(f"Event-Name: {name}" in r.raw for name in names)]
    notice = [r for r in records if r.raw.startswith("Content-Type: text/disconnect-notice")]
    script = [*records[:4], *hangup, *notice, pause_step(0.3), close_step()]
    player, playing = play_outbound(script, ("127.0.0.1", center.engine.outbound_port))
    playing.join(timeout=10)
    assert player.errors == [] and player.finished
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.uuid == "d55c3d12-da06-4707-b9cb-a93e1f954c6a"
    assert record.ended_at is not None and record.hangup_cause == "NORMAL_CLEARING"
    # a hang-up before the menu's first prompt counts as one in the IVR
    assert (record.disposition, record.hangup_by) == ("ivr_completed", "caller")


def test_a_failure_in_the_call_path_is_the_error_reported_even_if_the_hang_up_fails_too(
    center: Center, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("broken queue step")

    real_api = ReconnectingInbound.api

    def slow_kill(self: ReconnectingInbound, command: str, *args: object, **kwargs: object):
        if command.startswith("uuid_kill"):  # a switch too busy to answer in time
            raise CommandTimeout("FreeSWITCH did not answer", command, 10.0)
        return real_api(self, command, *args, **kwargs)

    raised: list[BaseException] = []
    real_run = CallHandler.run

    def run(self: CallHandler) -> None:
        try:
            real_run(self)
        except BaseException as exc:
            raised.append(exc)
            raise

    monkeypatch.setattr(CallHandler, "carry_out", broken)
    monkeypatch.setattr(CallHandler, "run", run)
    monkeypatch.setattr(ReconnectingInbound, "api", slow_kill)
    with capture_logs() as logs:
        caller = center.switch.place_call("13600000001", "5000", [wait(1.0), press("2")],
                                          hangup_after=1.0)  # fmt: skip
        eventually(lambda: caller.ended.is_set(), what="caller gone")
        (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert [type(exc) for exc in raised] == [RuntimeError]  # not the failed uuid_kill's timeout
    warned = [e for e in logs if e["event"] == "could not hang up after a failure"]
    assert len(warned) == 1 and "did not answer" in warned[0]["error"]
    assert record.ended_at is not None


def test_a_caller_whose_queue_music_gets_no_answer_in_time_still_reaches_an_agent(
    center: Center, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_execute = OutboundSession.execute_async
    refused: list[str] = []

    def busy_switch(self: OutboundSession, app: str, arg: str | None = None):
        if app == "playback" and not refused:  # the queue's music: the first playback here
            refused.append(str(arg))
            raise CommandTimeout("FreeSWITCH did not answer 'sendmsg' within 10 s", "sendmsg")
        return real_execute(self, app, arg)

    center.switch.add_softphone("1000", answer_after=1.0, hangup_after=2.0)
    sign_in(center, "1000")
    monkeypatch.setattr(OutboundSession, "execute_async", busy_switch)
    caller = center.switch.place_call("13800138001", "5000", [wait(1.0), press("2")])
    eventually(lambda: caller.ended.is_set(), what="call over")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert refused and (record.disposition, record.hangup_cause) == ("answered", "NORMAL_CLEARING")


@pytest.mark.queue_strategy("top-down")
def test_queue_strategy_from_the_database_decides_who_rings_first(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5, hangup_after=1.0)
    switch.add_softphone("1001", answer_after=0.5, hangup_after=1.0)
    sign_in(center, "1000")
    gevent.sleep(0.5)
    sign_in(center, "1001")  # longest idle would pick 1000; top-down picks position 1: 1001
    caller = switch.place_call("13500000000", "5000", [wait(1.0), press("2")])
    eventually(lambda: caller.ended.is_set(), timeout=20, what="call ended")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    with session_scope(center.db_url) as session:
        assert session.get(models.Agent, record.agent_id).number == "1001"


def test_agent_hanging_up_first_ends_the_call_with_the_shipped_dialplan(center: Center) -> None:
    # The shipped hotline sets park_after_bridge=true: FreeSWITCH parks the caller when the
    # agent hangs up, and the engine (no post-call survey) must hang the caller up.
    switch: Switch = center.switch
    switch.dialplan["5000"] = hotline_actions(switch.dialplan["5000"])
    switch.add_softphone("1000", answer_after=0.5, hangup_after=1.5)
    sign_in(center, "1000")
    caller = switch.place_call("13700000009", "5000", [wait(1.0), press("2")], hangup_after=60.0)
    eventually(lambda: caller.ended.is_set(), timeout=30, what="caller hung up by the engine")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.disposition == "answered" and record.hangup_by == "agent"
    parked = [e for e in caller.events if e.name == "CHANNEL_PARK"]
    assert parked, "FreeSWITCH parked the caller after the agent left"
    eventually(lambda: center.live.get_agent("1000").get("state") == "available", what="agent free")
