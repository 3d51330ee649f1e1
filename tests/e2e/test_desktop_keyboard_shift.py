"""Issue #18 "done when": an agent works a full shift on the desktop with the keyboard alone.

A Chinese agent signs in (login form), signs their phone in, goes ready, takes a call (the
softphone answers), holds and resumes it, opens the caller's ticket from the screen-pop and
comes back, hangs up, fills the wrap-up (disposition and notes) and finishes it; takes a
second call, asks "not ready after this call" with a reason, hangs up (the reason takes
effect), logs the phone out and signs out of the console. Only ``page.keyboard`` drives the
page: Tab / Shift+Tab, Enter, arrow keys and the desktop's Alt shortcuts - never a click. The
focused control keeps a visible focus ring. The engine runs beside the FreeSWITCH simulator
(tests/e2e/sim_thread.py); at the end the call records and the wrap-up are rows in SQL.
"""

from __future__ import annotations

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
from callcenter.tickets import customers as cust
from callcenter.tickets import service as svc
from console.i18n import translate
from tests.e2e.sim_thread import SimThread, engine_beside_simulator
from tests.support.engine_process import EngineProcess
from tests.support.flows import QUEUES, sample_flows

pytestmark = pytest.mark.e2e
PASSWORD = "browser-pass-1"
CALLER = "13800138000"
WAIT = 30_000  # ms: the longest one step may take (a bound, not a measure)
TABS = 80  # the most Tab presses any control on these pages is away
# The focused element shows a ring: an outline or Bootstrap's focus shadow.
RING = """() => { const s = getComputedStyle(document.activeElement);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
  return outline || s.boxShadow !== "none"; }"""


def zh(text: str) -> str:
    """What the Chinese desktop shows for ``text`` (a state, reason or label)."""
    return translate(text, "zh")


@pytest.fixture
def ticket(db_url: str) -> str:
    """Agent 1007 (user agent7, zh) in the sample queues - support with a required wrap-up
    code, sales without wrap-up - and customer Wang Fang's open ticket; its number."""
    with session_scope(db_url) as session:
        user = create_user(session, "agent7", PASSWORD, "agent", language="zh")
        agent = models.Agent(number="1007", sip_user="1007", user=user, display_name="Seven")
        session.add(agent)
        for name in QUEUES:
            queue = models.Queue(name=name, wrap_up_seconds=0 if name == "sales" else 300)
            if name == "support":
                queue.wrap_up_codes, queue.wrap_up_code_required = "solved\nfollow_up", True
            session.add_all([queue, models.AgentQueue(agent=agent, queue=queue)])
        customer = cust.create_customer(session, "Wang Fang", [CALLER])
        return svc.create_ticket(
            session, load_settings().tickets, subject="Router broken", customer_id=customer.id
        ).number


@pytest.fixture
def center(
    ticket: str, tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> Iterator[tuple[SimThread, EngineProcess]]:
    """The simulator with agent 1007's softphone (answers after 1.5 s) and the engine."""
    with engine_beside_simulator(
        tmp_path, (db_url, redis_url, redis_prefix), hotline="5000", softphone=("1007", 3.0),
        ROUTING__RING_TIMEOUT="20", IVR__FLOWS=str(sample_flows(tmp_path / "flows")),
    ) as pair:  # fmt: skip
        yield pair


def tab_to(page, selector: str) -> None:  # noqa: ANN001
    """Press Tab until ``selector`` has the focus; its focus ring must show."""
    is_focused = "s => document.activeElement && document.activeElement.matches(s)"
    for _ in range(TABS):
        if page.evaluate(is_focused, selector):
            assert page.evaluate(RING), f"{selector} has the focus but no visible focus ring"
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reaches {selector}")


def choose(page, selector: str, value: str) -> None:  # noqa: ANN001
    """With ``selector`` (a select) focused, arrow down until it holds ``value``."""
    from playwright.sync_api import expect

    expect(page.locator(selector)).to_be_focused()
    for _ in range(12):
        if page.locator(selector).input_value() == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{selector} has no option {value!r}")


def answered_call(sim: SimThread, page, digit: str) -> str:  # noqa: ANN001
    """A caller dials the hotline and presses ``digit``; the softphone answers. The uuid."""
    from playwright.sync_api import expect

    caller = sim.run(lambda sw: sw.place_call(CALLER, "5000", [wait(1.0), press(digit)]))
    expect(page.get_by_test_id("agent-state")).to_have_text(zh("on_call"))
    uuid = sim.run(lambda sw: caller.uuid)
    expect(page.locator(f"#pop[data-call='{uuid}']")).to_be_visible()
    return uuid


def records(db_url: str, uuids: list[str], engine: EngineProcess) -> list[models.Call]:
    """The finished call records of ``uuids`` (the engine writes them after the hangup)."""
    deadline = time.monotonic() + WAIT / 1000
    while True:
        with session_scope(db_url) as session:
            rows = session.scalars(select(models.Call).where(models.Call.uuid.in_(uuids))).all()
            done = [row for row in rows if row.disposition is not None]
            if len(done) == len(uuids):
                session.expunge_all()
                return sorted(done, key=lambda row: uuids.index(row.uuid))
        assert time.monotonic() < deadline, f"call records missing:\n{engine.log()}"
        time.sleep(0.2)


def test_a_full_shift_with_the_keyboard_only(
    browser, center: tuple[SimThread, EngineProcess], console_url: str, db_url: str, ticket: str
) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    sim, engine = center
    page = browser.new_page()
    page.set_default_timeout(WAIT)
    keys = page.keyboard
    state = page.get_by_test_id("agent-state")

    # the console's sign-in: the username field has the focus
    page.goto(console_url + "/agent/")
    expect(page.locator("#username")).to_be_focused()
    keys.type("agent7")
    keys.press("Tab")
    keys.type(PASSWORD)
    keys.press("Enter")
    expect(page.locator("#stream-status")).to_have_text(zh("live"))

    # the phone signs in (Enter on the button), then Alt+R: ready
    tab_to(page, "#btn-login")
    keys.press("Enter")
    expect(state).to_have_text(zh("not_ready"))
    expect(page.locator("#btn-ready")).to_be_focused()  # the focus follows the state
    keys.press("Alt+R")
    expect(state).to_have_text(zh("available"))

    # call 1 (support): hold and resume with Alt+H
    first = answered_call(sim, page, "2")
    keys.press("Alt+H")
    expect(state).to_have_text(zh("on_hold"))
    keys.press("Alt+H")
    expect(state).to_have_text(zh("on_call"))

    # the caller's ticket from the screen-pop, then back to the desktop through the menu
    tab_to(page, f"#pop-tickets li[data-ticket='{ticket}'] a")
    keys.press("Enter")
    expect(page).to_have_url(f"{console_url}/tickets/{ticket}")
    expect(page.locator("body")).to_contain_text("Router broken")
    tab_to(page, "nav a[href='/agent/']")
    keys.press("Enter")
    expect(page.locator("#stream-status")).to_have_text(zh("live"))
    expect(state).to_have_text(zh("on_call"))

    # Alt+X hangs up: the wrap-up panel takes the focus; code, notes, save, Alt+R finishes
    keys.press("Alt+X")
    expect(state).to_have_text(zh("wrap_up"))
    expect(page.locator("#wrapup-code option")).to_have_count(3)
    choose(page, "#wrapup-code", "solved")
    keys.press("Tab")
    expect(page.locator("#wrapup-notes")).to_be_focused()
    keys.type("Router restarted, works again")
    tab_to(page, "#btn-wrapup-save")
    keys.press("Enter")
    expect(page.get_by_test_id("wrapup-saved")).to_have_text(zh("saved"))
    keys.press("Alt+R")
    expect(state).to_have_text(zh("available"))

    # call 2 (sales, no wrap-up): "not ready after this call" with a reason, then Alt+X
    second = answered_call(sim, page, "1")
    tab_to(page, "#nr-reason")
    choose(page, "#nr-reason", "lunch")
    keys.press("Alt+N")
    pending = page.get_by_test_id("agent-pending")
    expect(pending).to_contain_text(zh("lunch"))
    expect(state).to_have_text(zh("on_call"))  # still talking: it waits for the call's end
    keys.press("Alt+X")
    expect(state).to_have_text(zh("not_ready"))
    expect(page.locator("#agent-reason")).to_have_text(f"({zh('lunch')})")
    expect(pending).to_be_hidden()

    # Alt+L logs the phone out; the console's Sign out button, by Tab and Enter
    keys.press("Alt+L")
    expect(state).to_have_text(zh("logged_out"))
    tab_to(page, "form.signout button[type=submit]")
    keys.press("Enter")
    expect(page.locator("#username")).to_be_visible()

    # the shift in SQL: both calls answered by agent 1007 and hung up by them; the wrap-up
    calls = records(db_url, [first, second], engine)
    with session_scope(db_url) as session:
        agent_id = session.scalar(select(models.Agent.id).where(models.Agent.number == "1007"))
        queues = dict(session.execute(select(models.Queue.id, models.Queue.name)).all())
        wrap_ups = session.scalars(select(models.CallWrapUp)).all()
        assert [(w.call_uuid, w.code, w.notes) for w in wrap_ups] == [
            (first, "solved", "Router restarted, works again")
        ]
    assert [(c.agent_id, c.disposition, c.hangup_by, queues[c.queue_id]) for c in calls] == [
        (agent_id, "answered", "agent", "support"),
        (agent_id, "answered", "agent", "sales"),
    ]
