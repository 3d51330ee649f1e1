"""Agent desktop ergonomics in a real browser: only the controls the state allows, Alt+key
shortcuts reaching the console's command stream, "not ready after this call" shown while it is
pending, a notification and a tone for a call ringing in a hidden tab, and the caller's tickets
one click from the screen-pop.

The engine is simulated by writing the Redis hashes and publishing on the agent's channel
(``agent:<id>``) as the engine does. ``Notification`` and ``document.hidden`` are browser
boundaries: the page gets recording stubs through an init script.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from callcenter.config import load_settings
from callcenter.live.names import AGENT_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from callcenter.tickets import customers as cust
from callcenter.tickets import service as svc
from console.i18n import translate

pytestmark = pytest.mark.e2e
PASSWORD = "browser-pass-1"
WAIT = 20_000  # ms: the longest one step may take (a bound, not a measure)
CALLER = "13800138000"
GROUP = "ergonomics-test"

# Records notifications, permission requests and tones; document.hidden follows __hidden.
STUBS = """
window.__notes = []; window.__asked = 0; window.__tones = 0; window.__hidden = false;
Object.defineProperty(Document.prototype, "hidden", {
  configurable: true, get() { return window.__hidden; } });
let permission = "default";
window.Notification = class {
  constructor(title, options) { window.__notes.push({ title: title, tag: (options || {}).tag }); }
  static get permission() { return permission; }
  static requestPermission() {
    window.__asked += 1; permission = "granted"; return Promise.resolve(permission); }
  close() {}
};
const RealContext = window.AudioContext;
if (RealContext) window.AudioContext = class extends RealContext {
  createOscillator() {
    const oscillator = super.createOscillator();
    const start = oscillator.start.bind(oscillator);
    oscillator.start = (...args) => { window.__tones += 1; return start(...args); };
    return oscillator;
  }
};
"""

CONTROLS = [
    "signin-form", "btn-ready", "btn-cancel-pending", "notready-form", "btn-logout", "dial-form",
    "ringing", "btn-hangup", "btn-hold", "btn-unhold", "cti-form", "btn-consult-complete",
    "btn-consult-cancel", "btn-conference", "btn-record-pause", "btn-record-resume",
    "dtmf-form", "wrapup",
]  # fmt: skip
ON_A_CALL = {"btn-hangup", "cti-form", "dtmf-form", "notready-form", "btn-logout"}
EXPECTED = {
    "logged_out": {"signin-form"},
    "not_ready": {"btn-ready", "notready-form", "btn-logout", "dial-form"},
    "available": {"notready-form", "btn-logout", "dial-form"},
    "ringing": {"ringing", "notready-form", "btn-logout"},
    "on_call": ON_A_CALL | {"btn-hold", "btn-record-pause", "btn-record-resume"},
    "on_hold": ON_A_CALL
    | {"btn-unhold", "btn-consult-complete", "btn-consult-cancel", "btn-conference"},
    "wrap_up": {"wrapup", "notready-form", "btn-logout", "dial-form"},
}


@pytest.fixture
def seeded(db_url: str) -> str:
    """Agent 1007 (user agent7), customer Wang Fang with an open ticket; the ticket number."""
    with session_scope(db_url) as session:
        user = create_user(session, "agent7", PASSWORD, "agent", language="en")
        session.add(models.Agent(number="1007", sip_user="1007", user=user, display_name="Seven"))
        customer = cust.create_customer(session, "Wang Fang", [CALLER], vip=True)
        ticket = svc.create_ticket(
            session, load_settings().tickets, subject="Router broken", customer_id=customer.id
        )
        return ticket.number


@pytest.fixture
def desktop(browser, console_url: str, seeded: str, redis_url: str, redis_prefix: str):  # noqa: ANN001, ANN201
    """The signed-in agent's desktop page (stubs installed) and the LiveStore."""
    from playwright.sync_api import expect

    live = LiveStore(redis_url, redis_prefix)
    live.ensure_group(AGENT_COMMANDS, GROUP)
    context = browser.new_context()
    context.grant_permissions(["notifications"], origin=console_url)
    context.add_init_script(STUBS)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(console_url + "/agent/")
    page.fill("input[name=username]", "agent7")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#stream-status")).to_have_text("live")
    yield page, live
    context.close()
    live.close()


def engine_says(page, live: LiveStore, state: str, **fields: str) -> None:  # noqa: ANN001
    """Set the agent's live state and publish it as the engine does; wait until it shows."""
    from playwright.sync_api import expect

    agent = {"extension": "1007", "state": state, "reason": "", "call_uuid": "", "pending": ""}
    agent.update(fields)
    live.put_agent("1007", **agent)
    live.publish("agent:1007", {"agent": {"agent_id": "1007", **agent}})
    expect(page.get_by_test_id("agent-state")).to_have_text(translate(state, "en"))
    expect(page.get_by_test_id("agent-pending")).to_have_count(1)


def shown(page) -> set[str]:  # noqa: ANN001
    """The ids of the controls the page shows now."""
    script = "ids => ids.filter(id => !document.getElementById(id).closest('[hidden]'))"
    return set(page.evaluate(script, CONTROLS))


def next_command(live: LiveStore) -> dict:
    """The next agent command the console put on the engine's stream."""
    deadline = time.monotonic() + WAIT / 1000
    while time.monotonic() < deadline:
        commands = live.read_commands(AGENT_COMMANDS, GROUP, "test", count=1, block=0.5)
        if commands:
            return commands[0].data
    raise AssertionError("no agent command reached the stream")


def offer(live: LiveStore, call_uuid: str) -> None:
    """A caller's live call offered to agent 1007 (what the screen-pop reads)."""
    live.put_call(
        call_uuid, state="offering", caller_number=CALLER, queue="support", agent_id="1007"
    )


def test_each_state_shows_only_its_controls(desktop) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page, live = desktop
    expect(page.get_by_test_id("agent-state")).to_have_text("logged out")  # the snapshot
    assert shown(page) == EXPECTED["logged_out"]  # no live state yet: signed out
    offer(live, "c-1")
    for state, expected in EXPECTED.items():
        call = "c-1" if state in ("ringing", "on_call", "on_hold", "wrap_up") else ""
        engine_says(page, live, state, call_uuid=call)
        assert shown(page) == expected, state
    engine_says(page, live, "ringing", call_uuid="c-1")
    assert page.inner_text("#ringing-caller") == CALLER  # answer is the phone's job
    help_line = page.inner_text("[data-testid=shortcut-help]")
    assert "Alt+N" in help_line and "Alt+H" not in help_line
    engine_says(page, live, "on_call", call_uuid="c-1")
    help_line = page.inner_text("[data-testid=shortcut-help]")
    for combo in ("Alt+H Hold", "Alt+T transfer", "Alt+X Hang up"):
        assert combo in help_line
    assert page.get_attribute("#btn-hangup", "title") == "Hang up (Alt+X)"
    assert page.get_attribute("#btn-hangup", "aria-keyshortcuts") == "Alt+X"


def test_shortcuts_send_the_action_and_not_ready_waits_for_the_call(desktop) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page, live = desktop
    engine_says(page, live, "not_ready", reason="login")
    page.keyboard.press("Alt+R")
    assert next_command(live)["action"] == "ready"

    offer(live, "c-2")
    engine_says(page, live, "on_call", call_uuid="c-2")
    expect(page.locator("#btn-not-ready")).to_have_text("Not ready after this call")
    page.select_option("#nr-reason", "lunch")
    page.keyboard.press("Alt+N")  # on a call: accepted, the engine keeps it for later
    sent = next_command(live)
    assert (sent["action"], sent["reason"]) == ("not_ready", "lunch")
    engine_says(page, live, "on_call", call_uuid="c-2", pending="not_ready:lunch")
    expect(page.get_by_test_id("agent-pending")).to_have_text("After this call: Not ready (lunch)")
    expect(page.get_by_test_id("cancel-pending")).to_be_visible()
    page.get_by_test_id("cancel-pending").click()  # changed their mind
    assert next_command(live)["action"] == "ready"

    page.keyboard.press("Alt+H")
    assert next_command(live)["action"] == "hold"
    engine_says(page, live, "on_hold", call_uuid="c-2")
    page.keyboard.press("Alt+H")
    assert next_command(live)["action"] == "unhold"
    page.keyboard.press("Alt+T")  # no target yet: the target field takes the focus
    assert page.evaluate("document.activeElement.id") == "cti-to"
    page.keyboard.type("1008")
    page.keyboard.press("Alt+T")
    sent = next_command(live)
    assert (sent["action"], sent["target"], sent["to"]) == ("transfer", "agent", "1008")
    page.keyboard.press("Alt+X")
    assert next_command(live)["action"] == "hangup"


def test_a_call_ringing_in_a_hidden_tab_notifies_and_sounds(desktop) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page, live = desktop
    engine_says(page, live, "logged_out")
    page.click("#btn-login")  # sign-in asks for the permission to notify
    assert next_command(live)["action"] == "login"
    assert page.evaluate("window.__asked") == 1
    engine_says(page, live, "available")

    offer(live, "c-seen")  # the tab is visible: the page itself shows the call
    engine_says(page, live, "ringing", call_uuid="c-seen")
    expect(page.get_by_test_id("pop-caller")).to_have_text(CALLER)
    expect(page.locator("#pop[data-call=c-seen]")).to_have_count(1)
    assert page.evaluate("window.__notes") == []

    engine_says(page, live, "available")
    page.evaluate("window.__hidden = true")
    offer(live, "c-hidden")
    engine_says(page, live, "ringing", call_uuid="c-hidden")
    expect(page.locator("#pop[data-call=c-hidden]")).to_have_count(1)
    notes = page.evaluate("window.__notes")
    assert notes == [{"title": f"Incoming call: {CALLER}", "tag": "c-hidden"}]
    assert page.evaluate("window.__tones") == 1


def test_the_callers_tickets_are_one_click_from_the_pop(desktop, seeded: str) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page, live = desktop
    offer(live, "c-3")
    engine_says(page, live, "ringing", call_uuid="c-3")
    ticket = page.locator(f"[data-testid=pop-tickets] li[data-ticket='{seeded}'] a")
    expect(ticket).to_have_text(f"{seeded} Router broken (new)")
    page.get_by_test_id("pop-all-tickets").click()
    expect(page.locator("body")).to_contain_text("Router broken")
    assert "customer=" in page.url
    page.go_back()
    page.locator(f"[data-testid=pop-tickets] li[data-ticket='{seeded}'] a").click()
    expect(page.locator("body")).to_contain_text("Router broken")
    assert page.url.endswith(f"/tickets/{seeded}")


def test_wrap_up_panel_saves_a_required_code_before_finish(desktop, db_url: str) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page, live = desktop
    with session_scope(db_url) as session:
        queue = models.Queue(
            name="sales", wrap_up_codes="sold\nno interest", wrap_up_code_required=True
        )
        agent = session.scalar(select(models.Agent).where(models.Agent.number == "1007"))
        session.add_all([queue, models.AgentQueue(agent=agent, queue=queue)])
    engine_says(
        page, live, "wrap_up", call_uuid="c-4", since="2026-12-06T10:00:00+00:00",
        wrap_up_until="2099-01-01T00:00:00+00:00",
    )  # fmt: skip
    expect(page.locator("#wrapup-code option")).to_have_text(["—", "sold", "no interest"])
    expect(page.locator("#btn-finish")).to_be_disabled()  # the queue requires a code
    expect(page.get_by_test_id("wrapup-saved")).to_contain_text("required")
    page.select_option("#wrapup-code", "no interest")
    page.fill("#wrapup-notes", "has a contract until May")
    page.click("#btn-wrapup-save")
    expect(page.get_by_test_id("wrapup-saved")).to_have_text("saved")
    expect(page.locator("#btn-finish")).to_be_enabled()
    with session_scope(db_url) as session:
        row = session.scalar(select(models.CallWrapUp))
        assert (row.call_uuid, row.code, row.notes) == ("c-4", "no interest",
                                                        "has a contract until May")  # fmt: skip
    page.keyboard.press("Alt+R")  # finish wrap-up
    assert next_command(live)["action"] == "ready"


def test_the_queues_script_and_canned_answers_beside_the_pop(desktop, db_url: str) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page, live = desktop
    with session_scope(db_url) as session:
        support = models.Queue(name="support")
        session.add_all([support, models.Queue(name="billing")])
        guide = "Greet, then verify the caller"
        session.add(models.CannedAnswer(queue=support, kind="script", title="Guide", text=guide))
        titles = ["Greeting", "Wait", "Refund", "Address", "Hours", "Goodbye"]
        session.add_all(
            models.CannedAnswer(queue=support, title=t, text=f"[{t}]", position=i)
            for i, t in enumerate(titles)
        )
    live.put_call("c-none", state="offering", caller_number=CALLER, queue="billing",
                  agent_id="1007")  # fmt: skip
    engine_says(page, live, "ringing", call_uuid="c-none")
    expect(page.get_by_test_id("canned-empty")).to_be_visible()
    expect(page.get_by_test_id("canned-answer")).to_have_count(0)

    offer(live, "c-4")
    engine_says(page, live, "on_call", call_uuid="c-4")
    expect(page.get_by_test_id("canned-script")).to_contain_text("Greet, then verify the caller")
    expect(page.get_by_test_id("canned-empty")).to_be_hidden()
    answers = page.get_by_test_id("canned-answer")
    expect(answers).to_have_count(6)
    # the agent types a ticket description; a click inserts the answer at the cursor
    description = page.locator("#pop-ticket-form textarea[name=description]")
    description.fill("Caller asked: ")
    answers.filter(has_text="Refund").click()
    expect(description).to_have_value("Caller asked: [Refund]")
    expect(page.get_by_test_id("canned-status")).to_have_text(translate("Inserted", "en"))
    # many answers: the search box narrows them; Alt+1 inserts the first one shown
    page.get_by_test_id("canned-search").fill("good")
    expect(answers).to_have_count(1)
    description.focus()
    page.keyboard.press("Alt+1")
    expect(description).to_have_value("Caller asked: [Refund][Goodbye]")
    # in wrap-up the pop stays: an answer goes into the wrap-up note being written
    engine_says(
        page, live, "wrap_up", call_uuid="c-4", wrap_up_until="2099-01-01T00:00:00+00:00"
    )  # fmt: skip
    page.get_by_test_id("canned-search").fill("")
    page.fill("#wrapup-notes", "Told: ")
    answers.filter(has_text="Greeting").click()
    expect(page.locator("#wrapup-notes")).to_have_value("Told: [Greeting]")
