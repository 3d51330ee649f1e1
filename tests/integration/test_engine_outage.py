"""No caller is lost while no engine serves the hotline: the shipped extension's fallback
(answer, ``cc_unserved``, music - S09b/S09c) keeps callers until an engine takes them back."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from callcenter.engine.restart.unseen_calls import CDR_TEMPLATE
from callcenter.live.names import AGENT_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.sim import Switch, press, wait
from callcenter.sim.cdr_csv import CdrCsv
from tests.support.calls import agent_leg, call_rows, eventually, partner_of, sign_in
from tests.support.center import Center, event_types
from tests.support.engine_process import EngineProcess, free_port, wait_taken_over
from tests.support.flows import PLAIN_QUEUE_FLOW

SWEEP = {"ROUTING__UNSERVED_SWEEP_SECONDS": "1"}

FIRST_PROMPT_FLOW = """\
name: plain
description: a long greeting, then the support queue
start: hello
nodes:
  hello:
    type: play
    prompt: "tone_stream://%(20000,0,440)"
    next: line
  line:
    type: queue
    queue: support
"""


@pytest.fixture
def center(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> Iterator[Center]:
    fslog = tmp_path / "fslog"  # mod_cdr_csv's log-base, read by the engine
    with Center(
        tmp_path, db_url, redis_url, redis_prefix, agents=["1000", "1001"],
        flows={"plain": PLAIN_QUEUE_FLOW}, numbers={"5000": "plain"}, default_flow="plain",
        env={"NODE_ID": "node1", "FREESWITCH__CDR_DIR": str(fslog), **SWEEP},
        hotline="shipped", outbound_port=free_port(), start=False,
    ) as built:  # fmt: skip
        built.switch.cdr = CdrCsv(fslog, CDR_TEMPLATE)
        yield built


def _crash(engine: EngineProcess) -> None:
    engine.process.kill()
    engine.process.wait(10)


def _playing(caller: object, what: str) -> bool:
    ch = caller.channel  # type: ignore[attr-defined]
    return bool(ch and ch.up and what in (ch.vars.get("current_application_data") or ""))


def _in_fallback(caller: object) -> bool:
    """Answered by the hotline's fallback, marked unserved, hearing its music."""
    ch = caller.channel  # type: ignore[attr-defined]
    return bool(
        ch and ch.up and ch.answered and ch.vars.get("cc_unserved") == "true"
        and ch.vars.get("current_application_data") == "local_stream://moh"
    )  # fmt: skip


def test_callers_who_dial_while_no_engine_runs_are_answered_by_the_next_one(center: Center) -> None:
    switch: Switch = center.switch
    # Keys pressed over the fallback's music do not end it (playback_terminators=none).
    keys = [wait(0.5), press("1")]
    callers = [switch.place_call(n, "5000", keys, hangup_after=120.0) for n in ("13800000601",)]
    eventually(lambda: _in_fallback(callers[0]), what="first caller kept with music")
    callers.append(switch.place_call("13800000602", "5000", keys, hangup_after=120.0))
    eventually(lambda: all(_in_fallback(c) for c in callers), what="both kept with music")
    # the switch's own clock (the caller's creation time is on it; it runs time_scale-fast)
    engine_started = datetime.fromtimestamp(switch.clock.now_us() / 1e6, UTC)
    center.start_engine_in("first")
    live: LiveStore = center.live
    eventually(
        lambda: all(live.get_call(c.uuid).get("state") == "queued" for c in callers),
        what="both taken in and queued",
    )
    phone = switch.add_softphone("1000", answer_after=0.5, hangup_after=1.0)
    sign_in(center, "1000")
    records = eventually(
        lambda: len(call_rows(center.db_url)) == 2 and call_rows(center.db_url),
        timeout=60, what="both callers answered once an engine ran",
    )  # fmt: skip
    assert not any(c.ended.is_set() and not c.answered.is_set() for c in callers)
    by_uuid = {r.uuid: r for r in records}
    first, second = (by_uuid[c.uuid] for c in callers)
    assert first.disposition == second.disposition == "answered"
    assert first.answered_at < second.answered_at  # in the order they dialled
    # They arrived when they dialled, not when an engine came: the wait counts it.
    assert first.started_at.replace(tzinfo=UTC) < engine_started
    assert len(phone.calls) == 2
    kinds = event_types(center.db_url, first.id)
    assert kinds.count("call_arrived") == 1 and "call_readopted" not in kinds


def test_a_call_that_came_and_went_while_no_engine_ran_is_recorded_from_the_cdr(
    center: Center,
) -> None:
    switch: Switch = center.switch
    caller = switch.place_call("13800000651", "5000", [], hangup_after=None)
    eventually(lambda: _in_fallback(caller), what="kept with music")
    dialled = datetime.fromtimestamp(switch.clock.now_us() / 1e6, UTC)  # the CDR's clock
    caller.hangup()
    eventually(caller.ended.is_set, what="caller gone")
    wait_taken_over(center.live, center.start_engine_in("first"))
    (row,) = eventually(lambda: call_rows(center.db_url), what="the record is written")
    assert row.uuid == caller.uuid and row.caller_number == "13800000651"
    assert row.disposition == "abandoned" and row.hangup_by == "caller"
    assert row.started_at.replace(tzinfo=UTC) < dialled < row.ended_at.replace(tzinfo=UTC)
    assert event_types(center.db_url, row.id) == ["call_arrived", "ended_unserved", "call_ended"]


def test_a_caller_who_hung_up_in_the_ivr_while_no_engine_ran_is_abandoned(
    center: Center, tmp_path: Path
) -> None:
    switch: Switch = center.switch
    (tmp_path / "flows" / "plain.yaml").write_text(FIRST_PROMPT_FLOW, encoding="utf-8")
    first = center.start_engine_in("first")
    caller = switch.place_call("13800000701", "5000", [], hangup_after=None)
    eventually(lambda: _playing(caller, "tone_stream://"), what="the greeting plays")
    _crash(first)
    eventually(lambda: _in_fallback(caller), what="kept with music")
    caller.send_dtmf("1")  # the engine let keys stop its prompts; not the fallback's music
    eventually(lambda: any(e.name == "DTMF" for e in caller.events), what="the key was read")
    assert _in_fallback(caller)
    caller.hangup()
    eventually(caller.ended.is_set, what="caller gone")
    wait_taken_over(center.live, center.start_engine_in("second"))
    (row,) = eventually(lambda: call_rows(center.db_url), what="the record is written")
    assert row.uuid == caller.uuid and row.hangup_by == "caller"
    assert row.disposition == "abandoned"  # not ivr_completed: it waited for an engine
    assert "ended_unserved" in event_types(center.db_url, row.id)


def test_a_caller_killed_in_its_first_prompt_hears_the_ivr_again(
    center: Center, tmp_path: Path
) -> None:
    switch: Switch = center.switch
    (tmp_path / "flows" / "plain.yaml").write_text(FIRST_PROMPT_FLOW, encoding="utf-8")
    first = center.start_engine_in("first")
    caller = switch.place_call("13800000801", "5000", [], hangup_after=120.0)
    eventually(caller.answered.is_set, what="answered by the engine")
    _crash(first)  # at once: the greeting has just started
    center.start_engine_in("second")
    eventually(
        lambda: center.live.get_call(caller.uuid).get("readopted_at"),
        what="the caller in its first prompt taken back",
    )
    switch.add_softphone("1000", answer_after=0.5, hangup_after=1.0)
    sign_in(center, "1000")
    (row,) = eventually(
        lambda: [r for r in call_rows(center.db_url) if r.answered_at], timeout=60,
        what="answered after the greeting played again",
    )  # fmt: skip
    assert row.uuid == caller.uuid and row.disposition == "answered"
    kinds = event_types(center.db_url, row.id)
    assert kinds.count("call_arrived") == 1 and kinds.count("call_readopted") == 1


def test_a_waiting_caller_survives_two_restarts_in_a_row(center: Center) -> None:
    switch: Switch = center.switch
    live: LiveStore = center.live
    first = center.start_engine_in("first")
    caller = switch.place_call("13800000901", "5000", [], hangup_after=120.0)
    eventually(lambda: live.get_call(caller.uuid).get("state") == "queued", what="queued")
    first_crash = datetime.now(UTC)
    _crash(first)
    second = center.start_engine_in("second")
    wait_taken_over(live, second)
    eventually(
        lambda: (
            caller.channel.vars.get("cc_unserved") == "false"
            and live.get_call(caller.uuid).get("state") == "queued"
        ),
        what="back in line under the second engine",
    )
    _crash(second)
    eventually(lambda: _in_fallback(caller), what="kept with music again")
    center.start_engine_in("third")
    switch.add_softphone("1000", answer_after=0.5, hangup_after=1.0)
    sign_in(center, "1000")
    (row,) = eventually(lambda: call_rows(center.db_url), timeout=60, what="answered")
    assert row.uuid == caller.uuid and row.disposition == "answered"
    kinds = event_types(center.db_url, row.id)
    assert kinds.count("call_arrived") == 1 and kinds.count("call_readopted") == 2
    assert row.enqueued_at.replace(tzinfo=UTC) < first_crash  # one place in line, kept twice


def test_the_running_engine_takes_back_a_caller_its_socket_missed(center: Center) -> None:
    switch: Switch = center.switch
    center.start_engine_in("first")
    target = f"127.0.0.1:{center.outbound_port}"
    refuser = socket.socket()  # bound, not listening: the socket app's connect is refused
    refuser.bind(("127.0.0.1", 0))
    try:
        switch.connect_map[target] = refuser.getsockname()
        caller = switch.place_call("13800001001", "5000", [], hangup_after=120.0)
        eventually(lambda: _in_fallback(caller), what="the caller missed the engine")
    finally:
        del switch.connect_map[target]
        refuser.close()
    switch.add_softphone("1000", answer_after=0.5, hangup_after=1.0)
    sign_in(center, "1000")
    (row,) = eventually(lambda: call_rows(center.db_url), timeout=30, what="answered")
    assert row.uuid == caller.uuid and row.disposition == "answered"


def test_a_call_on_hold_across_a_crash_can_be_taken_off_hold(center: Center) -> None:
    switch: Switch = center.switch
    live: LiveStore = center.live
    first = center.start_engine_in("first")
    switch.add_softphone("1000", answer_after=0.5)
    sign_in(center, "1000")
    caller = switch.place_call("13800001101", "5000", [], hangup_after=None)
    eventually(lambda: live.get_agent("1000").get("state") == "on_call", what="agent on call")
    live.send_command(AGENT_COMMANDS, {"agent_id": "1000", "action": "hold"})
    eventually(lambda: live.get_agent("1000").get("state") == "on_hold", what="on hold")
    _crash(first)
    wait_taken_over(live, center.start_engine_in("second"))
    assert caller.channel.up and live.get_agent("1000")["state"] == "on_hold"
    live.send_command(AGENT_COMMANDS, {"agent_id": "1000", "action": "unhold"})
    eventually(lambda: live.get_agent("1000").get("state") == "on_call", what="off hold")
    caller.hangup()
    (row,) = eventually(lambda: call_rows(center.db_url), what="the record is written")
    assert row.uuid == caller.uuid and row.disposition == "answered"
    assert row.hold_seconds and row.hold_seconds > 0


def test_a_crash_during_a_consult_gives_the_caller_back_to_its_agent(center: Center) -> None:
    switch: Switch = center.switch
    live: LiveStore = center.live
    first = center.start_engine_in("first")
    switch.add_softphone("1000", answer_after=0.5)
    switch.add_softphone("1001", answer_after=0.5)
    sign_in(center, "1000")
    caller = switch.place_call("13800001201", "5000", [], hangup_after=None)
    eventually(lambda: live.get_agent("1000").get("state") == "on_call", what="agent on call")
    sign_in(center, "1001")
    live.send_command(
        AGENT_COMMANDS, {"agent_id": "1000", "action": "consult", "target": "agent", "to": "1001"}
    )
    first_leg = eventually(lambda: agent_leg(switch, "1000"), what="1000's leg")
    consulted = eventually(
        lambda: (
            partner_of(switch, first_leg) == agent_leg(switch, "1001") != ""
            and agent_leg(switch, "1001")
        ),
        what="agent 1000 consults 1001 while the caller holds",
    )
    _crash(first)
    wait_taken_over(live, center.start_engine_in("second"))
    # The consultation cannot go on without the engine that ran it: the caller is given back.
    eventually(lambda: partner_of(switch, caller.uuid) == first_leg, what="caller with 1000")
    eventually(lambda: consulted not in switch.channels, what="the consulted leg hung up")
    eventually(lambda: live.get_agent("1000").get("state") == "on_call", what="1000 talks")
    live.send_command(AGENT_COMMANDS, {"agent_id": "1000", "action": "hangup"})
    eventually(caller.ended.is_set, what="the call ended")
    (row,) = eventually(lambda: call_rows(center.db_url), what="the record is written")
    assert row.uuid == caller.uuid and row.disposition == "answered"
    assert "consult_started" in event_types(center.db_url, row.id)
    eventually(lambda: live.get_agent("1001").get("state") != "on_call", what="1001 freed")
