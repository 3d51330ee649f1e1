"""Agent desktop in a real browser: ready, screen-pop of a known customer, ticket from the pop,
then the ticket followed to closure (callback dialled from its page, outcome, resolve, close).

The engine is simulated by writing the Redis hashes and publishing on the agent's channel
(``agent:<id>``) as the engine does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from callcenter.config import load_settings
from callcenter.live.names import AGENT_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from callcenter.tickets import customers as cust
from callcenter.tickets import service as svc
from tests.support.engine_process import child_env, free_port

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
    live.publish("agent:1007", {"agent": {"agent_id": "1007", **agent}})  # Ready shows
    page.click("#btn-ready")
    page.locator("#message", has_text="ready").wait_for()
    live.put_agent("1007", state="available", reason="")
    live.publish(
        "agent:1007", {"agent": {"agent_id": "1007", **agent, "state": "available", "reason": ""}}
    )
    page.locator("[data-testid=agent-state]", has_text="available").wait_for()

    path = [{"node": "menu", "value": "2"}, {"node": "support", "value": "support"}]
    live.put_call(
        "c-77",
        state="offering",
        caller_number="13800138000",
        queue="support",
        agent_id="1007",
        ivr_path=json.dumps(path),
    )
    live.put_agent("1007", state="ringing", call_uuid="c-77")
    live.publish(
        "agent:1007",
        {"agent": {"agent_id": "1007", **agent, "state": "ringing", "call_uuid": "c-77"}},
    )
    page.locator("[data-testid=pop-customer]", has_text="Wang Fang").wait_for()
    page.locator("[data-testid=pop-tickets]", has_text="Router broken").wait_for()
    assert page.inner_text("[data-testid=pop-caller]") == "13800138000"
    assert page.inner_text("#pop-ivr") == "menu > support"
    assert page.inner_text("#pop-inputs") == "(menu=2, support=support)"

    page.fill("#pop-subject", "Asked about the bill")
    page.click("#pop-create-ticket")
    created = page.locator("[data-testid=created-ticket]")
    created.wait_for()
    ticket_url = console_url + created.get_attribute("href")
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

    # the ticket from the call, followed to closure on its page: a follow-up callback dialled
    # with one click (the desktop's dial action onto the engine's command stream), its outcome
    # noted, then in progress -> resolved -> closed
    live.ensure_group(AGENT_COMMANDS, "browser-test")
    page.goto(ticket_url)
    page.locator("[data-testid=ticket-calls]", has_text="c-77").wait_for()
    page.fill("form input[name=number]", "13800138000")
    page.fill("form input[name=due_at]", "2030-01-01T10:00")
    page.click("text=Schedule callback")
    dial = page.locator("button.dial-callback")
    dial.wait_for()
    dial.click()
    page.locator("#message", has_text="dial 13800138000").wait_for()
    (sent,) = [c.data for c in live.read_commands(AGENT_COMMANDS, "browser-test", "t", block=None)]
    assert (sent["action"], sent["agent_id"], sent["number"]) == ("dial", "1007", "13800138000")
    assert sent["ticket"] == ticket_url.rsplit("/", 1)[1]
    page.reload()
    page.locator(".callbacks", has_text="dialling").wait_for()
    page.fill(".callbacks input[name=outcome]", "reached, bill explained")
    page.click("text=Save outcome")
    page.locator(".callbacks", has_text="reached, bill explained").wait_for()
    page.locator(".comments", has_text="reached, bill explained").wait_for()
    status = page.locator("[data-testid=ticket-status]")
    for action, shown in (("start", "in progress"), ("resolve", "resolved"), ("close", "closed")):
        page.click(f"button[data-action={action}]")
        status.filter(has_text=shown).wait_for()
    assert page.locator("button[data-action=reopen]").count() == 1  # closed, may be reopened
    live.close()


class Console:
    """``callcenter serve --no-engine`` that can be stopped and started again on one port,
    with a fixed secret key so that the browser's session outlives the restart."""

    def __init__(self, tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / "console.log"
        self.cwd = tmp_path
        self.env = child_env()
        self.env.update(
            {
                "CALLCENTER_DATABASE__URL": db_url,
                "CALLCENTER_REDIS__URL": redis_url,
                "CALLCENTER_REDIS__PREFIX": redis_prefix,
                "CALLCENTER_CONSOLE__PORT": str(self.port),
                "CALLCENTER_CONSOLE__SECRET_KEY": "reconnect-test-secret-key-0123456789abcdef",
            }
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> Console:
        """Start the server and wait until it answers."""
        with self.log.open("ab") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from callcenter.entry import run; run()", "serve",
                 "--no-engine"],
                cwd=self.cwd, env=self.env, stdout=log_file, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(self.url + "/login", timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    output = self.log.read_text()
                    raise AssertionError("console did not start:\n" + output) from None
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server (its streams end with it)."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


def test_desktop_reconnects_and_resyncs_after_the_stream_drops(
    browser, tmp_path: Path, db_url: str, seeded: None, redis_url: str, redis_prefix: str
) -> None:  # noqa: ANN001
    live = LiveStore(redis_url, redis_prefix)
    console = Console(tmp_path, db_url, redis_url, redis_prefix).start()
    try:
        page = browser.new_page()
        page.goto(console.url + "/agent/")
        page.fill("input[name=username]", "agent7")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        status = page.locator("#stream-status")
        status.filter(has_text="live").wait_for()
        agent = {"agent_id": "1007", "extension": "1007", "state": "available", "reason": ""}
        live.put_agent("1007", **{k: v for k, v in agent.items() if k != "agent_id"})
        live.publish("agent:1007", {"agent": agent})
        page.locator("[data-testid=agent-state]", has_text="available").wait_for()

        # the stream drops (the console goes away); what changes meanwhile is not published
        # to this page ...
        console.stop()
        status.filter(has_text="reconnecting").wait_for()
        live.put_agent("1007", state="not_ready", reason="lunch", since="2026-01-01T12:00:00+00:00")
        live.publish("agent:1007", {"agent": {**agent, "state": "not_ready", "reason": "lunch"}})
        # ... so when the page is back by itself it reads the state afresh
        console.start()
        status.filter(has_text="live").wait_for(timeout=30_000)
        page.locator("[data-testid=agent-state]", has_text="not ready").wait_for()
        assert page.inner_text("#agent-reason") == "(lunch)"
        # and follows live events again
        live.put_agent("1007", state="available", reason="")
        live.publish("agent:1007", {"agent": {**agent, "state": "available"}})
        page.locator("[data-testid=agent-state]", has_text="available").wait_for()
    finally:
        console.stop()
        live.close()
