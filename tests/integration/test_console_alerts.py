"""The periodic SLA escalation job with a fake clock: levels and history in SQL, one alert
per change on Redis, shown on the desktop streams of the assignee and of supervisors; and
``callcenter serve`` starts it with the console."""

from __future__ import annotations

import json
import queue
import threading
from datetime import UTC, datetime, timedelta

import gevent
import pytest
from flask import Flask

from callcenter.config import load_settings
from callcenter.live.store import LiveStore
from callcenter.runner import start_console
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from callcenter.tickets import service as svc
from callcenter.tickets.scheduler import EscalationJob
from console import create_app
from tests.support.console import signed_in_client
from tests.support.engine_process import free_port

PASSWORD = "alert-pass-123"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, minutes: float) -> FakeClock:
        self.now = T0 + timedelta(minutes=minutes)
        return self


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor", language="en")
        for number in ("1007", "1008"):
            user = create_user(session, f"agent{number}", PASSWORD, "agent", language="en")
            session.add(
                models.Agent(number=number, sip_user=number, user=user, display_name=number)
            )
        session.flush()
        agent7 = session.query(models.Agent).filter_by(number="1007").one()
        svc.create_ticket(
            session,
            settings.tickets,
            subject="Bill twice",
            category="complaint",  # escalates at 30 and 60 min, response due at 30 min
            assignee_id=agent7.user_id,
            now=T0,
        )
        svc.create_ticket(session, settings.tickets, subject="Question", now=T0)
    return create_app(settings, TESTING=True)


@pytest.fixture
def job(app: Flask, live: LiveStore) -> tuple[EscalationJob, FakeClock]:
    clock = FakeClock(T0)
    settings = app.extensions["callcenter.settings"].tickets
    sessions = app.extensions["callcenter.sessions"]
    return EscalationJob(sessions, settings, live, interval=60, clock=clock), clock


class Desktop(threading.Thread):
    """A desktop's event stream read in its own thread (as each stream has its own greenlet
    in the server: streamed request contexts must not interleave in one thread)."""

    def __init__(self, app: Flask, username: str, agent_id: str) -> None:
        super().__init__(daemon=True)
        self.client, _ = signed_in_client(app, username, PASSWORD)
        self.agent_id = agent_id
        self.events: queue.Queue[dict] = queue.Queue()
        self.subscribed = threading.Event()
        self.start()
        assert self.subscribed.wait(10), "the stream did not open"

    def run(self) -> None:
        response = self.client.get(f"/api/desktop/{self.agent_id}/stream", buffered=False)
        try:
            chunks = iter(response.response)
            assert next(chunks).startswith(b"retry:")
            self.subscribed.set()
            for chunk in chunks:
                if chunk.startswith(b"data: "):
                    data = json.loads(chunk[len(b"data: ") :])
                    self.events.put(data)
                    if data.get("stop"):
                        return
        finally:
            response.close()

    def next(self) -> dict:
        """The next event's data."""
        return self.events.get(timeout=20)

    def next_alert(self) -> dict:
        """The next event, which must be a ticket alert."""
        return self.next()["ticket_alert"]


def stop(live: LiveStore, *desktops: Desktop) -> None:
    for agent_id in {d.agent_id for d in desktops}:
        live.publish(f"agent:{agent_id}", {"stop": True})
    for desktop in desktops:
        desktop.join(10)


def test_escalations_alert_once_per_change_with_a_fake_clock(
    app: Flask, job: tuple[EscalationJob, FakeClock], db_url: str, live: LiveStore
) -> None:
    escalations, clock = job
    own = Desktop(app, "agent1007", "1007")
    other = Desktop(app, "agent1008", "1008")
    supervisor = Desktop(app, "sup", "1008")

    assert escalations.run_once() == []  # at creation: nothing due
    assert escalations.run_once() == []
    clock.at(31)
    (first,) = escalations.run_once()  # complaint: level 1, response overdue
    assert escalations.run_once() == []  # no change since: no new alert
    assert clock.at(45) and escalations.run_once() == []
    clock.at(61)
    (second,) = escalations.run_once()  # level 2
    assert (first.number, first.new_level, first.target) == (second.number, 1, "team supervisor")
    assert (second.new_level, second.target, second.assignee) == (2, "manager", "agent1007")
    assert first.response_overdue and not first.resolve_overdue

    # the assignee's desktop and the supervisor's get both alerts, in order
    for stream in (own, supervisor):
        alert = stream.next_alert()
        assert (alert["number"], alert["level"], alert["escalated"]) == (first.number, 1, True)
        assert alert["response_overdue"] is True and alert["assignee"] == "agent1007"
        assert stream.next_alert()["target"] == "manager"

    # a day later both tickets are resolve overdue (the inquiry reached level 1 at 8 h)
    clock.at(24 * 60 + 1)
    late = escalations.run_once()
    assert len(late) == 2 and all(e.resolve_overdue for e in late)
    (inquiry,) = {e.number for e in late} - {first.number}
    with session_scope(db_url) as session:
        complaint = svc.get_ticket(session, first.number)
        assert complaint.escalation_level == 2
        assert [h.new_value for h in complaint.history if h.action == "escalate"] == ["1", "2"]
        assert svc.get_ticket(session, inquiry).escalation_level == 1
    assert {supervisor.next_alert()["number"] for _ in range(2)} == {first.number, inquiry}
    assert own.next_alert()["number"] == first.number  # the unassigned one is not theirs

    # agent 1008 has no ticket: none of the alerts reached their desktop, the next event
    # on it is their own agent update
    live.publish("agent:1008", {"agent": {"agent_id": "1008", "state": "available"}})
    assert other.next() == {
        "channel": "agent",
        "agent": {"agent_id": "1008", "state": "available"},
    }
    stop(live, own, other, supervisor)


def test_serve_starts_the_escalation_job_with_the_console(
    db_url: str, redis_url: str, redis_prefix: str
) -> None:
    settings = load_settings(
        database={"url": db_url},
        redis={"url": redis_url, "prefix": redis_prefix},
        console={"port": free_port(), "host": "127.0.0.1"},
        tickets={"escalate_interval_seconds": 3600},
    )
    with session_scope(db_url) as session:
        svc.create_ticket(
            session,
            settings.tickets,
            subject="Old complaint",
            category="complaint",
            now=datetime.now(UTC) - timedelta(hours=2),
        )
    with LiveStore(redis_url, redis_prefix) as live, live.subscribe("ticket-alerts") as alerts:
        server = start_console(settings)  # the first pass runs right away
        try:
            message = None
            while message is None:  # let the job's greenlet run (the test is not patched)
                gevent.sleep(0.05)
                message = alerts.get(timeout=0.05)
            alert = message.data["ticket_alert"]
            assert (alert["subject"], alert["level"]) == ("Old complaint", 2)
            assert [type(job).__name__ for job in server.jobs] == ["EscalationJob"]
        finally:
            server.stop()
    off = settings.tickets.model_copy(update={"escalate_interval_seconds": 0})
    server = start_console(settings.model_copy(update={"tickets": off}))
    assert server.jobs == []
    server.stop()
