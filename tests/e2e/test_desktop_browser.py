"""Agent desktop in a real browser: ready, screen-pop of a known customer, ticket from the pop.

The engine is simulated by writing the Redis hashes and publishing on the agent's channel
(``agent:<id>``) as the engine does.
"""

from __future__ import annotations

import pytest

from callcenter.config import load_settings
from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from callcenter.tickets import customers as cust
from callcenter.tickets import service as svc

pytestmark = pytest.mark.e2e
PASSWORD = "browser-pass-1"


@pytest.fixture
def seeded(db_url: str) -> None:
    with session_scope(db_url) as session:
        user = create_user(session, "agent7", PASSWORD, "agent", language="en")
        session.add(models.Agent(number="1007", sip_user="1007", user=user, display_name="Seven"))
        customer = cust.create_customer(session, "Wang Fang", ["13800138000"], vip=True)
        svc.create_ticket(
            session, load_settings().tickets, subject="Router broken", customer_id=customer.id
        )


def test_agent_ready_pop_and_ticket(
    browser, console_url: str, seeded: None, redis_url: str, redis_prefix: str
) -> None:  # noqa: ANN001, E501
    live = LiveStore(redis_url, redis_prefix)
    page = browser.new_page()
    page.goto(console_url + "/agent/")
    page.fill("input[name=username]", "agent7")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.locator("#stream-status", has_text="live").wait_for()

    agent = {"extension": "1007", "state": "not_ready", "reason": "login", "call_uuid": ""}
    live.put_agent("1007", **agent, since="2026-01-01T09:00:00+00:00")
    page.click("#btn-ready")
    page.locator("#message", has_text="ready").wait_for()
    live.put_agent("1007", state="available", reason="")
    live.publish(
        "agent:1007", {"agent": {"agent_id": "1007", **agent, "state": "available", "reason": ""}}
    )
    page.locator("[data-testid=agent-state]", has_text="available").wait_for()

    live.put_call(
        "c-77", state="offering", caller_number="13800138000", queue="support", agent_id="1007"
    )
    live.put_agent("1007", state="ringing", call_uuid="c-77")
    live.publish(
        "agent:1007",
        {"agent": {"agent_id": "1007", **agent, "state": "ringing", "call_uuid": "c-77"}},
    )
    page.locator("[data-testid=pop-customer]", has_text="Wang Fang").wait_for()
    page.locator("[data-testid=pop-tickets]", has_text="Router broken").wait_for()
    assert page.inner_text("[data-testid=pop-caller]") == "13800138000"

    page.fill("#pop-subject", "Asked about the bill")
    page.click("#pop-create-ticket")
    page.locator("[data-testid=created-ticket]").wait_for()
    # an SLA alert for a ticket assigned to this agent shows on the desktop (the escalation
    # job publishes it; another agent's alert does not)
    for assignee, number in (("agent8", "T-OTHER"), ("agent7", "T-MINE")):
        alert = {
            "number": number,
            "subject": "Bill twice",
            "level": 1,
            "escalated": True,
            "target": "team supervisor",
            "assignee": assignee,
            "response_overdue": True,
            "resolve_overdue": False,
        }
        live.publish("ticket-alerts", {"ticket_alert": alert})
    mine = page.locator("[data-testid=ticket-alert]")
    mine.wait_for()
    assert mine.count() == 1 and mine.get_attribute("data-ticket") == "T-MINE"
    assert "team supervisor" in mine.inner_text() and "overdue" in mine.inner_text()

    page.goto(console_url + "/tickets/")
    page.locator("#tickets", has_text="Asked about the bill").wait_for()
    assert "Wang Fang" in page.inner_text("#tickets")
    live.close()
