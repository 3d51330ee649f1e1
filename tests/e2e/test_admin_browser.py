"""The admin set-up pages in a real browser: an admin creates a skill, a queue (a bad value
is shown next to its field first) and an agent in that queue."""

from __future__ import annotations

import pytest

from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope

pytestmark = pytest.mark.e2e
PASSWORD = "browser-pass-1"


@pytest.fixture
def admin_user(db_url: str) -> None:
    with session_scope(db_url) as session:
        create_user(session, "boss", PASSWORD, "admin", language="en")


def test_admin_creates_a_queue_and_an_agent(browser, console_url: str, admin_user: None) -> None:  # noqa: ANN001
    page = browser.new_page()
    page.goto(console_url + "/login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=who]")

    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Skills").click()
    page.click("[data-testid=new]")
    page.fill("#f-name", "english")
    page.click("[data-testid=save]")
    page.wait_for_selector("tr[data-name=english]")

    page.goto(console_url + "/admin/")
    page.get_by_role("link", name="Queues").click()
    page.click("[data-testid=new]")
    page.fill("#f-name", "vip")
    page.select_option("#f-strategy", "round-robin")
    page.fill("#f-skills", "english:6")
    page.fill("#f-widening", "30:3")
    page.fill("#f-max_wait_seconds", "a while")
    page.click("[data-testid=save]")
    error = page.locator("[data-testid=max_wait_seconds-error]")
    assert "whole number" in error.inner_text()
    assert page.get_attribute("#f-max_wait_seconds", "aria-invalid") == "true"
    page.fill("#f-max_wait_seconds", "120")
    page.click("[data-testid=save]")
    row = page.locator("tr[data-name=vip]")
    row.wait_for()
    assert "round-robin" in row.inner_text() and "english:6" in row.inner_text()

    page.goto(console_url + "/admin/agents/")
    page.click("[data-testid=new]")
    page.fill("#f-number", "2001")
    page.fill("#f-display_name", "Wang Fang")
    page.fill("#f-sip_user", "1001")
    page.fill("#f-queues", "vip:1:1")
    page.fill("#f-skills", "english:7")
    page.click("[data-testid=save]")
    agent = page.locator("tr[data-name='2001']")
    agent.wait_for()
    assert "Wang Fang" in agent.inner_text() and "vip:1:1" in agent.inner_text()
    assert "Saved" in page.inner_text("[data-testid=toasts]")
