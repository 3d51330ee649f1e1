"""A live call through the real engine, seen and handled on the agent desktop in Chromium.

The engine runs as a child process (``callcenter serve --no-console``) against the
FreeSWITCH simulator (in a thread of this process), the console as another child
(``callcenter serve --no-engine``), with a real redis-server and a real SQLite file. The
agent signs in with their extension and goes ready in the browser; a known customer with
an open ticket dials the sample flow's hotline and presses 2 (support); the screen-pop shows
the customer and the ticket; the agent's softphone answers; the agent creates a ticket from
the pop, hangs up from the desktop (CTI hangup), sees the wrap-up countdown and finishes
wrap-up. The new ticket has the call linked: on its page and in SQL.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.config import load_settings
from callcenter.sim import press, wait
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from callcenter.store.tickets import TicketCall
from callcenter.tickets import customers as cust
from callcenter.tickets import service as svc
from tests.e2e.sim_thread import SimThread, engine_beside_simulator
from tests.support.engine_process import EngineProcess
from tests.support.flows import QUEUES, sample_flows

pytestmark = pytest.mark.e2e
PASSWORD = "browser-pass-1"
CALLER = "13800138000"
WRAP_UP_SECONDS = 300  # long: the agent ends it with Finish, not the engine's timer
WAIT = 30_000  # ms: the longest the page may take for one step (a bound, not a measure)


@pytest.fixture
def seeded(db_url: str) -> None:
    """Agent 1007 (user agent7) in the sample flow's queues; customer Wang Fang with an
    open ticket."""
    with session_scope(db_url) as session:
        user = create_user(session, "agent7", PASSWORD, "agent", language="en")
        user.department = "customer_service"
        agent = models.Agent(number="1007", sip_user="1007", user=user, display_name="Seven")
        session.add(agent)
        for name in QUEUES:
            queue = models.Queue(name=name, wrap_up_seconds=WRAP_UP_SECONDS)
            session.add_all([queue, models.AgentQueue(agent=agent, queue=queue)])
        customer = cust.create_customer(session, "Wang Fang", [CALLER], region="Beijing")
        svc.create_ticket(
            session, load_settings().tickets, subject="Router broken", customer_id=customer.id
        )


@pytest.fixture
def center(
    seeded: None, tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> Iterator[tuple[SimThread, EngineProcess]]:
    """The simulator with agent 1007's softphone, and the engine wired to it."""
    with engine_beside_simulator(
        tmp_path, (db_url, redis_url, redis_prefix), hotline="5000",
        softphone=("1007", 3.0),  # rings 1.5 s
        ROUTING__RING_TIMEOUT="20", IVR__FLOWS=str(sample_flows(tmp_path / "flows")),
    ) as pair:  # fmt: skip
        yield pair


def call_record(db_url: str, call_uuid: str) -> models.Call | None:
    with session_scope(db_url) as session:
        row = session.scalar(select(models.Call).where(models.Call.uuid == call_uuid))
        if row is not None and row.disposition is not None:
            session.expunge(row)
            return row
        return None


def wait_for_record(db_url: str, call_uuid: str, engine: EngineProcess) -> models.Call:
    deadline = time.monotonic() + 30
    while (record := call_record(db_url, call_uuid)) is None:
        assert time.monotonic() < deadline, f"no call record for {call_uuid}:\n{engine.log()}"
        time.sleep(0.1)
    return record


def test_live_call_pop_ticket_hangup_and_wrap_up(
    browser, center: tuple[SimThread, EngineProcess], console_url: str, db_url: str
) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    sim, engine = center
    page = browser.new_page()
    page.set_default_timeout(WAIT)
    page.goto(console_url + "/agent/")
    page.fill("input[name=username]", "agent7")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    state = page.get_by_test_id("agent-state")
    expect(page.locator("#stream-status")).to_have_text("live", timeout=WAIT)

    # sign in with the extension, then ready: both carried out by the engine
    expect(page.locator("#extension")).to_have_value("1007")
    page.click("#btn-login")
    expect(state).to_have_text("not ready", timeout=WAIT)
    page.click("#btn-ready")
    expect(state).to_have_text("available", timeout=WAIT)

    caller = sim.run(lambda sw: sw.place_call(CALLER, "5000", [wait(1.0), press("2")]))

    # the screen-pop: the known customer, their open ticket, the IVR path and the queue
    expect(page.get_by_test_id("pop-customer")).to_contain_text("Wang Fang", timeout=WAIT)
    expect(page.get_by_test_id("pop-tickets")).to_contain_text("Router broken")
    expect(page.get_by_test_id("pop-caller")).to_have_text(CALLER)
    expect(page.locator("#pop-queue")).to_have_text("support", timeout=WAIT)
    call_uuid = page.get_by_test_id("pop").get_attribute("data-call")
    assert call_uuid == sim.run(lambda sw: caller.uuid)

    # the softphone answers; the agent writes a ticket from the pop while talking
    expect(state).to_have_text("on call", timeout=WAIT)
    expect(page.locator("#pop-state")).to_have_text("talking", timeout=WAIT)
    page.fill("#pop-subject", "Asked about the bill")
    page.click("#pop-create-ticket")
    created = page.get_by_test_id("created-ticket")
    expect(created).to_be_visible(timeout=WAIT)
    number = created.inner_text()

    # hang up from the desktop: wrap-up with its countdown, then Finish
    page.click("button[data-action=hangup]")
    expect(state).to_have_text("wrap-up", timeout=WAIT)
    expect(page.get_by_test_id("wrapup")).to_be_visible()
    left = page.get_by_test_id("wrapup-left")
    expect(left).to_have_text(re.compile(r"^\d+$"), timeout=WAIT)
    assert 0 < int(left.inner_text()) <= WRAP_UP_SECONDS
    page.click("#btn-finish")
    expect(state).to_have_text("available", timeout=WAIT)
    expect(page.get_by_test_id("wrapup")).to_be_hidden()

    # the call record: answered by agent 1007, hung up by the agent
    record = wait_for_record(db_url, call_uuid, engine)
    assert (record.disposition, record.hangup_by) == ("answered", "agent")
    assert sim.run(lambda sw: caller.ended.is_set())

    # the new ticket has the call linked: on its page ...
    page.goto(f"{console_url}/tickets/{number}")
    calls = page.get_by_test_id("ticket-calls")
    expect(calls).to_contain_text(call_uuid)
    expect(calls).to_contain_text("answered")
    expect(page.locator("body")).to_contain_text("Asked about the bill")
    # ... and in SQL, with the call's details written into the description
    with session_scope(db_url) as session:
        ticket = svc.get_ticket(session, number)
        linked = session.scalars(
            select(models.Call.uuid)
            .join(TicketCall, TicketCall.call_id == models.Call.id)
            .where(TicketCall.ticket_id == ticket.id)
        ).all()
        assert linked == [call_uuid]
        assert ticket.customer.name == "Wang Fang"
        assert f"Call {call_uuid}" in ticket.description and "queue: support" in (
            ticket.description
        )
        agent = session.get(models.Agent, record.agent_id)
        assert agent.number == "1007"
