"""Call records folded from bus events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.engine.bus import (
    AgentMissed,
    AgentOffered,
    AgentStateChanged,
    Bus,
    CallAnswered,
    CallArrived,
    CallEnded,
    CallQueued,
    IvrInput,
)
from callcenter.engine.cti.events import CallTransferred, ConsultStarted
from callcenter.engine.records.recorder import CallRecorder

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_answered_call_has_full_timeline() -> None:
    bus, done = Bus(), []
    CallRecorder(bus, done.append, node="n1")
    bus.publish(CallArrived(at=at(0), call_uuid="c1", caller_number="138", dialled_number="5000"))
    bus.publish(IvrInput(at=at(3), call_uuid="c1", node="main", value="2"))
    bus.publish(CallQueued(at=at(4), call_uuid="c1", queue="support"))
    bus.publish(AgentOffered(at=at(5), call_uuid="c1", agent_id="a1", agent_leg_uuid="l1"))
    bus.publish(AgentMissed(at=at(20), call_uuid="c1", agent_id="a1", cause="NO_ANSWER"))
    bus.publish(AgentOffered(at=at(21), call_uuid="c1", agent_id="a2", agent_leg_uuid="l2"))
    bus.publish(CallAnswered(at=at(24), call_uuid="c1", agent_id="a2", agent_leg_uuid="l2"))
    assert done == []
    bus.publish(
        CallEnded(at=at(84), call_uuid="c1", hangup_cause="NORMAL_CLEARING", hangup_by="agent")
    )
    (record,) = done
    assert record.disposition == "answered"
    assert (record.wait_seconds, record.ring_seconds, record.talk_seconds) == (20.0, 3.0, 60.0)
    assert record.agents == ["a1", "a2"] and record.agent_id == "a2"
    assert record.ivr_path == [{"node": "main", "value": "2"}]
    assert [e["kind"] for e in record.timeline()][:3] == [
        "call_arrived",
        "ivr_input",
        "call_queued",
    ]
    assert record.node == "n1"


def test_caller_leaving_the_queue_is_abandoned() -> None:
    bus, done = Bus(), []
    CallRecorder(bus, done.append)
    bus.publish(CallArrived(at=at(0), call_uuid="c2", caller_number="1", dialled_number="5000"))
    bus.publish(CallQueued(at=at(1), call_uuid="c2", queue="sales"))
    bus.publish(
        CallEnded(at=at(31), call_uuid="c2", hangup_cause="NORMAL_CLEARING", hangup_by="caller")
    )
    assert done[0].disposition == "abandoned" and done[0].wait_seconds == 30.0


def test_a_failing_consumer_does_not_stop_others() -> None:
    bus, seen = Bus(), []

    def broken(event):
        raise RuntimeError("boom")

    bus.subscribe(CallArrived, broken)
    bus.subscribe(CallArrived, seen.append)
    bus.publish(CallArrived(call_uuid="c3", caller_number="1", dialled_number="2"))
    assert len(seen) == 1 and seen[0].at.tzinfo is not None


def _ended_record(*events: object, hangup_by: str = "system") -> object:
    bus, done = Bus(), []
    CallRecorder(bus, done.append)
    bus.publish(CallArrived(at=at(0), call_uuid="c9", caller_number="139", dialled_number="5000"))
    for event in events:
        bus.publish(event)  # type: ignore[arg-type]
    bus.publish(CallEnded(at=at(30), call_uuid="c9", hangup_cause="X", hangup_by=hangup_by))
    (record,) = done
    return record


def test_ivr_dispositions_blocked_voicemail_completed_and_survey() -> None:
    from callcenter.engine.bus import CallBlocked, IvrEnded, SurveyAnswered, VoicemailRecorded

    blocked = _ended_record(CallBlocked(call_uuid="c9", reason="flood"))
    assert blocked.disposition == "blocked" and blocked.blocked == "flood"
    voicemail = _ended_record(
        VoicemailRecorded(call_uuid="c9", path="/r/v.wav", milliseconds=5000),
        IvrEnded(call_uuid="c9", flow="after_hours", outcome="hangup"),
    )
    assert voicemail.disposition == "voicemail" and voicemail.voicemail_path == "/r/v.wav"
    hung_up = _ended_record(IvrEnded(call_uuid="c9", flow="main", outcome="hangup"))
    assert hung_up.disposition == "ivr_completed"
    assert _ended_record(hangup_by="caller").disposition == "ivr_completed"
    assert _ended_record().disposition == "failed"
    rated = _ended_record(SurveyAnswered(call_uuid="c9", score=4))
    assert rated.survey_score == 4


def _answered(bus: Bus, uuid: str, agent: str = "a1", at_s: float = 10) -> None:
    bus.publish(CallArrived(at=at(0), call_uuid=uuid, caller_number="138", dialled_number="5000"))
    bus.publish(CallQueued(at=at(1), call_uuid=uuid, queue="support"))
    bus.publish(AgentOffered(at=at(2), call_uuid=uuid, agent_id=agent, agent_leg_uuid="l1"))
    bus.publish(CallAnswered(at=at(at_s), call_uuid=uuid, agent_id=agent, agent_leg_uuid="l1"))


def state(agent: str, name: str, seconds: float, call: str = "") -> AgentStateChanged:
    return AgentStateChanged(at=at(seconds), agent_id=agent, state=name, call_uuid=call)


def test_hold_is_the_time_any_agent_held_the_call() -> None:
    bus, done = Bus(), []
    CallRecorder(bus, done.append)
    _answered(bus, "c1")
    bus.publish(state("a1", "on_hold", 20, "c1"))
    bus.publish(state("a1", "on_call", 25.5, "c1"))
    bus.publish(state("a1", "on_hold", 30, "c1"))
    bus.publish(state("a2", "on_hold", 31, "c1"))  # overlapping holds count once
    bus.publish(state("a1", "on_call", 33, "c1"))
    bus.publish(state("a2", "on_call", 34, "c1"))
    bus.publish(state("a9", "on_hold", 35, "other"))  # another call's hold
    bus.publish(state("a1", "on_hold", 40, "c1"))  # the caller hangs up while held
    bus.publish(CallEnded(at=at(42), call_uuid="c1", hangup_cause="X", hangup_by="caller"))
    (record,) = done
    assert record.hold_seconds == 5.5 + 4 + 2
    kinds = [e["kind"] for e in record.timeline()]
    assert kinds.count("call_held") == 3 and kinds.count("call_resumed") == 2
    assert kinds[-1] == "call_ended"


def test_wrap_up_ending_after_the_call_revises_the_record() -> None:
    bus, done = Bus(), []
    CallRecorder(bus, done.append)
    _answered(bus, "c1")
    bus.publish(state("a1", "wrap_up", 60, "c1"))  # the engine ends the agent's part first
    bus.publish(CallEnded(at=at(60), call_uuid="c1", hangup_cause="X", hangup_by="agent"))
    (first,) = done
    assert (first.revision, first.hold_seconds, first.wrap_up_seconds) == (0, 0.0, 0.0)
    bus.publish(state("a1", "available", 67.25))  # ready: wrap-up over, call uuid cleared
    first_again, revised = done
    assert first_again is first and first.wrap_up_seconds == 0.0  # not changed after emission
    assert (revised.revision, revised.wrap_up_seconds) == (1, 7.25)
    assert revised.call_uuid == "c1" and revised.talk_seconds == 50.0


def test_wrap_ups_of_a_transferred_call_add_up() -> None:
    bus, done = Bus(), []
    CallRecorder(bus, done.append)
    _answered(bus, "c1", "a1")
    bus.publish(state("a1", "wrap_up", 20, "c1"))  # a1 transferred the caller to a2
    bus.publish(CallAnswered(at=at(22), call_uuid="c1", agent_id="a2", agent_leg_uuid="l2"))
    bus.publish(state("a1", "not_ready", 23, "c1"))  # a1 takes a break: wrap-up over
    bus.publish(state("a2", "wrap_up", 50, "c1"))
    bus.publish(CallEnded(at=at(50), call_uuid="c1", hangup_cause="X", hangup_by="caller"))
    bus.publish(state("a2", "available", 52))
    first, revised = done
    assert first.wrap_up_seconds == 3.0 and revised.wrap_up_seconds == 5.0
    assert revised.revision == 1 and revised.agent_id == "a2"


def test_unanswered_call_has_no_hold_or_wrap_up() -> None:
    bus, done = Bus(), []
    CallRecorder(bus, done.append)
    bus.publish(CallArrived(at=at(0), call_uuid="c2", caller_number="1", dialled_number="5000"))
    bus.publish(CallEnded(at=at(5), call_uuid="c2", hangup_cause="X", hangup_by="caller"))
    bus.publish(state("a1", "wrap_up", 6, "c2"))
    bus.publish(state("a1", "available", 8))
    (record,) = done
    assert record.hold_seconds is None and record.wrap_up_seconds is None


def _state(bus: Bus, seconds: float, agent_id: str, state: str, call_uuid: str = "c9") -> None:
    bus.publish(AgentStateChanged(at=at(seconds), agent_id=agent_id, state=state,
                                  call_uuid=call_uuid))  # fmt: skip


def _answered_by_a1(bus: Bus) -> None:
    bus.publish(CallArrived(at=at(0), call_uuid="c9", caller_number="138", dialled_number="5000"))
    bus.publish(CallQueued(at=at(1), call_uuid="c9", queue="support"))
    bus.publish(AgentOffered(at=at(2), call_uuid="c9", agent_id="a1", agent_leg_uuid="l1"))
    bus.publish(CallAnswered(at=at(4), call_uuid="c9", agent_id="a1", agent_leg_uuid="l1"))
    _state(bus, 4, "a1", "on_call")


def test_blind_transfer_keeps_the_first_ring_time_and_both_agents_talk_times() -> None:
    bus, done = Bus(), []
    CallRecorder(bus, done.append)
    _answered_by_a1(bus)
    bus.publish(CallTransferred(at=at(30), call_uuid="c9", agent_id="a1", target="agent", to="a2"))
    _state(bus, 30, "a1", "wrap_up")
    bus.publish(AgentOffered(at=at(31), call_uuid="c9", agent_id="a2", agent_leg_uuid="l2"))
    bus.publish(CallAnswered(at=at(35), call_uuid="c9", agent_id="a2", agent_leg_uuid="l2"))
    _state(bus, 35, "a2", "on_call")
    bus.publish(CallEnded(at=at(60), call_uuid="c9", hangup_cause="NORMAL_CLEARING",
                          hangup_by="agent"))  # fmt: skip
    (record,) = done
    assert record.ring_seconds == 2.0 and record.offered_at == at(2)  # was 31 -> 4: -27 s
    assert record.talk_seconds == 56.0
    assert [(leg["agent_id"], leg["role"], leg["outcome"], leg["ring_seconds"],
             leg["talk_seconds"]) for leg in record.legs] == [
        ("a1", "queue", "answered", 2.0, 26.0),
        ("a2", "transfer", "answered", 4.0, 25.0),
    ]  # fmt: skip


def test_consulted_agent_leg_and_a_missed_offer_are_on_the_record() -> None:
    bus, done = Bus(), []
    CallRecorder(bus, done.append)
    bus.publish(CallArrived(at=at(0), call_uuid="c9", caller_number="138", dialled_number="5000"))
    bus.publish(CallQueued(at=at(1), call_uuid="c9", queue="support"))
    bus.publish(AgentOffered(at=at(1), call_uuid="c9", agent_id="a0", agent_leg_uuid="l0"))
    bus.publish(AgentMissed(at=at(2), call_uuid="c9", agent_id="a0", cause="NO_ANSWER"))
    _state(bus, 2, "a0", "available", "")
    bus.publish(AgentOffered(at=at(2), call_uuid="c9", agent_id="a1", agent_leg_uuid="l1"))
    bus.publish(CallAnswered(at=at(4), call_uuid="c9", agent_id="a1", agent_leg_uuid="l1"))
    _state(bus, 4, "a1", "on_call")
    bus.publish(ConsultStarted(at=at(30), call_uuid="c9", agent_id="a1", target="agent",
                               to="a2", leg_uuid="l2"))  # fmt: skip
    _state(bus, 30, "a1", "on_hold")
    bus.publish(AgentOffered(at=at(30), call_uuid="c9", agent_id="a2", agent_leg_uuid="l2"))
    _state(bus, 30, "a2", "ringing")
    _state(bus, 33, "a2", "on_call")
    _state(bus, 40, "a1", "wrap_up")  # consult_complete: a1 leaves, a2 has the caller
    bus.publish(CallAnswered(at=at(40), call_uuid="c9", agent_id="a2", agent_leg_uuid="l2"))
    bus.publish(CallEnded(at=at(100), call_uuid="c9", hangup_cause="NORMAL_CLEARING",
                          hangup_by="caller"))  # fmt: skip
    _state(bus, 100, "a2", "wrap_up")  # after the record: the leg ended with the call
    (record,) = done
    assert record.ring_seconds == 2.0 and record.ring_seconds >= 0
    assert [(leg["agent_id"], leg["role"], leg["outcome"], leg["cause"], leg["ring_seconds"],
             leg["talk_seconds"]) for leg in record.legs] == [
        ("a0", "queue", "missed", "NO_ANSWER", None, None),
        ("a1", "queue", "answered", "", 2.0, 36.0),
        ("a2", "consult", "answered", "", 3.0, 67.0),
    ]  # fmt: skip
