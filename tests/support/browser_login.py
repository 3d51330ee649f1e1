"""Signing in through the console's login form in a Playwright page (shared by browser tests)."""

from __future__ import annotations

PASSWORD = "browser-pass-1"


def sign_in(page, console_url: str, username: str, password: str = PASSWORD) -> None:  # noqa: ANN001
    """Open the console and submit the login form as ``username``."""
    page.goto(console_url + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
