"""The IVR flow editor in a real browser: an admin opens a flow, types an error and sees the
problem with its line (listed and marked in the gutter), saves it as a draft that cannot be
published, fixes it, saves with a comment, sees the new version and the diff, publishes it
and rolls back - each time what GET /api/admin/flows says - and creates a new flow. The
console's own Content-Security-Policy is in force (CodeMirror is served by the console)."""

from __future__ import annotations

import re

import pytest

from callcenter.flows.versions import save_version
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from tests.support.flows import HELLO_FLOW

pytestmark = pytest.mark.e2e
PASSWORD = "browser-pass-1"
FLOW = HELLO_FLOW


@pytest.fixture
def flow_admin(db_url: str) -> None:
    with session_scope(db_url) as session:
        create_user(session, "boss", PASSWORD, "admin", language="en")
        save_version(session, "main", FLOW, author="boss", comment="first")


def published(page, console_url: str) -> list[tuple[str, int]]:  # noqa: ANN001
    """Each flow's published version, as GET /api/admin/flows says (the admin's session)."""
    answer = page.request.get(console_url + "/api/admin/flows").json()
    return [(f["name"], f["published"]) for f in answer["flows"]]


def type_at(page, line: int, column: int, text: str) -> None:  # noqa: ANN001
    """Put the cursor at 0-based ``line``/``column`` of the editor and type ``text``."""
    page.evaluate("([line, ch]) => window.flowEditor.setCursor({line, ch})", [line, column])
    page.evaluate("() => window.flowEditor.focus()")
    page.keyboard.type(text)


def test_admin_edits_saves_diffs_and_publishes_a_flow(
    browser,  # noqa: ANN001
    console_url: str,
    flow_admin: None,
) -> None:
    page = browser.new_page()
    blocked: list[str] = []
    page.on(  # scripts or styles the console's CSP refuses (CodeMirror needs none)
        "console",
        lambda m: blocked.append(m.text) if re.search("(script|style)-src", m.text) else None,
    )
    page.goto(console_url + "/login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=who]")

    page.get_by_role("link", name="IVR flows").click()
    page.locator("tr[data-name=main] a").click()
    page.wait_for_selector(".CodeMirror")
    page.wait_for_function("() => window.flowEditor.getValue().includes('next: bye')")
    page.wait_for_selector("#versions tr[data-version='1']")
    page.wait_for_selector("#check-status:has-text('No problems')")

    type_at(page, 6, len("    next: bye"), "bye")  # next: byebye - no such node
    problem = page.locator("[data-testid=problems] li").first
    problem.wait_for()
    assert problem.inner_text().startswith("7:11 ")
    assert "byebye" in problem.inner_text()
    page.wait_for_selector(".CodeMirror-lint-marker-error")  # the gutter mark
    assert page.locator(".CodeMirror-lint-marker-error").count() >= 1

    page.fill("#flow-comment", "draft")  # a version with problems is saved as a draft
    page.click("[data-testid=save]")
    draft = page.locator("#versions tr[data-version='2']")
    draft.wait_for()
    assert draft.locator("[data-testid=publish]").is_disabled()

    type_at(page, 7, len("  bye"), "bye")  # rename the node: byebye exists now
    page.wait_for_selector("#check-status:has-text('No problems')")
    assert page.locator("[data-testid=problems] li").count() == 0

    page.fill("#flow-comment", "rename the goodbye node")
    page.click("[data-testid=save]")
    row = page.locator("#versions tr[data-version='3']")
    row.wait_for()
    assert "rename the goodbye node" in row.inner_text() and "boss" in row.inner_text()
    diff = page.locator("[data-testid=diff]")
    page.wait_for_function("() => document.querySelector('#diff .add') !== null")
    assert "+  byebye:" in diff.inner_text() and "-  bye:" in diff.inner_text()
    page.select_option("#diff-from", "1")
    page.click("[data-testid=show-diff]")
    page.wait_for_function(
        "() => document.getElementById('diff').textContent.includes('-    next: bye')"
    )
    assert "+    next: byebye" in diff.inner_text()
    page.wait_for_selector("#graph svg")  # valid: the graph of version 3 is drawn

    row.locator("[data-testid=publish]").click()
    row.locator("[data-testid=published]").wait_for()
    assert published(page, console_url) == [("main", 3)]

    first = page.locator("#versions tr[data-version='1']")
    rollback = first.get_by_role("button", name="Roll back to this version")
    rollback.click()
    first.locator("[data-testid=published]").wait_for()
    assert published(page, console_url) == [("main", 1)]
    assert blocked == []


def test_admin_creates_a_new_flow(browser, console_url: str, flow_admin: None) -> None:  # noqa: ANN001
    page = browser.new_page()
    page.goto(console_url + "/login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=who]")
    page.goto(console_url + "/admin/ivr/")
    page.click("[data-testid=new-flow]")
    page.wait_for_selector(".CodeMirror")
    page.fill("#flow-new-name", "sales")
    sales = FLOW.replace("name: main", "name: sales")
    page.evaluate("(text) => window.flowEditor.setValue(text)", sales)  # pasted
    page.wait_for_selector("#check-status:has-text('No problems')")
    page.fill("#flow-comment", "new hotline")
    page.click("[data-testid=save]")
    page.wait_for_url(console_url + "/admin/ivr/sales")
    row = page.locator("#versions tr[data-version='1']")
    row.wait_for()
    assert "new hotline" in row.inner_text()
    assert ("sales", None) in published(page, console_url)
