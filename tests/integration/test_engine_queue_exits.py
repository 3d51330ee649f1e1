"""Waiting in a queue on live calls: announcements, max wait / no agent / exit key, callbacks.

The real engine process, the simulator, Redis and SQLite; each test sets the support queue's
SQL row (the engine reads it at start) and walks a caller through a one-node flow.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydub import AudioSegment
from sqlalchemy import select

from callcenter.live.store import LiveStore
from callcenter.sim import Switch, audio, press, wait
from callcenter.store import models
from callcenter.store.session import session_scope
from tests.support.calls import call_rows, event_rows, eventually, sign_in
from tests.support.center import Center
from tests.support.flows import PLAIN_QUEUE_FLOW

FLOWS = {
    # A queue node with a next node: the flow resumes there when the caller leaves the line.
    "waiting": """
name: waiting
description: support queue, then an apology
start: line
nodes:
  line:
    type: queue
    queue: support
    next: sorry
  sorry:
    type: hangup
    prompt: "say:Nobody is free right now. Goodbye."
""",
    # No next node: the queue's overflow target decides.
    "plain": PLAIN_QUEUE_FLOW,
}


@pytest.fixture
def center(
    request: pytest.FixtureRequest, tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> Iterator[Center]:
    with Center(
        tmp_path,
        db_url,
        redis_url,
        redis_prefix,
        request=request,
        agents=["1000"],
        flows=FLOWS,
        numbers={"5000": "plain", "5001": "waiting"},
        default_flow="plain",
        in_process=True,
    ) as built:
        yield built


def spoken(caller: object) -> list[str]:
    """The TTS texts the switch played to the caller, in order."""
    return [
        (event.get("Application-Data") or "").split("|", 2)[-1]
        for event in caller.events  # type: ignore[attr-defined]
        if event.name == "CHANNEL_EXECUTE" and event.get("Application") == "speak"
    ]


def names(db_url: str, record: models.Call) -> tuple[str, str]:
    """The record's agent number and queue name."""
    with session_scope(db_url) as session:
        agent = session.get(models.Agent, record.agent_id) if record.agent_id else None
        queue = session.get(models.Queue, record.queue_id) if record.queue_id else None
        return (agent.number if agent else "", queue.name if queue else "")


def kinds(db_url: str, record: models.Call) -> list[str]:
    return [kind for kind, _ in event_rows(db_url, record.id)]


def queue_left(db_url: str, record: models.Call) -> dict:
    (data,) = [data for kind, data in event_rows(db_url, record.id) if kind == "queue_left"]
    return data


@pytest.mark.queue_rules(
    announce_position=True, announce_wait_time=True, announce_interval_seconds=1
)
def test_waiting_callers_hear_their_place_in_line(center: Center) -> None:
    switch: Switch = center.switch
    first = switch.place_call("13800000001", "5000", [], hangup_after=40.0)
    eventually(lambda: center.live.get_call(first.uuid).get("state") == "queued", what="q")
    second = switch.place_call("13800000002", "5000", [], hangup_after=40.0)
    eventually(lambda: "You are number 2 in line." in spoken(second), what="second's place")
    assert "You are number 1 in line." in spoken(first)
    # Nobody is on duty for the queue: no wait estimate is made up.
    assert not any("estimated wait" in text for text in spoken(first) + spoken(second))
    first.hangup()
    eventually(lambda: "You are number 1 in line." in spoken(second), what="moved up")
    second.hangup()
    eventually(lambda: len(call_rows(center.db_url)) == 2, what="two records")
    # The music came back after each announcement.
    apps = [e.get("Application-Data") for e in second.events if e.name == "CHANNEL_EXECUTE"]
    assert apps.count("local_stream://moh") >= 2


@pytest.mark.queue_rules(max_wait_seconds=2, overflow_target="queue:sales")
def test_max_wait_moves_the_caller_to_the_overflow_queue(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5, hangup_after=2.0)
    caller = switch.place_call("13800000003", "5000", [], hangup_after=60.0)
    eventually(lambda: center.live.get_call(caller.uuid).get("queue") == "sales", what="moved")
    sign_in(center, "1000")
    eventually(lambda: caller.ended.is_set(), timeout=30, what="call over")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.disposition == "answered"
    assert names(center.db_url, record) == ("1000", "sales")
    left = queue_left(center.db_url, record)
    assert left["queue"] == "support" and left["reason"] == "max_wait"
    assert left["target"] == "queue:sales" and left["waited_seconds"] >= 2.0


@pytest.mark.queue_rules(exit_key="*", overflow_target="voicemail:support")
def test_exit_key_takes_the_caller_to_voicemail(center: Center) -> None:
    switch: Switch = center.switch
    caller = switch.place_call(
        "13800000004", "5000", [wait(3.0), press("*"), wait(8.0), audio(), wait(3.0)],
        hangup_after=0.5,
    )  # fmt: skip
    eventually(lambda: caller.ended.is_set(), timeout=40, what="message left")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.disposition == "voicemail"
    left = queue_left(center.db_url, record)
    assert left["reason"] == "exit_key" and left["target"] == "voicemail:support"
    (message,) = [data for kind, data in event_rows(center.db_url, record.id)
                  if kind == "voicemail_recorded"]  # fmt: skip
    assert message["mailbox"] == "support"
    assert Path(message["path"]).parts[-5] == "support"  # filed as the IVR node files them
    with wave.open(message["path"]) as wav:
        assert wav.getnframes() > 0
    assert "Please leave a message after the tone." in spoken(caller)


@pytest.mark.queue_rules(max_wait_no_agent_seconds=1)
def test_no_agent_signed_in_resumes_the_flow_at_the_queue_nodes_next(center: Center) -> None:
    switch: Switch = center.switch
    caller = switch.place_call("13800000005", "5001", [], hangup_after=60.0)
    eventually(lambda: caller.ended.is_set(), timeout=30, what="hung up by the flow")
    assert "Nobody is free right now. Goodbye." in spoken(caller)
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    left = queue_left(center.db_url, record)
    assert left["reason"] == "no_agent" and left["target"] == "flow"
    assert record.hangup_by == "system" and record.disposition == "overflowed"
    assert [step["node"] for step in record.ivr_path][-1] == "sorry"


@pytest.mark.queue_rules(max_wait_no_agent_seconds=1)
def test_no_agent_exit_waits_while_an_agent_is_signed_in(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", mode="noanswer")
    live: LiveStore = center.live
    sign_in(center, "1000")
    live.send_command("agent-commands", {"agent_id": "1000", "action": "not_ready"})
    eventually(lambda: live.get_agent("1000").get("state") == "not_ready", what="not ready")
    caller = switch.place_call("13800000006", "5001", [], hangup_after=4.0)
    eventually(lambda: caller.ended.is_set(), timeout=30, what="caller gave up")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert "queue_left" not in kinds(center.db_url, record)
    assert record.disposition == "abandoned" and record.hangup_by == "caller"


@pytest.mark.queue_rules(callback_key="5")
def test_queued_callback_keeps_the_place_and_calls_the_customer_back(center: Center) -> None:
    switch: Switch = center.switch
    caller = switch.place_call(
        "13900000001", "5000", [wait(2.0), press("5"), wait(2.0), press("1")], hangup_after=30
    )
    eventually(lambda: caller.ended.is_set(), timeout=30, what="caller hung up by the engine")
    assert "Thank you. We will call you back. Goodbye." in spoken(caller)
    assert not call_rows(center.db_url), "the call goes on as a callback: no record yet"
    switch.users.add("13900000001")  # the customer's phone, reached through user/<number>
    customer = switch.add_softphone("13900000001", answer_after=1.0, hangup_after=3.0, port=5099)
    switch.add_softphone("1000", answer_after=0.5)
    sign_in(center, "1000")
    (record,) = eventually(lambda: call_rows(center.db_url), timeout=40, what="call record")
    assert customer.calls, "the customer's phone rang"
    assert record.disposition == "callback" and record.answered_at is not None
    assert names(center.db_url, record) == ("1000", "support")
    assert record.uuid == caller.uuid and record.talk_seconds and record.talk_seconds > 0
    events = event_rows(center.db_url, record.id)
    (requested,) = [data for kind, data in events if kind == "callback_requested"]
    assert requested["number"] == "13900000001" and requested["queue"] == "support"
    attempts = [data for kind, data in events if kind == "callback_attempted"]
    assert [(a["attempt"], a["outcome"]) for a in attempts] == [(1, "answered")]
    with session_scope(center.db_url) as session:
        (recording,) = session.scalars(select(models.Recording)).all()
    assert Path(recording.path).stem == caller.uuid  # WAV, or its compressed copy by now
    sound = AudioSegment.from_file(recording.path)
    assert sound.channels == 2 and len(sound) > 0


@pytest.mark.queue_rules(callback_key="5")
@pytest.mark.engine_env(
    ROUTING__CALLBACK_ATTEMPTS="2", ROUTING__CALLBACK_RETRY_SECONDS="1",
    ROUTING__OUTBOUND_TIMEOUT="2",
)  # fmt: skip
def test_unanswered_callback_is_tried_again_then_given_up(center: Center) -> None:
    switch: Switch = center.switch
    caller = switch.place_call(
        "13900000002", "5000", [wait(2.0), press("5"), wait(2.0), press("1")], hangup_after=30
    )
    eventually(lambda: caller.ended.is_set(), timeout=30, what="caller hung up by the engine")
    switch.users.add("13900000002")
    switch.add_softphone("13900000002", mode="noanswer", port=5098)
    switch.add_softphone("1000", answer_after=0.5)
    sign_in(center, "1000")
    (record,) = eventually(lambda: call_rows(center.db_url), timeout=60, what="call record")
    events = event_rows(center.db_url, record.id)
    attempts = [(d["attempt"], d["outcome"]) for kind, d in events if kind == "callback_attempted"]
    assert attempts == [(1, "no_answer"), (2, "no_answer")]
    assert record.answered_at is None and record.hangup_by == "system"
    assert record.disposition == "callback"
    eventually(lambda: center.live.get_agent("1000").get("state") == "available", what="agent free")
    with session_scope(center.db_url) as session:
        assert session.scalar(select(models.Call.id).where(models.Call.uuid == caller.uuid))
