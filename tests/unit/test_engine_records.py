"""Call records folded from bus events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.engine.bus import (
    AgentMissed,
    AgentOffered,
    Bus,
    CallAnswered,
    CallArrived,
    CallEnded,
    CallQueued,
    IvrInput,
)
from callcenter.engine.records import CallRecorder

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
    assert [e["kind"] for e in record.events][:3] == ["call_arrived", "ivr_input", "call_queued"]
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
