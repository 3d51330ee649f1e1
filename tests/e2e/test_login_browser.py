"""Sign-in in a real browser: hostile next= values never leave the site, lockout is explained."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from werkzeug.utils import redirect

from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console.redirects import safe_next

pytestmark = pytest.mark.e2e
PASSWORD = "browser-pass-1"

# Values Chromium normalises to another host if they reach a Location header unchanged.
HOSTILE_NEXT = [
    "//evil.example/", "/\t/evil.example/", "/\r\n/evil.example/", "/\\evil.example/",
    "\\\\evil.example", "https://evil.example", "/%2F%2Fevil.example", "/%5C%5Cevil.example",
    "/ /evil.example", "\uff0f\uff0fevil.example", "/\u2215\u2215evil.example",
    "/\x00/evil.example",
]  # fmt: skip


@pytest.fixture
def users(db_url: str) -> None:
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor", language="en")


def redirect_to(location: str):  # noqa: ANN201
    """A route handler answering 302 with ``location`` as the console's sign-in would."""
    return lambda route: route.fulfill(status=302, headers={"Location": location})


def test_hostile_next_values_stay_on_the_site(browser, console_url: str, users: None) -> None:  # noqa: ANN001
    """One real sign-in with a hostile next=; then Chromium follows, for every hostile value,
    the Location the sign-in answers with (werkzeug's redirect of ``safe_next``, the login
    route's own code) - the browser's part, without a scrypt sign-in per value."""
    page = browser.new_page()
    left_site: list[str] = []
    site = urlsplit(console_url).netloc

    def elsewhere(route) -> None:  # noqa: ANN001
        left_site.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p id=evil>evil</p>")

    page.route(lambda url: urlsplit(url).netloc != site, elsewhere)
    page.goto(f"{console_url}/login?next={quote(HOSTILE_NEXT[0], safe='')}")
    page.fill("input[name=username]", "sup")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=who]")  # a signed-in page of the console
    assert urlsplit(page.url).netloc == site, page.url

    for index, target in enumerate(HOSTILE_NEXT):
        location = redirect(safe_next(target, "/")).headers["Location"]
        probe = f"{console_url}/__next_probe/{index}"
        page.route(probe, redirect_to(location))
        page.goto(probe)
        page.wait_for_url(lambda url: "__next_probe" not in url)  # the redirect was followed
        assert urlsplit(page.url).netloc == site, (target, page.url)
    assert left_site == []


def test_locked_sign_in_says_why_and_what_to_do(browser, console_url: str, users: None) -> None:  # noqa: ANN001
    page = browser.new_page()
    for attempt in range(6):
        page.goto(console_url + "/login")
        page.fill("input[name=username]", "sup")
        page.fill("input[name=password]", PASSWORD if attempt == 5 else "not-the-password")
        page.click("button[type=submit]")
        page.wait_for_selector("p.error")
    message = page.inner_text("[data-testid=locked]")
    assert "Too many failed sign-ins" in message and "administrator" in message
