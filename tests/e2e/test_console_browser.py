"""The console in a real browser: sign in, live wallboard over server-sent events, roles."""

from __future__ import annotations

import pytest

from callcenter.live.store import LiveStore
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from tests.support.browser_login import PASSWORD, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def users(db_url: str) -> None:
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor", language="en")
        create_user(session, "zhsup", PASSWORD, "supervisor", language="zh")
        create_user(session, "agent7", PASSWORD, "agent", language="en")


def test_supervisor_sees_agents_and_calls_change_live(
    browser,
    console_url: str,
    users: None,
    redis_url: str,
    redis_prefix: str,  # noqa: ANN001
) -> None:
    page = browser.new_page()
    sign_in(page, console_url, "sup")
    page.wait_for_selector("[data-testid=who]")
    assert page.inner_text("[data-testid=who]") == "sup (supervisor)"
    # A locator wait, not wait_for_function: the console's CSP forbids eval in the page.
    page.locator("#stream-status", has_text="live").wait_for()

    live = LiveStore(redis_url, redis_prefix)
    agent = {
        "agent_id": "1001",
        "extension": "1001",
        "state": "available",
        "reason": "",
        "since": "2026-11-25T09:00:00+00:00",
    }
    live.put_agent("1001", **{k: v for k, v in agent.items() if k != "agent_id"})
    live.publish("wallboard", {"agent": agent})
    page.wait_for_selector("tr[data-agent='1001'] .state-available")
    live.publish("wallboard", {"agent": {**agent, "state": "not_ready", "reason": "lunch"}})
    page.wait_for_selector("tr[data-agent='1001'] .state-not_ready")
    assert "lunch" in page.inner_text("tr[data-agent='1001']")

    call = {
        "call_uuid": "c-1",
        "caller_number": "13800138000",
        "queue": "support",
        "state": "queued",
        "since": "2026-11-25T09:01:00+00:00",
    }
    live.publish("wallboard", {"call": call})
    page.wait_for_selector("tr[data-call='c-1']")
    assert page.inner_text("#n-waiting") == "1"
    live.publish("wallboard", {"call": {**call, "state": "ended"}})
    page.wait_for_selector("tr[data-call='c-1']", state="detached")
    assert page.inner_text("#n-waiting") == "0"

    # transcription found sensitive words: the alert shows with a link to the call
    alert = {
        "type": "sensitive_words",
        "recording_id": 7,
        "call_uuid": "c-1",
        "words": ["card number"],
        "hits": [],
    }
    live.publish("wallboard", {"alert": alert})
    shown = page.locator("[data-testid=alert]")
    shown.wait_for()
    assert "card number" in shown.inner_text()
    assert shown.locator("a").get_attribute("href") == "/calls/c-1"

    page.reload()  # after a reload the snapshot brings back what Redis holds
    page.wait_for_selector("tr[data-agent='1001']")
    page.click("header .signout button")
    page.wait_for_selector("input[name=username]")
    live.close()


def test_wrong_password_and_agent_role(browser, console_url: str, users: None) -> None:  # noqa: ANN001
    page = browser.new_page()
    sign_in(page, console_url, "sup", "not-the-password")
    page.wait_for_selector("p.error")
    assert "Wrong username or password" in page.inner_text("p.error")
    sign_in(page, console_url, "agent7")
    response = page.goto(console_url + "/supervisor/")
    assert response.status == 403


def test_chinese_user_gets_chinese_pages(browser, console_url: str, users: None) -> None:  # noqa: ANN001
    page = browser.new_page()
    sign_in(page, console_url, "zhsup")
    page.wait_for_selector("[data-testid=who]")
    assert "监控大屏" in page.content() and page.locator("html").get_attribute("lang") == "zh-CN"
