"""Ticket list filters and search (the list page and GET /api/tickets share search_tickets)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from callcenter.config import TicketSettings
from callcenter.store.repositories import create_user
from callcenter.tickets import customers as cust
from callcenter.tickets import service as svc
from callcenter.tickets.search import search_tickets
from callcenter.tickets.workflow import TicketError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = TicketSettings()


def subjects(tickets: list) -> list[str]:  # noqa: ANN001
    return sorted(t.subject for t in tickets)


def test_every_filter_and_the_text_search(db_session: Session) -> None:
    agent = create_user(db_session, "a1", "secret-1", "agent")
    wang = cust.create_customer(db_session, "Wang Fang", ["13800138000"])
    li = cust.create_customer(db_session, "Li Lei", ["13900139000"])

    def ticket(subject: str, **fields: object):  # noqa: ANN202
        return svc.create_ticket(db_session, SETTINGS, subject=subject, now=T0, **fields)

    ticket("Bill too high", category="complaint", priority="high", customer_id=wang.id)
    ticket("Router broken", category="repair", customer_id=li.id, description="modem dead")
    mine = ticket("Slow line", category="repair", priority="urgent", assignee_id=agent.id)
    done = ticket("Address change", category="inquiry", customer_id=wang.id)
    svc.apply_action(db_session, done, "resolve", now=T0)

    def search(**filters: object) -> list[str]:
        return subjects(search_tickets(db_session, **filters))

    assert search(category="repair") == ["Router broken", "Slow line"]
    assert search(priority="urgent") == ["Slow line"]
    assert search(customer_id=wang.id) == ["Address change", "Bill too high"]
    assert search(assignee_id=agent.id) == [mine.subject]
    assert search(status="open") == ["Bill too high", "Router broken", "Slow line"]
    assert search(status="resolved") == ["Address change"]
    # text: number, subject, description or the customer's name, any case
    assert search(query="wang") == ["Address change", "Bill too high"]
    assert search(query="MODEM") == ["Router broken"]
    assert search(query=mine.number) == ["Slow line"]
    # overdue: open tickets past a due time at that moment (resolved ones never)
    assert search(overdue_at=T0) == []
    assert search(overdue_at=T0 + timedelta(days=30)) == [
        "Bill too high",
        "Router broken",
        "Slow line",
    ]
    # filters combine
    assert search(category="repair", query="line", status="open") == ["Slow line"]
    for bad in ({"status": "lost"}, {"priority": "whenever"}):
        with pytest.raises(TicketError):
            search_tickets(db_session, **bad)
