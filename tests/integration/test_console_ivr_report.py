"""The IVR funnel page (/reports/ivr) on real SQLite and Redis: flow picker, table, funnel
chart data, CSV and Excel downloads with the hand-computed figures
(tests/integration/ivr_funnel_data.py), bad dates (400) and the tab beside the other reports."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from flask import Flask
from openpyxl import load_workbook

from tests.integration.ivr_funnel_data import ZONE, seed
from tests.support.login import make_app, signed_in

DAY2 = "from=2026-03-02&to=2026-03-02"


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    """The console (users sup, agent7, boss) in the data set's time zone, with its paths."""
    app = make_app(db_url, redis_url, redis_prefix, timezone=ZONE)
    seed(db_url)
    return app


def test_funnel_page_has_flow_picker_table_and_chart(app: Flask) -> None:
    response = signed_in(app, "sup").get(f"/reports/ivr?flow=main&{DAY2}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<option value="main" selected>' in page and '<option value="survey">' in page
    assert re.search(r'data-testid="callers">[^<]*<strong>6</strong>', page)
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', page).group(1))
    assert data == {
        "labels": ["welcome", "menu", "sales", "bye", "support"],
        "series": [["reached", [6, 5, 2, 1, 1]], ["hung_up", [1, 1, 0, 0, 0]]],
        "horizontal": True,
    }
    assert "1: 2, 2: 1, 3: 1, invalid:7: 1, timeout: 1" in page  # the menu's choices
    assert "vendor/chartjs/chart.umd.js" in page
    tabs = re.findall(r'<a class="btn[^"]* active" aria-current="page"[^>]*>([^<]*)</a>', page)
    assert tabs == ["IVR report"]  # the report tabs: this one is current


def test_funnel_csv_and_excel_hold_the_figures(app: Flask) -> None:
    boss = signed_in(app, "boss")
    response = boss.get(f"/reports/ivr?flow=main&version=2&{DAY2}&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "ivr-report-main-2026-03-02-2026-03-02.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [
        ["node", "type", "reached", "hung_up", "queued", "transferred", "ended", "choices",
         "destinations"],
        ["menu", "menu", "1", "0", "0", "0", "0", '{"1": 1}', "{}"],
        ["sales", "queue", "1", "0", "1", "0", "0", "{}", '{"sales": 1}'],
        ["welcome", "play", "1", "0", "0", "0", "0", "{}", "{}"],
    ]  # fmt: skip
    response = boss.get("/reports/ivr?flow=survey&from=2026-03-02&to=2026-03-03&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[1] == ["rate", "survey", 1, 0, 0, 0, 1, '{"5": 1}', "{}"]


def test_the_other_reports_link_to_the_ivr_report(app: Flask) -> None:
    page = signed_in(app, "sup").get(f"/reports/queues?{DAY2}").get_data(as_text=True)
    assert 'href="/reports/ivr"' in page


@pytest.mark.parametrize("query", ["from=2026-13-01", "from=2026-03-05&to=2026-03-01"])
def test_bad_dates_are_refused_with_a_message(app: Flask, query: str) -> None:
    response = signed_in(app, "sup").get(f"/reports/ivr?flow=main&{query}")
    assert response.status_code == 400
    assert 'data-testid="error"' in response.get_data(as_text=True)


def test_a_flow_without_steps_in_the_range_shows_the_empty_state(app: Flask) -> None:
    page = signed_in(app, "sup").get("/reports/ivr?flow=main&from=2025-01-01&to=2025-01-02")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'data-testid="empty"' in body and "report-chart" not in body
