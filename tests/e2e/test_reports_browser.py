"""The report chart in a real browser, under the console's Content-Security-Policy: the
vendored Chart.js draws the queue report's three series and the CSV button downloads it."""

from __future__ import annotations

from typing import Any

import pytest

from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from tests.integration.report_data import ZONE, seed
from tests.support.browser_login import PASSWORD, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def console_env() -> dict[str, str]:
    """The console in the data set's time zone."""
    return {"CALLCENTER_TIMEZONE": ZONE}


@pytest.fixture
def center(db_url: str) -> None:
    """A supervisor and the report data set."""
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor", language="en")
    seed(db_url)


def test_the_queue_report_chart_renders(browser: Any, console_url: str, center: None) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(str(e)))  # a script error (Chart.js, ours)
    sign_in(page, console_url, "sup", PASSWORD)
    page.goto(console_url + "/reports/queues?from=2026-03-02&to=2026-03-03&interval=60min")
    page.wait_for_function("() => document.getElementById('report-chart').dataset.rendered")
    canvas = page.locator("#report-chart")
    assert canvas.get_attribute("data-rendered") == "3"  # offered, answered, abandoned
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 50
    drawn = page.evaluate(
        "() => Chart.getChart('report-chart').data.datasets.map(d => [d.label, d.data])"
    )
    assert drawn == [
        ["Offered", [3, 1, 1, 1]], ["Answered calls", [2, 1, 1, 0]], ["Abandoned", [1, 0, 0, 1]],
    ]  # fmt: skip
    assert page.locator("[data-testid=report-table] tbody tr").count() == 5
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    assert download.value.suggested_filename == "queue-report-2026-03-02-2026-03-03.csv"
    assert errors == [], "\n".join(errors)
