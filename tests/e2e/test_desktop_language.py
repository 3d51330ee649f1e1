"""The agent desktop in the signed-in agent's language: state names and the engine's
asynchronous refusals ({"error", "code", "params", "action"} on the agent's channel) come
through the catalogue, their values inside the translated sentence.

The engine is simulated by publishing on the agent's channel (``agent:<id>``) as it does.
"""

from __future__ import annotations

import pytest

from callcenter.acd.refusals import told
from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope

pytestmark = pytest.mark.e2e
PASSWORD = "browser-pass-1"
WAIT = 20_000  # ms: the longest one step may take (a bound, not a measure)


@pytest.fixture
def desktop_in(browser, console_url: str, db_url: str, redis_url: str, redis_prefix: str):  # noqa: ANN001, ANN201
    """Open the desktop of agent 1008 whose user works in ``language``; yields (page, live)."""
    from playwright.sync_api import expect

    live = LiveStore(redis_url, redis_prefix)
    contexts = []

    def open_in(language: str):  # noqa: ANN202
        with session_scope(db_url) as session:
            user = create_user(session, f"agent8{language}", PASSWORD, "agent", language=language)
            number = "1008" if language == "zh" else "1009"
            session.add(models.Agent(number=number, sip_user=number, user=user, display_name="8"))
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT)
        page.goto(console_url + "/agent/")
        page.fill("input[name=username]", f"agent8{language}")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("#stream-status")).to_have_text("实时" if language == "zh" else "live")
        return page, number

    yield open_in, live
    for context in contexts:
        context.close()
    live.close()


def test_a_chinese_agent_sees_states_and_refusals_in_chinese(desktop_in) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    open_in, live = desktop_in
    page, number = open_in("zh")
    expect(page.get_by_test_id("agent-state")).to_have_text("已签出")
    agent = {"agent_id": number, "extension": number, "state": "not_ready", "reason": "lunch"}
    live.put_agent(number, **{k: v for k, v in agent.items() if k != "agent_id"})
    live.publish(f"agent:{number}", {"agent": agent})
    expect(page.get_by_test_id("agent-state")).to_have_text("未就绪")
    expect(page.locator("#agent-reason")).to_have_text("(午餐)")
    live.publish(f"agent:{number}", {"agent": {**agent, "reason": "login"}})  # the engine's
    expect(page.locator("#agent-reason")).to_have_text("(刚签入)")

    live.publish(
        f"agent:{number}", {"error": "finish the consultation first", "action": "transfer"}
    )
    expect(page.get_by_test_id("message")).to_have_text("转接未执行：请先结束咨询")
    alert = page.locator("#toasts [role=alert]", has_text="转接未执行：请先结束咨询")
    expect(alert).to_have_count(1)  # a refusal is an alert toast, announced at once
    # a known reason with the switch's detail keeps the detail
    live.publish(
        f"agent:{number}", {"error": "your phone did not answer (NO_ANSWER)", "action": "dial"}
    )
    expect(page.get_by_test_id("message")).to_have_text("拨打未执行：您的话机未接听（NO_ANSWER）")
    # a refusal with values: the engine's code and params, the values inside the sentence
    live.publish(f"agent:{number}", told("no_queue", "transfer", queue="sales-vip"))
    expect(page.get_by_test_id("message")).to_have_text("转接未执行：没有队列 'sales-vip'")
    refused = told("state_forbids", "hold", agent=number, action="hold", state="available")
    live.publish(f"agent:{number}", refused)
    expect(page.get_by_test_id("message")).to_have_text(
        f"保持未执行：坐席 {number} 当前为“空闲”，不能执行“保持”"
    )
    # an older engine's English text with values is read by its pattern
    live.publish(f"agent:{number}", {"error": "no queue 'x'", "action": "transfer"})
    expect(page.get_by_test_id("message")).to_have_text("转接未执行：没有队列 'x'")
    # a reason the catalogue does not know is shown as the engine wrote it
    live.publish(f"agent:{number}", {"error": "the moon is down", "action": "transfer"})
    expect(page.get_by_test_id("message")).to_have_text("转接未执行：the moon is down")


def test_an_english_agent_sees_the_same_refusal_in_english(desktop_in) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    open_in, live = desktop_in
    page, number = open_in("en")
    expect(page.get_by_test_id("agent-state")).to_have_text("logged out")
    live.publish(f"agent:{number}", {"error": "finish the consultation first", "action": "hold"})
    expect(page.get_by_test_id("message")).to_have_text(
        "Hold refused: finish the consultation first"
    )
