"""Toasts in a real browser: the result of a form post shows in the toast region and can be
closed; toast(message, kind) from a page's script (as the desktop does with the engine's
refusals) adds an alert."""

from __future__ import annotations

import pytest

from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope

pytestmark = pytest.mark.e2e
PASSWORD = "toast-pass-123"


@pytest.fixture
def admin(db_url: str) -> None:
    with session_scope(db_url) as session:
        create_user(session, "boss", PASSWORD, "admin", language="zh")


def test_a_saved_form_and_a_script_refusal_show_as_toasts(
    browser,  # noqa: ANN001
    console_url: str,
    admin: None,
) -> None:
    context = browser.new_context(bypass_csp=True)  # page.evaluate below calls toast()
    page = context.new_page()
    page.goto(console_url + "/login?next=/admin/users/new")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.fill("input[name=username]", "agent9")
    page.fill("input[name=password]", "a-long-password-9")
    page.click("#user-form button[type=submit]")

    saved = page.locator("#toasts [role=status]", has_text="用户已保存")  # "User saved"
    saved.wait_for()
    assert page.locator("tr[data-user=agent9]").count() == 1
    saved.get_by_role("button", name="关闭").click()  # "Close"
    saved.wait_for(state="detached")

    page.evaluate("() => toast('engine refused: agent 1001 is on a call', 'danger')")
    refused = page.locator("#toasts [role=alert]", has_text="agent 1001 is on a call")
    refused.wait_for()
    assert "toast-danger" in refused.get_attribute("class")
    context.close()
