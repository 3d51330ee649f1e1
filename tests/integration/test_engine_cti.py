"""CTI actions end to end: the real engine process, the simulator, Redis and SQLite.

Click-to-call, blind transfer (agent / queue), consult then complete / cancel / conference,
DTMF and refusals. The legs are checked on the simulator's channels: the caller survives
transfers, the right legs are bridged, the conference has three members.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydub import AudioSegment
from sqlalchemy import select

from callcenter.live.names import agent_channel
from callcenter.live.store import LiveStore
from callcenter.sim import Switch
from callcenter.store import models
from callcenter.store.session import session_scope
from tests.support.calls import (
    agent_leg,
    call_rows,
    command,
    eventually,
    partner_of,
    sign_in,
    state,
    wait_state,
)
from tests.support.center import Center, event_types
from tests.support.cti import CTI_ENV, CUSTOMER, consulting, queue_call


@pytest.fixture
def center(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> Iterator[Center]:
    with Center(
        tmp_path, db_url, redis_url, redis_prefix, env=CTI_ENV, hotline="shipped", in_process=True
    ) as built:
        yield built


def test_click_to_call_connects_agent_and_customer(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5)
    customer = switch.add_softphone(
        CUSTOMER, port=5090, register=False, answer_after=0.5, hangup_after=3.0
    )
    sign_in(center, "1000")
    command(center, "1000", "not_ready", reason="outbound")
    wait_state(center, "1000", "not_ready")
    command(center, "1000", "dial", number=CUSTOMER, ticket="T-42")
    wait_state(center, "1000", "on_call")
    call_uuid = center.live.get_agent("1000")["call_uuid"]
    eventually(lambda: partner_of(switch, call_uuid), what="customer and agent bridged")
    assert partner_of(switch, call_uuid) == agent_leg(switch, "1000")
    (record,) = eventually(lambda: call_rows(center.db_url), timeout=20, what="call record")
    eventually(
        lambda: call_rows(center.db_url)[0].direction == "outbound", what="direction outbound"
    )
    assert record.uuid == call_uuid
    assert record.disposition == "answered" and record.dialled_number == CUSTOMER
    assert record.caller_number == "4000" and record.hangup_by == "caller"
    with session_scope(center.db_url) as session:
        first = session.scalars(
            select(models.CallEvent)
            .where(models.CallEvent.call_id == record.id)
            .order_by(models.CallEvent.ts, models.CallEvent.id)
        ).first()
        assert first.type == "outbound_call_arrived" and first.data["ticket"] == "T-42"
        assert session.get(models.Agent, record.agent_id).number == "1000"
        # Recorded from the customer's answer like any call: one stereo file under its uuid.
        (recording,) = session.scalars(select(models.Recording)).all()
    assert Path(recording.path).stem == call_uuid
    sound = AudioSegment.from_file(recording.path)
    assert sound.channels == 2 and len(sound) > 0
    assert customer is not None
    wait_state(center, "1000", "available")  # after the wrap-up


def test_dial_refusals_are_reported_on_the_agent_channel(center: Center) -> None:
    live: LiveStore = center.live
    center.switch.add_softphone("1000", answer_after=0.5)
    subscription = live.subscribe(agent_channel("1000"))
    try:
        command(center, "1000", "dial", number="123")  # logged out
        command(center, "1000", "transfer", target="agent", to="1001")
        sign_in(center, "1000")
        command(center, "1000", "dial", number="12ab")
        command(center, "1000", "transfer", target="agent", to="1001")
        command(center, "1000", "consult_complete")
        errors = []

        def collect() -> bool:
            message = subscription.get(timeout=0.2)
            # The agent channel also carries the agent's state and calls: keep the refusals.
            if message is not None and isinstance(message.data, dict) and "error" in message.data:
                errors.append((message.data.get("action"), message.data["error"]))
            return len(errors) >= 5

        eventually(collect, what="five refusals")
    finally:
        subscription.close()
    assert errors[0] == ("dial", "agent 1000 cannot dial while logged_out")
    assert errors[1] == ("transfer", "agent 1000 cannot transfer while logged_out")
    assert errors[2][0] == "dial" and "must be 1-32 digits" in errors[2][1]
    assert errors[3] == ("transfer", "agent 1000 cannot transfer while available")
    assert errors[4] == ("consult_complete", "agent 1000 cannot consult complete while available")


def test_blind_transfer_to_another_agent_keeps_the_caller(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5)
    switch.add_softphone("1001", answer_after=0.5)
    sign_in(center, "1000")
    caller = queue_call(center)
    sign_in(center, "1001")
    first_leg = partner_of(switch, caller.uuid)
    command(center, "1000", "transfer", target="agent", to="1001")
    wait_state(center, "1001", "on_call")
    eventually(
        lambda: partner_of(switch, caller.uuid) == agent_leg(switch, "1001"),
        what="caller bridged to agent 1001",
    )
    assert first_leg not in switch.channels  # the first agent's leg is gone
    assert state(center, "1000") in ("wrap_up", "available")
    command(center, "1001", "hangup")  # not a timed hangup: the checks above may be slow
    eventually(lambda: caller.ended.is_set(), timeout=20, what="call ended by agent 1001")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.disposition == "answered"
    with session_scope(center.db_url) as session:
        assert session.get(models.Agent, record.agent_id).number == "1001"
        transfer = session.scalars(
            select(models.CallEvent.data).where(
                models.CallEvent.call_id == record.id,
                models.CallEvent.type == "call_transferred",
            )
        ).one()
    assert transfer == {"agent_id": "1000", "target": "agent", "to": "1001", "attended": False}


def test_blind_transfer_to_a_queue_requeues_the_caller(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5)
    switch.add_softphone("1001", answer_after=0.5, hangup_after=2.0)
    sign_in(center, "1000")
    caller = queue_call(center)
    # 1001 is free before the transfer: 1000 (also in 'sales') is in wrap-up when the caller
    # is back in line, so 1001 takes it however long a sign-in takes on a loaded machine.
    sign_in(center, "1001")
    command(center, "1000", "transfer", target="queue", to="sales")
    # 1001 takes the caller from 'sales' and hangs up 2 s later (the record tells it all:
    # nothing short-lived is polled for)
    eventually(lambda: caller.ended.is_set(), timeout=20, what="call ended")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    with session_scope(center.db_url) as session:
        assert session.get(models.Queue, record.queue_id).name == "sales"
        assert session.get(models.Agent, record.agent_id).number == "1001"
    kinds = event_types(center.db_url, record.id)
    assert kinds.count("call_queued") == 2 and "call_transferred" in kinds


def test_consult_then_complete_hands_the_caller_over(center: Center) -> None:
    switch, caller = consulting(center)
    consult_leg = agent_leg(switch, "1001")
    command(center, "1000", "consult_complete")
    eventually(lambda: partner_of(switch, caller.uuid) == consult_leg, what="caller with 1001")
    eventually(lambda: not agent_leg(switch, "1000"), what="agent 1000 left")
    # The switch drops 1000's leg at the bridge, before the engine's last api call returns:
    # the engine notes 1000's part over a moment later.
    eventually(lambda: state(center, "1000") in ("wrap_up", "available"), what="1000 done")
    assert state(center, "1001") == "on_call"
    command(center, "1001", "hangup")
    eventually(lambda: caller.ended.is_set(), what="call ended")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    with session_scope(center.db_url) as session:
        assert session.get(models.Agent, record.agent_id).number == "1001"
    kinds = event_types(center.db_url, record.id)
    assert "consult_started" in kinds and "consult_ended" in kinds
    assert "call_transferred" in kinds


def test_consult_then_cancel_returns_to_the_caller(center: Center) -> None:
    switch, caller = consulting(center)
    first_leg = agent_leg(switch, "1000")
    command(center, "1000", "consult_cancel")
    eventually(lambda: partner_of(switch, caller.uuid) == first_leg, what="caller with 1000")
    eventually(lambda: not agent_leg(switch, "1001"), what="consulted leg hung up")
    wait_state(center, "1000", "on_call")
    wait_state(center, "1001", "available")
    command(center, "1000", "hangup")
    eventually(lambda: caller.ended.is_set(), what="call ended")


def test_consulted_agent_hangup_gives_the_caller_back(center: Center) -> None:
    switch, caller = consulting(center)
    first_leg, consulted_leg = agent_leg(switch, "1000"), agent_leg(switch, "1001")
    command(center, "1001", "hangup")  # the consulted agent's own leg, never 1000's
    eventually(lambda: consulted_leg not in switch.channels, what="1001's leg hung up")
    eventually(lambda: partner_of(switch, caller.uuid) == first_leg, what="caller with 1000")
    wait_state(center, "1000", "on_call")
    wait_state(center, "1001", "available")
    command(center, "1000", "hangup")
    eventually(lambda: caller.ended.is_set(), what="call ended")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.hangup_by == "agent" and record.ring_seconds >= 0


def test_consult_complete_before_the_answer_is_refused_with_the_reason(center: Center) -> None:
    live: LiveStore = center.live
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5)
    switch.add_softphone("1001", mode="noanswer")  # rings until the ring timeout (4 s)
    sign_in(center, "1000")
    caller = queue_call(center)
    sign_in(center, "1001")
    subscription = live.subscribe(agent_channel("1000"))
    try:
        command(center, "1000", "consult", target="agent", to="1001")
        wait_state(center, "1001", "ringing")
        command(center, "1000", "consult_complete")
        errors: list[str] = []

        def refused() -> bool:
            message = subscription.get(timeout=0.2)
            data = message.data if message is not None else None
            if isinstance(data, dict) and data.get("action") == "consult_complete":
                errors.append(str(data.get("error", "")))
            return bool(errors)

        eventually(refused, what="consult_complete refused")
    finally:
        subscription.close()
    assert "has not answered yet" in errors[0]
    command(center, "1000", "consult_cancel")
    eventually(lambda: partner_of(switch, caller.uuid) == agent_leg(switch, "1000"),
               what="caller with 1000 again")  # fmt: skip
    wait_state(center, "1000", "on_call")


def test_consult_then_conference_has_three_members(center: Center) -> None:
    switch, caller = consulting(center)
    command(center, "1000", "conference")
    name = f"cc-{caller.uuid}"

    def members() -> list[str]:
        out = switch.api.execute("conference", f"{name} list", None)
        return [line for line in out.splitlines() if line and not line.startswith("-ERR")]

    listed = eventually(lambda: len(members()) == 3 and members(), what="three members")
    assert any(caller.uuid in line for line in listed)
    wait_state(center, "1000", "on_call")
    assert state(center, "1001") == "on_call"
    caller.hangup()
    eventually(lambda: caller.ended.is_set(), what="caller left")
    command(center, "1000", "hangup")
    command(center, "1001", "hangup")


def test_dtmf_reaches_the_caller_leg(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5)
    sign_in(center, "1000")
    caller = queue_call(center)
    command(center, "1000", "dtmf", digits="12#")
    eventually(lambda: caller.received_dtmf == ["1", "2", "#"], what="DTMF sent to the caller")
