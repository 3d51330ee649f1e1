"""Issue #15 "Done when": an admin sets up a working center from an empty database in the
browser, and a call reaches it - without restarting the engine.

The engine (a child process, ``ivr.source: database``, queues re-read only every 600 s so
only the admin's change notice can explain it) serves the FreeSWITCH simulator with no
queue, agent, flow or number. In Chromium the admin creates a skill, a queue requiring it
with a widening step, agent 1010 in that queue, a flow sending callers to the queue
(published in the editor) and a hotline number for that flow. Agent 1010 signs in on the
command stream; a caller dials the number and is answered by 1010's softphone: the call
record names the agent and the queue.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.live.names import AGENT_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from tests.e2e.sim_thread import SimThread, engine_beside_simulator
from tests.support.browser_login import PASSWORD, sign_in
from tests.support.engine_process import EngineProcess

pytestmark = pytest.mark.e2e
HOTLINE = "4008"  # the new hotline number (the simulator's dialplan sends it to the engine)
EXTENSION = "1010"  # one of the simulator's SIP users
WAIT = 30_000  # ms: the longest the page may take for one step (a bound, not a measure)
FLOW = """\
name: billing_line
start: greet
nodes:
  greet:
    type: play
    prompt: "say:Welcome to billing."
    next: billing
  billing:
    type: queue
    queue: billing
"""


@pytest.fixture
def admin_only(db_url: str) -> None:
    """An empty center: one admin user, no queue, agent, flow or number."""
    with session_scope(db_url) as session:
        create_user(session, "boss", PASSWORD, "admin", language="en")


@pytest.fixture
def engine(
    admin_only: None, tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> Iterator[tuple[SimThread, EngineProcess]]:
    """The simulator (1010's softphone answers) and the engine serving the new hotline."""
    (tmp_path / "no-flows").mkdir()
    with engine_beside_simulator(
        tmp_path, (db_url, redis_url, redis_prefix), hotline=HOTLINE,
        softphone=(EXTENSION, 1.0),
        IVR__SOURCE="database", IVR__FLOWS=str(tmp_path / "no-flows"), IVR__RELOAD_INTERVAL="0",
        ROUTING__QUEUE_RELOAD_SECONDS="600", ROUTING__RING_TIMEOUT="20",
    ) as pair:  # fmt: skip
        yield pair


def fill_form(page, path: str, fields: dict[str, str], row: str, console_url: str) -> None:  # noqa: ANN001
    """Open an admin list, click New, fill ``fields`` (by id), save, wait for the new row."""
    page.goto(console_url + path)
    page.click("[data-testid=new]")
    for field, value in fields.items():
        page.fill(f"#f-{field}", value)
    page.click("[data-testid=save]")
    page.locator(f"tr[data-name='{row}']").wait_for()


def until(check, what: str, engine: EngineProcess, seconds: float = 30.0):  # noqa: ANN001, ANN201
    """Poll ``check`` until it is truthy (failing with the engine's log after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{engine.log()}"
        time.sleep(0.1)
    return result


def answered_record(db_url: str, call_uuid: str) -> tuple[str, str, str] | None:
    """(disposition, agent number, queue name) of a finished call record, else None."""
    with session_scope(db_url) as session:
        row = session.scalar(select(models.Call).where(models.Call.uuid == call_uuid))
        if row is None or row.disposition is None:
            return None
        agent = row.agent.number if row.agent else ""
        return row.disposition, agent, row.queue.name if row.queue else ""


def test_admin_builds_a_center_in_the_browser_and_a_call_reaches_it(
    browser,  # noqa: ANN001
    engine: tuple[SimThread, EngineProcess],
    console_url: str,
    db_url: str,
    redis_url: str,
    redis_prefix: str,
) -> None:
    sim, process = engine
    page = browser.new_page()
    page.set_default_timeout(WAIT)
    sign_in(page, console_url, "boss")
    page.wait_for_selector("[data-testid=who]")

    fill_form(page, "/admin/skills/", {"name": "invoices"}, "invoices", console_url)
    page.goto(console_url + "/admin/queues/")
    page.click("[data-testid=new]")
    page.fill("#f-name", "billing")
    page.fill("#f-skills", "invoices:5")
    page.fill("#f-widening", "30:3")
    page.click("[data-testid=save]")
    page.locator("tr[data-name=billing]").wait_for()
    fill_form(
        page,
        "/admin/agents/",
        {
            "number": EXTENSION,
            "display_name": "Li Na",
            "sip_user": EXTENSION,
            "queues": "billing:1:1",
            "skills": "invoices:7",
        },
        EXTENSION,
        console_url,
    )

    # the flow: written in the editor, saved, published
    page.goto(console_url + "/admin/ivr/")
    page.click("[data-testid=new-flow]")
    page.wait_for_selector(".CodeMirror")
    page.fill("#flow-new-name", "billing_line")
    page.evaluate("(text) => window.flowEditor.setValue(text)", FLOW)
    page.wait_for_selector("#check-status:has-text('No problems')")
    page.fill("#flow-comment", "billing hotline")
    page.click("[data-testid=save]")
    page.wait_for_url(console_url + "/admin/ivr/billing_line")
    version = page.locator("#versions tr[data-version='1']")
    version.locator("[data-testid=publish]").click()
    version.locator("[data-testid=published]").wait_for()

    # the number -> flow, on the numbers page
    page.goto(console_url + "/admin/numbers")
    page.fill("textarea[name=numbers]", f"{HOTLINE} billing_line billing hotline")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=toasts]:has-text('Saved')")
    assert "billing_line" in page.locator("textarea[name=numbers]").input_value()

    # the agent signs in (as the desktop does: the command stream) and goes ready
    live = LiveStore(redis_url, redis_prefix)
    for action in ("login", "ready"):
        live.send_command(AGENT_COMMANDS, {"agent_id": EXTENSION, "action": action})
    until(
        lambda: live.get_agent(EXTENSION).get("state") == "available",
        f"agent {EXTENSION} available",
        process,
    )

    caller = sim.run(lambda sw: sw.place_call("13900139000", HOTLINE))
    call_uuid = sim.run(lambda sw: caller.uuid)
    until(lambda: live.get_agent(EXTENSION).get("state") == "on_call", "agent on call", process)
    sim.run(lambda sw: caller.hangup())
    record = until(lambda: answered_record(db_url, call_uuid), "the call record", process)
    assert record == ("answered", EXTENSION, "billing")
