"""The wallboard's "since" times in the center's time zone (setting ``timezone``), whatever
the zone of the supervisor's browser."""

from __future__ import annotations

import pytest

from callcenter.live.store import LiveStore
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope

pytestmark = pytest.mark.e2e
PASSWORD = "browser-pass-1"
WAIT = 20_000  # ms: the longest one step may take (a bound, not a measure)


@pytest.fixture
def console_env() -> dict[str, str]:
    """The center works in Shanghai time."""
    return {"CALLCENTER_TIMEZONE": "Asia/Shanghai"}


def test_the_wallboard_shows_times_in_the_centers_zone(
    browser,  # noqa: ANN001
    console_url: str,
    db_url: str,
    redis_url: str,
    redis_prefix: str,
) -> None:
    from playwright.sync_api import expect

    with session_scope(db_url) as session:
        create_user(session, "zhsup", PASSWORD, "supervisor", language="zh")
    context = browser.new_context(timezone_id="America/New_York")  # the browser is elsewhere
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(console_url + "/")
    page.fill("input[name=username]", "zhsup")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#stream-status")).to_have_text("实时")
    live = LiveStore(redis_url, redis_prefix)
    agent = {"agent_id": "1001", "extension": "1001", "state": "available", "reason": ""}
    agent["since"] = "2026-11-25T09:00:05+00:00"  # 17:00:05 in Shanghai, 04:00:05 in New York
    live.put_agent("1001", **{k: v for k, v in agent.items() if k != "agent_id"})
    live.publish("wallboard", {"agent": agent})
    expect(page.locator("tr[data-agent='1001']")).to_contain_text("17:00:05")
    live.close()
    context.close()
