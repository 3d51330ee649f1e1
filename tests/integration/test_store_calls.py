"""Call records and timelines, UTC datetimes, customers, tickets and recordings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from callcenter.store.base import StoreError
from callcenter.store.enums import (
    AgentState,
    CallDirection,
    Disposition,
    TicketPriority,
    TicketStatus,
)
from callcenter.store.models import (
    Agent,
    AgentQueue,
    AgentSkill,
    AgentStateLog,
    Call,
    CallEvent,
    Customer,
    CustomerPhone,
    Queue,
    Recording,
    Skill,
    Ticket,
    TicketCall,
    TicketComment,
)
from callcenter.store.repositories import add_call_event, create_user, get_call, insert_call
from callcenter.store.session import session_factory, session_scope

SHANGHAI = timezone(timedelta(hours=8))


def test_call_record_and_events_round_trip_as_aware_utc(db_engine: Engine) -> None:
    started = datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)
    answered_local = datetime(2025, 3, 1, 17, 0, 12, tzinfo=SHANGHAI)  # 09:00:12 UTC
    factory = session_factory(db_engine)
    with session_scope(factory) as session:
        queue = Queue(name="sales", moh="local_stream://moh", overflow_target="voicemail:100")
        agent = Agent(number="1001", sip_user="1001", display_name="Agent One")
        session.add_all([queue, agent])
        session.flush()
        insert_call(
            session,
            "0f1e2d3c-aaaa-bbbb-cccc-000000000001",
            direction=CallDirection.INBOUND,
            caller_number="13800138000",
            dialled_number="4008001234",
            node="node1",
            started_at=started,
            enqueued_at=started + timedelta(seconds=5),
            answered_at=answered_local,
            queue_id=queue.id,
            agent_id=agent.id,
            wait_seconds=7.25,
            disposition=Disposition.ANSWERED,
            hangup_cause="NORMAL_CLEARING",
            hangup_by="caller",
            ivr_path=["welcome", {"menu": "main", "digit": "1"}],
            survey_score=5,
        )
        add_call_event(session, "0f1e2d3c-aaaa-bbbb-cccc-000000000001", "enqueued", ts=started)
        add_call_event(
            session,
            "0f1e2d3c-aaaa-bbbb-cccc-000000000001",
            "answered",
            {"agent": "1001", "ring_ms": 2100},
            ts=answered_local,
        )

    with session_scope(factory) as session:
        call = get_call(session, "0f1e2d3c-aaaa-bbbb-cccc-000000000001")
        assert call is not None
        assert call.started_at == started and call.started_at.tzinfo is UTC
        assert call.answered_at == datetime(2025, 3, 1, 9, 0, 12, tzinfo=UTC)
        assert call.answered_at.tzinfo is UTC
        assert call.ended_at is None
        assert call.disposition is Disposition.ANSWERED and call.direction is CallDirection.INBOUND
        assert call.ivr_path == ["welcome", {"menu": "main", "digit": "1"}]
        assert call.queue is not None and call.queue.name == "sales"
        assert call.agent is not None and call.agent.number == "1001"
        assert [(e.type, e.data) for e in call.events] == [
            ("enqueued", {}),
            ("answered", {"agent": "1001", "ring_ms": 2100}),
        ]
        assert all(e.ts.tzinfo is UTC for e in call.events)
        assert call.events[1].ts == answered_local


def test_naive_datetimes_are_refused(db_session: Session) -> None:
    db_session.add(Call(uuid="naive", started_at=datetime(2025, 1, 1, 12, 0)))
    with pytest.raises(StatementError, match="naive datetime"):
        db_session.flush()


def test_event_for_unknown_call_is_a_clear_error(db_session: Session) -> None:
    with pytest.raises(StoreError, match="no call record with uuid 'missing'"):
        add_call_event(db_session, "missing", "answered")


def test_deleting_a_call_deletes_its_events(db_session: Session) -> None:
    call = insert_call(db_session, "to-delete")
    add_call_event(db_session, call, "created")
    db_session.commit()
    db_session.delete(call)
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(CallEvent)) == 0


def test_phone_number_belongs_to_one_customer(db_session: Session) -> None:
    first = Customer(name="Zhang San", vip=True, region="east", tags=["gold"])
    first.phones.append(CustomerPhone(number="13800138000", label="mobile"))
    db_session.add(first)
    db_session.commit()

    second = Customer(name="Li Si")
    second.phones.append(CustomerPhone(number="13800138000"))
    db_session.add(second)
    with pytest.raises(IntegrityError, match="(?i)unique"):
        db_session.commit()
    db_session.rollback()

    found = db_session.scalar(
        select(Customer).join(CustomerPhone).where(CustomerPhone.number == "13800138000")
    )
    assert found is not None and found.name == "Zhang San" and found.tags == ["gold"]


def test_foreign_keys_are_enforced(db_session: Session) -> None:
    db_session.add(CallEvent(call_id=999, type="orphan"))
    with pytest.raises(IntegrityError, match="(?i)foreign key"):
        db_session.flush()


def test_ticket_with_comment_and_linked_call(db_session: Session) -> None:
    agent_user = create_user(db_session, "agent1", "password1")
    customer = Customer(name="Wang Wu")
    call = insert_call(db_session, "ticket-call", caller_number="13900000000")
    due = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
    ticket = Ticket(
        number="T-0001",
        customer=customer,
        subject="Invoice missing",
        category="billing",
        priority=TicketPriority.HIGH,
        status=TicketStatus.ASSIGNED,
        assignee=agent_user,
        resolve_due_at=due,
    )
    ticket.comments.append(TicketComment(author=agent_user, body="Called back, waiting."))
    ticket.call_links.append(TicketCall(call=call))
    db_session.add(ticket)
    db_session.commit()
    db_session.expire_all()

    loaded = db_session.scalar(select(Ticket).where(Ticket.number == "T-0001"))
    assert loaded is not None
    assert loaded.status is TicketStatus.ASSIGNED and loaded.priority is TicketPriority.HIGH
    assert loaded.assignee is not None and loaded.assignee.username == "agent1"
    assert loaded.resolve_due_at == due
    assert [c.body for c in loaded.comments] == ["Called back, waiting."]
    assert [link.call.uuid for link in loaded.call_links] == ["ticket-call"]


def test_agent_membership_skills_state_log_and_recording(db_session: Session) -> None:
    agent = Agent(number="2001", sip_user="agent2001", display_name="Agent 2001")
    queue = Queue(name="support", strategy="skills_based")
    skill = Skill(name="english")
    agent.memberships.append(AgentQueue(queue=queue, level=2, position=1))
    agent.skills.append(AgentSkill(skill=skill, proficiency=8))
    since = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    db_session.add_all(
        [
            agent,
            AgentStateLog(agent=agent, state=AgentState.NOT_READY, reason="lunch", since=since),
            Recording(
                call=insert_call(db_session, "recorded"),
                path="recordings/2025/03/01/recorded.ogg",
                format="ogg",
                paused=[[10.0, 25.5]],
            ),
        ]
    )
    db_session.commit()
    db_session.expire_all()

    loaded = db_session.scalar(select(Agent).where(Agent.number == "2001"))
    assert loaded is not None
    assert [(m.queue.name, m.level) for m in loaded.memberships] == [("support", 2)]
    assert [(s.skill.name, s.proficiency) for s in loaded.skills] == [("english", 8)]
    log = db_session.scalars(select(AgentStateLog)).one()
    assert (log.state, log.reason, log.since, log.until) == (
        AgentState.NOT_READY,
        "lunch",
        since,
        None,
    )
    recording = db_session.scalars(select(Recording)).one()
    assert recording.call is not None and recording.call.uuid == "recorded"
    assert recording.paused == [[10.0, 25.5]] and recording.flagged is False

    bad = AgentSkill(agent=loaded, skill=Skill(name="french"), proficiency=11)
    db_session.add(bad)
    with pytest.raises(IntegrityError, match="(?i)check"):
        db_session.flush()
