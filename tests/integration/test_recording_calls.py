"""Recordings and call records of whole calls: the real engine, the simulator, Redis, SQLite.

The simulator runs at real speed here (``time_scale=1``): its recordings last as long as the
simulated clock ran, so at real speed a WAV's length can be held against the engine's talk
time as it would be on a real FreeSWITCH. Post-processing keeps WAV (``recording.format``).

How long a WAV must be is checked by causal bounds, never by a tolerance on the talk time
(a CI run on a loaded box once saw the recording start 0.76 s before the engine stamped the
answer: the recording starts before ``uuid_bridge``, the answer is stamped after its reply).
Upper: the recording starts after the agent was offered and stops when the caller's channel
hangs up, before the engine notes the end - so it is no longer than ``ended_at - offered_at``.
Lower: it runs through the stretches the test itself waits out between the answer and the
hangup (its sleeps, a softphone's ``hangup_after``), each over a second - a recording that
stopped at a hold or a transfer, or missed the first agent's part, falls short of them.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import gevent
import pytest
from sqlalchemy import select

from callcenter.live.names import AGENT_COMMANDS
from callcenter.sim import Switch, press, wait
from callcenter.store import models
from callcenter.store.session import session_scope
from tests.support.calls import agent_leg, call_rows, eventually, partner_of
from tests.support.center import RINGING, Center

TOLERANCE = 0.5  # seconds: engine-stamped legs against the engine-stamped call
WRAP_UP = 1.0  # the queues' wrap-up (seed_agents)


@pytest.fixture
def center(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> Iterator[Center]:
    env = RINGING | {"RECORDING__FORMAT": "wav"}  # post-processing keeps the switch's WAV
    with Center(
        tmp_path, db_url, redis_url, redis_prefix, env=env, time_scale=1.0, in_process=True
    ) as built:
        yield built


def command(center: Center, agent_id: str, action: str, **fields: str) -> None:
    center.live.send_command(AGENT_COMMANDS, {"agent_id": agent_id, "action": action, **fields})


def wait_state(center: Center, agent_id: str, wanted: str, timeout: float = 20.0) -> None:
    eventually(
        lambda: center.live.get_agent(agent_id).get("state") == wanted,
        timeout,
        what=f"agent {agent_id} {wanted}",
    )


def sign_in(center: Center, agent_id: str) -> None:
    command(center, agent_id, "login")
    command(center, agent_id, "ready")
    wait_state(center, agent_id, "available")


def ended_record(center: Center, caller) -> models.Call:  # noqa: ANN001 - a sim Call
    eventually(lambda: caller.ended.is_set(), timeout=30, what="call ended")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    return record


def recordings_of(db_url: str, call_id: int) -> list[models.Recording]:
    with session_scope(db_url) as session:
        return list(
            session.scalars(select(models.Recording).where(models.Recording.call_id == call_id))
        )


def processed_recording(center: Center, record: models.Call) -> models.Recording:
    """The call's only recording, once post-processing has measured it."""
    eventually(
        lambda: all(r.sha256 for r in recordings_of(center.db_url, record.id)),
        timeout=30,
        what="recording post-processed",
    )
    (recording,) = recordings_of(center.db_url, record.id)
    return recording


def wav_seconds_and_channels(path: str) -> tuple[float, int]:
    with wave.open(path) as wav:
        return wav.getnframes() / wav.getframerate(), wav.getnchannels()


def timeline(db_url: str, call_id: int) -> list[tuple[str, datetime, dict]]:
    with session_scope(db_url) as session:
        rows = session.scalars(
            select(models.CallEvent)
            .where(models.CallEvent.call_id == call_id)
            .order_by(models.CallEvent.ts, models.CallEvent.id)
        )
        return [(e.type, e.ts, dict(e.data)) for e in rows]


def assert_spans_the_call(seconds: float, record: models.Call, at_least: float) -> None:
    """The WAV covers the test's own stretches and fits between offer and end (module doc)."""
    outer = (record.ended_at - record.offered_at).total_seconds()
    assert at_least <= seconds <= outer, (seconds, at_least, outer, record.talk_seconds)


def wrap_up_of(db_url: str, call_id: int) -> float:
    with session_scope(db_url) as session:
        return session.get(models.Call, call_id).wrap_up_seconds or 0.0


def test_answered_call_wav_is_stereo_and_as_long_as_the_talk_time(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5, hangup_after=3.0)
    sign_in(center, "1000")
    caller = switch.place_call("13800138000", "5000", [wait(1.0), press("2")])
    record = ended_record(center, caller)
    assert record.disposition == "answered" and record.talk_seconds
    recording = processed_recording(center, record)
    seconds, channels = wav_seconds_and_channels(recording.path)
    assert channels == 2
    # the agent hangs up 3 s after answering, and the recording began no later than the
    # engine stamped the answer, at most ring_seconds after the offer
    assert_spans_the_call(seconds, record, at_least=3.0 - record.ring_seconds)
    assert abs(recording.duration_seconds - seconds) < 0.01  # the index row agrees
    day = record.answered_at.strftime("%Y/%m/%d")
    assert Path(recording.path) == center.recordings / day / f"{record.uuid}.wav"
    # nothing on hold; the 1 s wrap-up comes in as a late update of the written record
    assert record.hold_seconds == 0.0
    wait_state(center, "1000", "available")
    assert eventually(lambda: wrap_up_of(center.db_url, record.id) >= WRAP_UP, what="wrap-up")


def test_transferred_call_yields_one_recording_with_both_agents(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5)
    switch.add_softphone("1001", answer_after=0.5, hangup_after=2.0)
    sign_in(center, "1000")
    caller = switch.place_call("13800138000", "5000", [wait(1.0), press("2")])
    wait_state(center, "1000", "on_call")
    sign_in(center, "1001")
    first, second = "1000", "1001"
    gevent.sleep(1.5)  # the first agent talks a while (the recording must keep that part)
    command(center, first, "transfer", target="agent", to=second)
    record = ended_record(center, caller)
    assert record.disposition == "answered"
    # one recording, one file, for the whole call
    recording = processed_recording(center, record)
    files = sorted(p.name for p in center.recordings.rglob("*.wav"))
    assert files == [f"{record.uuid}.wav"]
    seconds, channels = wav_seconds_and_channels(recording.path)
    assert channels == 2
    # 1000's 1.5 s, then 1001 hangs up 2 s after answering
    assert_spans_the_call(seconds, record, at_least=1.5 + 2.0)
    # the record: both agents in order, the transfer between them, the last agent on the row
    events = timeline(center.db_url, record.id)
    answered = [data["agent_id"] for kind, _, data in events if kind == "call_answered"]
    assert answered == [first, second]
    (transfer,) = [data for kind, _, data in events if kind == "call_transferred"]
    assert (transfer["agent_id"], transfer["target"], transfer["to"]) == (first, "agent", second)
    with session_scope(center.db_url) as session:
        call = session.get(models.Call, record.id)
        assert call.answered_agents() == [first, second]
        assert [(t["kind"], t["agent"], t["to"]) for t in call.transfers()] == [
            ("blind", first, second)
        ]
        assert call.agent.number == second
    # talk time runs from the first answer to the end, across the transfer
    (answer_at,) = [ts for kind, ts, _ in events if kind == "call_answered"][:1]
    assert record.answered_at == answer_at
    # both agents' wrap-ups (1 s each) add up on the record once the second one ends
    wait_state(center, second, "available")
    assert eventually(
        lambda: wrap_up_of(center.db_url, record.id) >= 2 * WRAP_UP, what="both wrap-ups"
    )


def test_hold_time_is_on_the_record(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5)
    sign_in(center, "1000")
    caller = switch.place_call("13800138000", "5000", [wait(1.0), press("2")])
    wait_state(center, "1000", "on_call")
    command(center, "1000", "hold")
    wait_state(center, "1000", "on_hold")
    gevent.sleep(1.0)  # the caller holds at least this long: hold began before we saw it
    command(center, "1000", "unhold")
    wait_state(center, "1000", "on_call")
    command(center, "1000", "hangup")
    record = ended_record(center, caller)
    assert record.hold_seconds is not None and record.hold_seconds >= 1.0
    events = timeline(center.db_url, record.id)
    ((held_at, held), (resumed_at, resumed)) = [
        (ts, data) for kind, ts, data in events if kind in ("call_held", "call_resumed")
    ]
    assert held["agent_id"] == resumed["agent_id"] == "1000"
    assert abs(record.hold_seconds - (resumed_at - held_at).total_seconds()) < 0.002
    assert record.talk_seconds > record.hold_seconds  # hold is part of the talk time
    # the recording ran on through the hold: one file as long as the talk time
    recording = processed_recording(center, record)
    seconds, channels = wav_seconds_and_channels(recording.path)
    assert channels == 2
    assert_spans_the_call(seconds, record, at_least=1.0)  # the hold
    assert sorted(p.name for p in center.recordings.rglob("*.wav")) == [f"{record.uuid}.wav"]
    wait_state(center, "1000", "available")
    assert eventually(lambda: wrap_up_of(center.db_url, record.id) >= WRAP_UP, what="wrap-up")


def test_three_way_conference_stays_one_recording(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5)
    switch.add_softphone("1001", answer_after=0.5)
    sign_in(center, "1000")
    caller = switch.place_call("13800138000", "5000", [wait(1.0), press("2")])
    wait_state(center, "1000", "on_call")
    sign_in(center, "1001")
    gevent.sleep(1.5)  # the first agent talks a while (the recording must keep that part)
    command(center, "1000", "consult", target="agent", to="1001")
    wait_state(center, "1001", "on_call")
    wait_state(center, "1000", "on_hold")
    eventually(
        lambda: partner_of(switch, agent_leg(switch, "1000")) == agent_leg(switch, "1001"),
        what="agent 1000 talks to 1001",
    )
    command(center, "1000", "conference")
    name = f"cc-{caller.uuid}"

    def members() -> int:
        out = switch.api.execute("conference", f"{name} list", None)
        return len([line for line in out.splitlines() if line and not line.startswith("-ERR")])

    eventually(lambda: members() == 3, what="three-way conference")
    gevent.sleep(1.5)  # the three talk a while
    caller.hangup()
    record = ended_record(center, caller)
    assert record.disposition == "answered"
    # one recording, one file, from the first answer to the caller's hangup
    recording = processed_recording(center, record)
    files = sorted(p.name for p in center.recordings.rglob("*.wav"))
    assert files == [f"{record.uuid}.wav"]
    seconds, channels = wav_seconds_and_channels(recording.path)
    assert channels == 2
    # 1.5 s before the consult, then 1.5 s in the conference
    assert_spans_the_call(seconds, record, at_least=1.5 + 1.5)
    assert record.talk_seconds > 3.0  # both parts: before the consult and in the conference
    # the timeline: consult of 1001, then the conference, on the same record
    events = timeline(center.db_url, record.id)
    kinds = [kind for kind, _, _ in events]
    assert kinds.index("consult_started") < kinds.index("conference_started")
    with session_scope(center.db_url) as session:
        call = session.get(models.Call, record.id)
        assert [(t["kind"], t["agent"], t.get("to")) for t in call.transfers()][:1] == [
            ("consult", "1000", "1001")
        ]
    command(center, "1000", "hangup")
    command(center, "1001", "hangup")


def test_attended_transfer_stays_one_recording(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5)
    switch.add_softphone("1001", answer_after=0.5)
    sign_in(center, "1000")
    caller = switch.place_call("13800138000", "5000", [wait(1.0), press("2")])
    wait_state(center, "1000", "on_call")
    sign_in(center, "1001")
    gevent.sleep(1.5)  # the first agent talks a while (the recording must keep that part)
    command(center, "1000", "consult", target="agent", to="1001")
    wait_state(center, "1000", "on_hold")
    # The engine's word that 1001 answered and is connected (the simulator's bridge alone
    # comes a round trip earlier: uuid_bridge answers before the legs are bridged, S05b).
    wait_state(center, "1001", "on_call")
    eventually(
        lambda: partner_of(switch, agent_leg(switch, "1000")) == agent_leg(switch, "1001"),
        what="agent 1000 talks to 1001",
    )
    command(center, "1000", "consult_complete")
    eventually(
        lambda: partner_of(switch, caller.uuid) == agent_leg(switch, "1001"),
        what="the caller talks to 1001",
    )
    gevent.sleep(1.5)  # the second agent talks a while
    command(center, "1001", "hangup")
    record = ended_record(center, caller)
    assert record.disposition == "answered"
    recording = processed_recording(center, record)
    assert sorted(p.name for p in center.recordings.rglob("*.wav")) == [f"{record.uuid}.wav"]
    seconds, channels = wav_seconds_and_channels(recording.path)
    assert channels == 2
    assert_spans_the_call(seconds, record, at_least=1.5 + 1.5)  # each agent's part
    assert record.talk_seconds > 3.0  # both agents' parts
    with session_scope(center.db_url) as session:
        call = session.get(models.Call, record.id)
        assert call.answered_agents() == ["1000", "1001"]
        assert call.agent.number == "1001"
        legs = [(leg.agent.number, leg.role, leg.ring_seconds, leg.talk_seconds)
                for leg in call.agent_legs]  # fmt: skip
    # ring time: the first offer to the first answer, never the consult's offer
    assert record.ring_seconds is not None and 0 <= record.ring_seconds < 2.0
    assert [(agent, role) for agent, role, _, _ in legs] == [("1000", "queue"), ("1001", "consult")]
    (_, _, ring_a, talk_a), (_, _, ring_b, talk_b) = legs
    assert ring_a == record.ring_seconds and ring_b is not None and ring_b >= 0
    assert talk_a > 1.5 and talk_b > 1.5  # each agent's own part (1.5 s each at least)
    # 1001's part runs from the consult answer to the end, 1000's from the first answer to
    # the complete: together they cover the call, overlapping by the consultation
    assert talk_a + talk_b >= record.talk_seconds - TOLERANCE
