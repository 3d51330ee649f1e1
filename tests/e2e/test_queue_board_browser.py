"""The queue wallboard in a real browser: a tile changes live (a caller starts waiting, the
tile turns red) and an abandoned caller is called back from the list (a ticket is opened)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.enums import Disposition
from callcenter.store.repositories import create_user, insert_call
from callcenter.store.session import session_scope
from tests.support.browser_login import PASSWORD, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def center(db_url: str) -> None:
    """A supervisor, queue sales and one caller who gave up waiting a minute ago."""
    now = datetime.now(UTC)
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor", language="en")
        queue = models.Queue(name="sales", service_level_seconds=20)
        session.add(queue)
        session.flush()
        started = max(now - timedelta(minutes=1), now.replace(hour=0, minute=0, second=0))
        insert_call(session, "gone-1", queue_id=queue.id, started_at=started, wait_seconds=14.0,
                    disposition=Disposition.ABANDONED, caller_number="13900000003")  # fmt: skip


def test_a_tile_changes_live_and_an_abandoned_caller_is_called_back(
    browser,  # noqa: ANN001
    console_url: str,
    center: None,
    db_url: str,
    redis_url: str,
    redis_prefix: str,
) -> None:
    page = browser.new_page()
    sign_in(page, console_url, "sup", PASSWORD)
    page.goto(console_url + "/wallboard/queues")
    tile = page.locator("[data-testid=queue-tile][data-queue=sales]")
    tile.locator("[data-f=waiting]", has_text="0").wait_for()
    assert tile.locator("[data-f='today.abandoned']").inner_text() == "1"

    live = LiveStore(redis_url, redis_prefix)
    enqueued = datetime.now(UTC) - timedelta(seconds=45)
    live.put_call("c-wait", state="queued", queue="sales", enqueued_at=enqueued.isoformat())
    live.put_agent("1000", state="available", queues="sales")

    tile.locator("[data-f=waiting]", has_text="1").wait_for()  # the next poll
    tile.locator("li[data-alert=wait]").wait_for()
    assert "text-bg-danger" in (tile.locator("header").get_attribute("class") or "")
    assert tile.locator("[data-f=available]").inner_text() == "1"

    row = page.locator("#abandoned tr[data-call=gone-1]")
    assert "13900000003" in row.inner_text()
    row.locator("button[data-call-back]").click()
    link = row.locator("a", has_text="Ticket")
    link.wait_for()
    with session_scope(db_url) as session:
        (callback,) = session.scalars(select(models.TicketCallback))
        ticket = session.get(models.Ticket, callback.ticket_id)
        assert callback.number == "13900000003"
        assert link.get_attribute("href") == f"/tickets/{ticket.number}"
    live.close()


def test_a_change_on_the_event_stream_updates_the_tiles_without_the_clock_tick(
    browser,  # noqa: ANN001
    console_url: str,
    center: None,
    redis_url: str,
    redis_prefix: str,
) -> None:
    page = browser.new_page()
    # no periodic refresh at all: only the wallboard's event stream can move the tiles
    page.add_init_script("window.setInterval = () => 0;")
    sign_in(page, console_url, "sup", PASSWORD)
    page.goto(console_url + "/wallboard/queues")
    tile = page.locator("[data-testid=queue-tile][data-queue=sales]")
    tile.locator("[data-f=waiting]", has_text="0").wait_for()
    live = LiveStore(redis_url, redis_prefix)
    enqueued = datetime.now(UTC) - timedelta(seconds=3)
    live.put_call("c-new", state="queued", queue="sales", enqueued_at=enqueued.isoformat())
    waiting = tile.locator("[data-f=waiting]", has_text="1")
    for _attempt in range(15):  # pub/sub keeps nothing: publish until the page's stream is open
        live.publish("wallboard", {"call": {"call_uuid": "c-new", "state": "queued"}})
        try:
            waiting.wait_for(timeout=2000)
            break
        except PlaywrightTimeout:
            continue
    assert waiting.count() == 1, "the stream's change never reached the tiles"
    live.close()
