"""The queue wallboard on real SQLite and Redis: the grouped SQL totals against hand-computed
values, the JSON snapshot (/api/wallboard/queues) and the call-back of an abandoned caller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from callcenter.live.store import LiveStore
from callcenter.reports.queue_figures import PeriodTotals, QueueTotals, day_start
from callcenter.reports.queue_today import abandoned_calls, queue_totals
from callcenter.store import models
from callcenter.store.base import utcnow
from callcenter.store.enums import Disposition
from callcenter.store.repositories import insert_call
from callcenter.store.session import session_scope
from tests.support.engine_process import free_port
from tests.support.login import csrf_token, make_app, signed_in

DAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
NOW = DAY + timedelta(hours=10)
ANSWERED = Disposition.ANSWERED
ABANDONED = Disposition.ABANDONED


def add_calls(db_url: str, queue: str, *calls: dict[str, Any]) -> None:
    """Call records in ``queue`` (created with the queue if it is new)."""
    with session_scope(db_url) as session:
        row = session.scalar(select(models.Queue).where(models.Queue.name == queue))
        if row is None:
            row = models.Queue(name=queue)
            session.add(row)
            session.flush()
        for n, fields in enumerate(calls):
            uuid = fields.pop("uuid", f"{queue}-{n}-{fields['started_at'].isoformat()}")
            insert_call(session, uuid, queue_id=row.id, **fields)


def answered(started: datetime, wait: float, talk: float | None, wrap: float | None = None) -> dict:
    """An answered call's columns (``talk`` None: still talking)."""
    return {
        "started_at": started,
        "wait_seconds": wait,
        "answered_at": started + timedelta(seconds=wait),
        "talk_seconds": talk,
        "wrap_up_seconds": wrap,
        "disposition": ANSWERED if talk else None,
    }


def abandoned(started: datetime, wait: float, number: str = "13800000000") -> dict:
    """An abandoned call's columns."""
    return {
        "started_at": started,
        "wait_seconds": wait,
        "disposition": ABANDONED,
        "caller_number": number,
    }


def test_grouped_totals_match_hand_computed_values(db_url: str) -> None:
    with session_scope(db_url) as session:
        session.add_all([
            models.Queue(name="sales", service_level_seconds=20),
            models.Queue(name="support", service_level_seconds=30),
            models.Queue(name="closed", active=False),
        ])  # fmt: skip
    early, late = NOW - timedelta(hours=2), NOW - timedelta(minutes=5)
    add_calls(
        db_url, "sales",
        answered(DAY - timedelta(minutes=1), 1, 10),  # yesterday: not counted
        answered(early, 10, 100, 20),  # in target; handle 120
        answered(early, 20, 50),  # in target (20 <= 20); handle 50
        answered(late, 25, None),  # late, still talking: no handle time
        abandoned(early, 3),  # short
        abandoned(late, 40),
    )  # fmt: skip
    add_calls(db_url, "closed", abandoned(late, 9))

    with session_scope(db_url) as session:
        totals = queue_totals(session, DAY, NOW - timedelta(minutes=15))
        gone = abandoned_calls(session, DAY)

    assert totals == [
        QueueTotals(
            "sales", 20,
            today=PeriodTotals(offered=5, answered=3, abandoned=2, short_abandoned=1,
                               within_target=2, wait_answered=55.0, handled=2,
                               handle_seconds=170.0),
            recent=PeriodTotals(offered=2, answered=1, abandoned=1, wait_answered=25.0),
        ),
        QueueTotals("support", 30),
    ]  # fmt: skip
    # the abandoned callers of every queue (a closed queue's caller still wants a call back)
    waits = [(row["queue"], row["wait_seconds"]) for row in gone]
    assert waits == [("closed", 9.0), ("sales", 40.0), ("sales", 3.0)]


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    """The console with sup, agent7 and boss."""
    return make_app(db_url, redis_url, redis_prefix)


def post(client: FlaskClient, path: str) -> TestResponse:
    """POST with the page's CSRF token."""
    return client.post(path, headers={"X-CSRFToken": csrf_token(client, "/customers/")})


def recently() -> datetime:
    """A minute ago, but today (so the test does not depend on the hour it runs)."""
    now = utcnow()
    return max(now - timedelta(minutes=1), day_start(now, "UTC"))


def test_snapshot_joins_todays_records_with_the_live_queue(
    app: Flask, db_url: str, live: LiveStore
) -> None:
    at = recently()
    add_calls(db_url, "sales", answered(at, 5, 60, 10), abandoned(at, 12, "13900000001"))
    live.put_call("c-wait", state="queued", queue="sales",
                  enqueued_at=(utcnow() - timedelta(seconds=30)).isoformat())  # fmt: skip
    live.put_agent("1000", state="available", queues="sales")
    live.put_agent("1001", state="not_ready", reason="lunch", queues="sales")

    body = signed_in(app, "sup").get("/api/wallboard/queues").get_json()

    (tile,) = body["queues"]
    assert tile["queue"] == "sales" and tile["waiting"] == 1
    assert tile["longest_wait"] >= 30
    assert tile["agents"] == {"available": 1, "on_call": 0, "wrap_up": 0, "not_ready": {"lunch": 1}}
    assert tile["today"] == {"offered": 2, "answered": 1, "abandoned": 1, "short_abandoned": 0,
                             "service_level": 50.0, "asa": 5.0, "aht": 70.0}  # fmt: skip
    assert tile["alerts"] == ["wait", "service_level"]  # 30 s > 20 s target; 50 % < 80 %
    (gone,) = body["abandoned"]
    assert (gone["caller_number"], gone["wait_seconds"], gone["ticket"]) == (
        "13900000001",
        12.0,
        None,
    )
    assert body["live"] is True


def test_agents_cannot_see_the_queue_board(app: Flask) -> None:
    agent = signed_in(app, "agent7")
    assert agent.get("/api/wallboard/queues").status_code == 403
    assert agent.get("/wallboard/queues").status_code == 403
    page = signed_in(app, "sup").get("/wallboard/queues")
    assert page.status_code == 200 and 'id="queue-tiles"' in page.get_data(as_text=True)


def test_calling_back_an_abandoned_caller_opens_a_ticket_with_a_callback_due(
    app: Flask, db_url: str
) -> None:
    at = recently()
    add_calls(db_url, "sales", dict(abandoned(at, 12, "13900000002"), uuid="gone-1"),
              dict(answered(at, 5, 60), uuid="talked-1"))  # fmt: skip
    sup = signed_in(app, "sup")

    made = post(sup, "/api/wallboard/abandoned/gone-1/callback")

    assert made.status_code == 201
    number = made.get_json()["ticket"]
    with session_scope(db_url) as session:
        ticket = session.scalar(select(models.Ticket).where(models.Ticket.number == number))
        (callback,) = session.scalars(
            select(models.TicketCallback).where(models.TicketCallback.ticket_id == ticket.id)
        )
        assert callback.number == "13900000002" and callback.status == "scheduled"
        assert callback.due_at <= utcnow()
    (gone,) = sup.get("/api/wallboard/queues").get_json()["abandoned"]
    assert gone["ticket"] == number
    assert post(sup, "/api/wallboard/abandoned/gone-1/callback").status_code == 409  # once
    assert post(sup, "/api/wallboard/abandoned/talked-1/callback").status_code == 409
    assert post(sup, "/api/wallboard/abandoned/nothing/callback").status_code == 404
    assert (
        post(signed_in(app, "agent7"), "/api/wallboard/abandoned/gone-1/callback").status_code
        == 403
    )


def test_without_redis_the_board_still_shows_todays_records(db_url: str, redis_prefix: str) -> None:
    app = make_app(db_url, f"redis://127.0.0.1:{free_port()}/0", redis_prefix)
    add_calls(db_url, "sales", abandoned(recently(), 8, "13900000004"))

    response = signed_in(app, "sup").get("/api/wallboard/queues")

    assert response.status_code == 200
    body = response.get_json()
    assert body["live"] is False
    (tile,) = body["queues"]
    assert (tile["today"]["abandoned"], tile["waiting"]) == (1, 0)
