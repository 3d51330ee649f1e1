"""Monitoring from the wallboard in a real browser: the buttons on a live call's row send the
requests the engine takes (start in a mode, switch the mode, leave)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from callcenter.live.names import MONITOR_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.store.monitoring import MonitorSession
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from tests.support.browser_login import sign_in

pytestmark = pytest.mark.e2e
PASSWORD = "browser-pass-1"


@pytest.fixture
def supervisor(db_url: str) -> None:
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor", language="en").extension = "1002"


def sent(live: LiveStore) -> list[dict]:
    """The monitoring requests on the engine's stream, oldest first."""
    entries = live.redis.xrange(live.key("stream", MONITOR_COMMANDS))
    return [json.loads(fields["data"]) for _id, fields in entries]


def test_wallboard_buttons_start_switch_and_leave(
    browser,  # noqa: ANN001
    console_url: str,
    supervisor: None,
    db_url: str,
    redis_url: str,
    redis_prefix: str,
) -> None:
    page = browser.new_page()
    sign_in(page, console_url, "sup")
    page.locator("#stream-status", has_text="live").wait_for()
    live = LiveStore(redis_url, redis_prefix)
    call = {"caller_number": "13800138000", "queue": "support", "state": "talking"}
    live.put_call("c-2", **call, agent_id="1000", since="2026-11-25T09:01:00+00:00")
    live.publish("wallboard", {"call": {"call_uuid": "c-2", **call}})
    row = page.locator("tr[data-call='c-2']")

    row.locator("button[data-monitor=whisper]").click()

    page.locator("#monitor-status", has_text="Whisper: c-2").wait_for()
    (start,) = sent(live)
    assert (start["action"], start["mode"], start["extension"]) == ("start", "whisper", "1002")
    with session_scope(db_url) as session:  # what the engine writes when the phone answers
        session.execute(update(MonitorSession).values(answered_at=datetime.now(UTC)))
    row.locator("button[data-monitor=barge]").click()
    page.locator("#monitor-status", has_text="Barge: c-2").wait_for()
    assert sent(live)[-1] == {
        "action": "mode", "mode": "barge", "leg_uuid": start["leg_uuid"], "call_uuid": "c-2"
    }  # fmt: skip
    row.locator("button[data-monitor=leave]").click()
    page.locator("#monitor-status", has_text="Leave: c-2").wait_for()
    assert sent(live)[-1]["action"] == "leave"
    row.locator("button[data-monitor=leave]").wait_for(state="detached")
    live.close()


def test_a_live_calls_page_listens_from_its_own_buttons(
    browser,  # noqa: ANN001
    console_url: str,
    supervisor: None,
    redis_url: str,
    redis_prefix: str,
) -> None:
    """The wallboard's caller links to the call's page; before its record exists that page
    shows the live call with the same listen / whisper / barge / leave buttons."""
    page = browser.new_page()
    sign_in(page, console_url, "sup")
    page.locator("#stream-status", has_text="live").wait_for()
    live = LiveStore(redis_url, redis_prefix)
    call = {"caller_number": "13800138001", "queue": "sales", "state": "talking"}
    live.put_call("c-3", **call, agent_id="1001", since="2026-11-25T09:01:00+00:00")
    live.publish("wallboard", {"call": {"call_uuid": "c-3", **call}})

    page.locator("tr[data-call='c-3'] a", has_text="13800138001").click()
    page.wait_for_url("**/calls/c-3")
    table = page.get_by_test_id("live-call")
    assert "sales" in table.inner_text() and "13800138001" in table.inner_text()
    table.locator("button[data-monitor=listen]").click()

    page.locator("#monitor-status", has_text="Listen: c-3").wait_for()
    (start,) = sent(live)
    assert (start["action"], start["mode"], start["call_uuid"]) == ("start", "listen", "c-3")
    table.locator("button[data-monitor=leave]").click()
    page.locator("#monitor-status", has_text="Leave: c-3").wait_for()
    assert sent(live)[-1]["action"] == "leave"
    live.close()
