"""What the engine writes to SQL, on a real database: agents' state-log rows (each closes the
one before, a retry writes nothing) and a call record with its timeline, agent legs, IVR steps
and recording row - also for an agent deleted and made again while the engine runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from callcenter.engine.records.persistence import EngineStore
from callcenter.engine.records.recorder import CallRecord
from callcenter.store import models
from callcenter.store.session import make_engine, session_factory, session_scope

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def store(db_url: str) -> EngineStore:
    return EngineStore(session_factory(make_engine(db_url)))


def add_agent(db_url: str, number: str) -> int:
    with session_scope(db_url) as session:
        agent = models.Agent(number=number, sip_user=number, display_name=number)
        session.add(agent)
        session.flush()
        return agent.id


def state(agent: str, name: str, at: datetime, reason: str = "") -> dict[str, str]:
    return {"agent_id": agent, "state": name, "reason": reason, "since": at.isoformat()}


def state_log(db_url: str) -> list[tuple[int, str, str | None, datetime, datetime | None]]:
    log = models.AgentStateLog
    with session_scope(db_url) as session:
        rows = session.execute(
            select(log.agent_id, log.state, log.reason, log.since, log.until).order_by(log.id)
        ).all()
        return [(a, str(s), r, since, until) for a, s, r, since, until in rows]


def utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def test_each_state_closes_the_open_row_and_a_retry_writes_nothing(db_url: str) -> None:
    pk = add_agent(db_url, "1001")
    engine = store(db_url)
    first = state("1001", "available", T0)
    assert engine.write_state(first)
    assert engine.write_state(state("1001", "not_ready", T0 + timedelta(seconds=30), "lunch"))
    assert not engine.write_state(first)  # retried from the pending buffer: already there
    assert not engine.write_state(state("9999", "available", T0))  # no such agent
    rows = [(a, s, r, utc(since), utc(until)) for a, s, r, since, until in state_log(db_url)]
    assert rows == [
        (pk, "available", None, T0, T0 + timedelta(seconds=30)),
        (pk, "not_ready", "lunch", T0 + timedelta(seconds=30), None),
    ]


def test_an_agent_made_again_gets_its_states(db_url: str) -> None:
    add_agent(db_url, "1001")
    add_agent(db_url, "1000")  # so the new 1001 cannot get the old key back
    engine = store(db_url)
    assert engine.write_state(state("1001", "available", T0))
    with session_scope(db_url) as session:
        session.execute(delete(models.Agent).where(models.Agent.number == "1001"))
    new_pk = add_agent(db_url, "1001")
    assert engine.write_state(state("1001", "not_ready", T0 + timedelta(seconds=5)))
    assert [(a, s) for a, s, *_ in state_log(db_url)] == [(new_pk, "not_ready")]


def test_call_record_with_timeline_legs_ivr_steps_and_recording(db_url: str) -> None:
    agent_pk = add_agent(db_url, "1001")
    with session_scope(db_url) as session:
        queue = models.Queue(name="support")
        session.add(queue)
        session.flush()
        queue_pk = queue.id
    at = [(T0 + timedelta(seconds=s)).isoformat() for s in range(6)]
    record = CallRecord(
        "call-1", caller_number="13800000001", dialled_number="4000", node="n1",
        started_at=T0, enqueued_at=T0 + timedelta(seconds=2), offered_at=T0 + timedelta(seconds=3),
        answered_at=T0 + timedelta(seconds=4), ended_at=T0 + timedelta(seconds=5),
        queue="support", agents=["1001"], agent_id="1001", recording_path="/rec/call-1.wav",
        ivr_path=[{"node": "menu", "value": "1"}], hangup_cause="NORMAL_CLEARING",
        hangup_by="caller", hold_seconds=0.0, wrap_up_seconds=0.0,
        legs=[
            {"agent_id": "1001", "role": "queue", "outcome": "answered", "offered_at": at[3],
             "answered_at": at[4], "left_at": at[5], "ring_seconds": 1.0, "talk_seconds": 1.0},
            {"agent_id": "7777", "outcome": "missed", "cause": "NO_ANSWER", "offered_at": at[3]},
        ],
        events=[
            {"kind": "call_arrived", "at": at[0], "call_uuid": "call-1", "flow": "hello",
             "flow_version": 0},
            {"kind": "ivr_input", "at": at[1], "call_uuid": "call-1", "node": "menu",
             "node_id": "menu", "node_type": "menu", "value": "1", "flow": "hello", "version": 2},
            {"kind": "call_queued", "at": at[2], "call_uuid": "call-1", "queue": "support"},
            {"kind": "call_ended", "at": at[5], "call_uuid": "call-1", "hangup_by": "caller"},
        ],
    )  # fmt: skip
    engine = store(db_url)
    assert engine.write_call(record)
    assert not engine.write_call(record)  # idempotent on the uuid
    with session_scope(db_url) as session:
        call = session.scalars(select(models.Call)).one()
        assert (call.queue_id, call.agent_id, call.disposition) == (queue_pk, agent_pk, "answered")
        assert (call.wait_seconds, call.ring_seconds, call.talk_seconds) == (2.0, 1.0, 1.0)
        assert call.ivr_path == [{"node": "menu", "value": "1"}]
        events = session.execute(
            select(models.CallEvent.type, models.CallEvent.data).order_by(models.CallEvent.id)
        ).all()
        assert [e.type for e in events] == [
            "call_arrived", "ivr_input", "call_queued", "call_ended",
        ]  # fmt: skip
        assert events[2].data == {"queue": "support"}
        legs = session.execute(
            select(models.CallAgentLeg.position, models.CallAgentLeg.agent_id,
                   models.CallAgentLeg.role, models.CallAgentLeg.outcome,
                   models.CallAgentLeg.cause).order_by(models.CallAgentLeg.position)
        ).all()  # fmt: skip
        assert [tuple(leg) for leg in legs] == [
            (1, agent_pk, "queue", "answered", None),
            (2, None, "queue", "missed", "NO_ANSWER"),  # an agent the database does not know
        ]
        step = models.IvrStep
        steps = session.execute(
            select(step.flow, step.version, step.seq, step.node, step.kind, step.value)
        ).all()
        assert [tuple(step) for step in steps] == [("hello", 2, 1, "menu", "menu", "1")]
        recording = session.scalars(select(models.Recording)).one()
        assert (recording.call_id, recording.path, recording.paused) == (
            call.id, "/rec/call-1.wav", [],
        )  # fmt: skip
        assert session.scalars(select(models.Call)).all() == [call]


def test_a_late_revision_sets_hold_and_wrap_up_of_the_written_call(db_url: str) -> None:
    engine = store(db_url)
    assert engine.write_call(CallRecord("call-2", caller_number="1", started_at=T0, ended_at=T0))
    assert engine.update_call("call-2", {"hold_seconds": 4.5, "wrap_up_seconds": 30.0})
    assert engine.update_call("call-2", {"wrap_up_seconds": 31.0})  # one field alone
    assert not engine.update_call("call-x", {"hold_seconds": 1.0, "wrap_up_seconds": 2.0})
    with session_scope(db_url) as session:
        call = session.scalars(select(models.Call)).one()
        assert (call.hold_seconds, call.wrap_up_seconds) == (4.5, 31.0)
