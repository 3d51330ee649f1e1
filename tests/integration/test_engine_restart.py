"""Callers waiting in a queue survive an engine crash: a new engine process takes them back
at their old place, under their old call record (mod_callcenter marks them abandoned)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from callcenter.live.names import AGENT_COMMANDS, ENGINE_STATUS
from callcenter.live.store import LiveStore
from callcenter.sim import Switch, press, wait
from callcenter.store import models
from callcenter.store.session import session_scope
from tests.support.calls import call_rows, eventually, sign_in
from tests.support.center import Center, event_types
from tests.support.engine_process import EngineProcess, free_port, wait_taken_over
from tests.support.flows import PLAIN_QUEUE_FLOW


@pytest.fixture
def center(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> Iterator[Center]:
    with Center(
        tmp_path,
        db_url,
        redis_url,
        redis_prefix,
        agents=["1000"],
        flows={"plain": PLAIN_QUEUE_FLOW},
        numbers={"5000": "plain"},
        default_flow="plain",
        env={"NODE_ID": "node1"},
        hotline="shipped",
        outbound_port=free_port(),  # one engine address, as in a real dialplan (restarts keep it)
        start=False,
    ) as built:
        yield built


def _end(engine: EngineProcess, how: str) -> None:
    """A crash (SIGKILL: no goodbye, no cleanup) or a stop (SIGTERM, as for a deploy)."""
    if how == "crash":
        engine.process.kill()
        engine.process.wait(10)
    else:
        engine.stop()


@pytest.mark.parametrize("how", ["crash", "stop"])
def test_waiting_callers_survive_an_engine_restart_in_their_order(center: Center, how: str) -> None:
    switch: Switch = center.switch
    live: LiveStore = center.live
    first_engine = center.start_engine_in("first")
    callers = []
    for number in ("13800000201", "13800000202"):
        caller = switch.place_call(number, "5000", [], hangup_after=120.0)
        eventually(lambda c=caller: live.get_call(c.uuid).get("state") == "queued", what="q")
        callers.append(caller)
    _end(first_engine, how)
    # FreeSWITCH keeps them: the hotline's next action plays music (socket_resume=true).
    eventually(
        lambda: all(
            c.channel and c.channel.up and c.channel.vars.get("current_application") == "playback"
            for c in callers
        ),
        what="callers kept with music after the crash",
    )
    center.start_engine_in("second")
    phone = switch.add_softphone("1000", answer_after=0.5, hangup_after=1.0)
    sign_in(center, "1000")
    records = eventually(
        lambda: len(call_rows(center.db_url)) == 2 and call_rows(center.db_url),
        timeout=60,
        what="both callers answered after the restart",
    )
    assert not any(c.ended.is_set() and not c.answered.is_set() for c in callers)
    by_uuid = {r.uuid: r for r in records}
    assert set(by_uuid) == {c.uuid for c in callers}  # the same calls, not new ones
    first, second = (by_uuid[c.uuid] for c in callers)
    assert first.disposition == second.disposition == "answered"
    assert first.answered_at < second.answered_at  # the old order of the line
    assert len(phone.calls) == 2
    kinds = event_types(center.db_url, first.id)
    # One record across both processes: arrival and IVR from the first, the rest after.
    assert kinds[0] == "call_arrived" and "call_readopted" in kinds
    assert kinds.index("call_queued") < kinds.index("call_readopted") < kinds.index("call_answered")
    assert first.wait_seconds and first.wait_seconds > 0


def _talking(center: Center, how: str = "crash") -> tuple[object, object]:
    """Agent 1000 talking to a caller on the first engine, which then crashes (or stops)."""
    switch: Switch = center.switch
    live: LiveStore = center.live
    first_engine = center.start_engine_in("first")
    phone = switch.add_softphone("1000", answer_after=0.5)
    sign_in(center, "1000")
    caller = switch.place_call("13800000301", "5000", [], hangup_after=None)
    eventually(lambda: live.get_call(caller.uuid).get("state") == "talking", what="talking")
    eventually(lambda: live.get_agent("1000").get("state") == "on_call", what="agent on call")
    _end(first_engine, how)
    return caller, phone


@pytest.mark.parametrize("how", ["crash", "stop"])
def test_a_call_in_progress_goes_on_and_keeps_its_record_across_a_restart(
    center: Center, how: str
) -> None:
    live: LiveStore = center.live
    caller, _phone = _talking(center, how)
    wait_taken_over(live, center.start_engine_in("second"))
    assert caller.channel.up and caller.channel.partner is not None  # still bridged
    assert live.get_agent("1000")["state"] == "on_call"  # the agent's state is kept
    caller.hangup()
    (row,) = eventually(lambda: call_rows(center.db_url), what="the record is written")
    assert row.uuid == caller.uuid and row.disposition == "answered"
    assert row.hangup_by == "caller" and row.talk_seconds and row.talk_seconds > 0
    kinds = event_types(center.db_url, row.id)
    assert kinds[0] == "call_arrived" and kinds[-1] == "call_ended"  # both processes' parts
    assert "call_answered" in kinds
    eventually(lambda: live.get_agent("1000").get("state") == "wrap_up", what="wrap-up")
    eventually(lambda: live.get_agent("1000").get("state") == "available", what="ready again")


def test_the_engine_status_shows_the_process_that_runs_and_what_it_took_over(
    center: Center,
) -> None:
    switch: Switch = center.switch
    live: LiveStore = center.live
    first = center.start_engine_in("first")
    fresh = wait_taken_over(live, first)  # nothing to take over: all counts 0
    assert fresh["state"] == "running" and fresh["process"]
    assert fresh["started_at"] <= fresh["taken_over_at"]
    counts = ("callers", "callbacks", "talking", "ended_meanwhile")
    assert [fresh[name] for name in counts] == ["0", "0", "0", "0"]
    switch.add_softphone("1000", answer_after=0.5)
    sign_in(center, "1000")
    talking = switch.place_call("13800000311", "5000", [], hangup_after=None)
    eventually(lambda: live.get_call(talking.uuid).get("state") == "talking", what="talking")
    eventually(lambda: live.get_agent("1000").get("state") == "on_call", what="agent on call")
    waiting = switch.place_call("13800000312", "5000", [], hangup_after=120.0)
    eventually(lambda: live.get_call(waiting.uuid).get("state") == "queued", what="queued")
    _end(first, "stop")
    stopped = live.get(ENGINE_STATUS, "node1")
    assert stopped["pid"] == str(first.process.pid) and stopped["state"] == "stopped"
    assert stopped["stopped_at"] >= stopped["taken_over_at"]
    second = center.start_engine_in("second")
    status = wait_taken_over(live, second)
    assert status["pid"] == str(second.process.pid) and status["state"] == "running"
    assert status["process"] != fresh["process"] and "stopped_at" not in status
    assert fresh["taken_over_at"] < status["started_at"] <= status["taken_over_at"]
    assert [status[name] for name in counts] == ["1", "0", "1", "0"]  # the waiting, the talking
    assert live.ids(ENGINE_STATUS) == {"node1"}


def test_after_a_crash_the_agent_can_still_hang_up_and_the_caller_goes_too(center: Center) -> None:
    live: LiveStore = center.live
    caller, phone = _talking(center)
    wait_taken_over(live, center.start_engine_in("second"))
    live.send_command(AGENT_COMMANDS, {"agent_id": "1000", "action": "hangup"})
    eventually(caller.ended.is_set, what="the caller hung up with the agent (not parked)")
    (row,) = eventually(lambda: call_rows(center.db_url), what="the record is written")
    assert row.disposition == "answered" and row.hangup_by == "agent"
    eventually(lambda: live.get_agent("1000").get("state") == "available", what="ready again")


def test_a_call_that_ended_while_no_engine_ran_is_still_recorded(center: Center) -> None:
    live: LiveStore = center.live
    caller, _phone = _talking(center)
    caller.hangup()
    eventually(caller.ended.is_set, what="caller gone")
    wait_taken_over(live, center.start_engine_in("second"))
    (row,) = eventually(lambda: call_rows(center.db_url), what="the record is written")
    assert row.uuid == caller.uuid and row.disposition == "answered"
    assert row.hangup_by == "system" and row.answered_at is not None
    eventually(lambda: live.get_agent("1000").get("state") == "available", what="ready again")


MENU_FLOW = """\
name: plain
description: one menu, then the support queue
start: choose
nodes:
  choose:
    type: menu
    prompt: "say:Press 1 for support."
    choices: {1: line}
    timeout: 60
  line:
    type: queue
    queue: support
"""


def test_a_caller_in_the_ivr_starts_it_again_after_a_crash(center: Center, tmp_path: Path) -> None:
    switch: Switch = center.switch
    (tmp_path / "flows" / "plain.yaml").write_text(MENU_FLOW, encoding="utf-8")
    first_engine = center.start_engine_in("first")
    switch.add_softphone("1000", answer_after=0.5, hangup_after=1.0)
    sign_in(center, "1000")
    caller = switch.place_call("13800000401", "5000", [], hangup_after=120.0)

    def playing(what: str) -> bool:
        ch = caller.channel
        return bool(ch and ch.up and what in (ch.vars.get("current_application_data") or ""))

    eventually(lambda: playing("Press 1"), what="the menu plays")
    first_engine.process.kill()
    first_engine.process.wait(10)
    eventually(lambda: playing("local_stream://"), what="music once the engine is gone")
    center.start_engine_in("second")
    eventually(
        lambda: center.live.get_call(caller.uuid).get("readopted_at"),
        what="the caller in the IVR taken back",
    )
    eventually(lambda: playing("Press 1"), what="the menu again")
    caller.send_dtmf("1")
    (row,) = eventually(
        lambda: [r for r in call_rows(center.db_url) if r.answered_at], timeout=30,
        what="answered after choosing the queue in the restarted menu",
    )  # fmt: skip
    assert row.uuid == caller.uuid and row.disposition == "answered"
    kinds = event_types(center.db_url, row.id)
    assert kinds.count("call_arrived") == 1 and "call_readopted" in kinds
    assert kinds.index("call_readopted") < kinds.index("call_queued")


def test_a_pending_callback_survives_a_restart(center: Center) -> None:
    switch: Switch = center.switch
    with session_scope(center.db_url) as session:
        session.execute(
            update(models.Queue).where(models.Queue.name == "support").values(callback_key="5")
        )
    first_engine = center.start_engine_in("first")
    caller = switch.place_call(
        "13900000001", "5000", [wait(2.0), press("5"), wait(2.0), press("1")], hangup_after=30
    )
    eventually(caller.ended.is_set, timeout=30, what="callback asked for, caller hung up")
    _end(first_engine, "crash")
    status = wait_taken_over(center.live, center.start_engine_in("second"))
    assert status["callbacks"] == "1"
    switch.users.add("13900000001")  # the customer's phone, reached through user/<number>
    customer = switch.add_softphone("13900000001", answer_after=1.0, hangup_after=3.0, port=5099)
    switch.add_softphone("1000", answer_after=0.5)
    sign_in(center, "1000")
    (row,) = eventually(lambda: call_rows(center.db_url), timeout=40, what="call record")
    assert customer.calls, "the customer was called back by the new engine process"
    assert row.uuid == caller.uuid and row.disposition == "callback" and row.answered_at
    kinds = event_types(center.db_url, row.id)
    assert kinds[0] == "call_arrived" and "callback_requested" in kinds  # the first process
    assert "callback_attempted" in kinds and kinds[-1] == "call_ended"  # the second


def test_a_caller_who_hung_up_while_no_engine_ran_is_still_recorded(center: Center) -> None:
    switch: Switch = center.switch
    live: LiveStore = center.live
    first_engine = center.start_engine_in("first")
    caller = switch.place_call("13800000501", "5000", [], hangup_after=None)
    eventually(lambda: live.get_call(caller.uuid).get("state") == "queued", what="queued")
    _end(first_engine, "crash")
    caller.hangup()
    eventually(caller.ended.is_set, what="caller gone")
    status = wait_taken_over(live, center.start_engine_in("second"))
    assert status["ended_meanwhile"] == "1"  # its record, kept in Redis, written now
    (row,) = eventually(lambda: call_rows(center.db_url), what="the record is written")
    assert row.uuid == caller.uuid and row.disposition == "abandoned"
    assert row.enqueued_at is not None and row.hangup_by == "caller"
