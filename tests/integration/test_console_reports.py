"""The report pages (/reports) on real SQLite and Redis: the table, the chart's canvas and
data, CSV and Excel downloads with the hand-computed figures, and bad filters (400)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from flask import Flask
from openpyxl import load_workbook

from tests.integration.report_data import ZONE, seed
from tests.support.login import make_app, signed_in

DAY2 = "from=2026-03-02&to=2026-03-02"


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    """The console (users sup, agent7, boss) in the data set's time zone, with its data."""
    app = make_app(db_url, redis_url, redis_prefix, timezone=ZONE)
    seed(db_url)
    return app


def test_queue_report_page_has_table_chart_and_data(app: Flask) -> None:
    response = signed_in(app, "sup").get(f"/reports/queues?{DAY2}&interval=60min")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<canvas id="report-chart"' in page
    assert "vendor/chartjs/chart.umd.js" in page
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', page).group(1))
    assert data["labels"] == ["2026-03-02 09:00", "2026-03-02 10:00", "2026-03-02 23:00"]
    # 09:00 sums sales (A, B) and support (H)
    assert data["series"] == [
        ["offered", [3, 1, 1]],
        ["answered", [2, 1, 1]],
        ["abandoned", [1, 0, 0]],
    ]


def test_queue_report_csv_holds_the_figures(app: Flask) -> None:
    response = signed_in(app, "boss").get(f"/reports/queues?{DAY2}&interval=day&queue=1&format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [
        ["interval", "queue", "offered", "answered", "abandoned", "short_abandoned",
         "service_level", "asa", "aht", "longest_wait"],
        ["2026-03-02 00:00", "sales", "4", "3", "1", "1", "66.7", "15.0", "83.3", "30.0"],
    ]  # fmt: skip


def test_agent_report_excel_and_page(app: Flask) -> None:
    sup = signed_in(app, "sup")
    response = sup.get("/reports/agents?from=2026-03-02&to=2026-03-03&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["agent", "name", "login"]
    assert rows[1][:13] == [
        "1001", "Ann", 133200, 34140, '{"break": 93600, "lunch": 3600}', 130, 5, 20, 2, 1, 1,
        120, 4,
    ]  # fmt: skip
    page = sup.get("/reports/agents?from=2026-03-02&to=2026-03-03").get_data(as_text=True)
    assert "Ann" in page and "Bo" in page and 'id="report-chart"' in page


@pytest.mark.parametrize(
    "query",
    ["from=2026-13-01", "from=2026-03-05&to=2026-03-01", "from=2026-01-01&to=2026-06-01",
     "interval=5min", "from=2026-01-01&to=2026-03-01&interval=15min"],
)  # fmt: skip
def test_bad_filters_are_refused_with_a_message(app: Flask, query: str) -> None:
    response = signed_in(app, "sup").get(f"/reports/queues?{query}")
    assert response.status_code == 400
    assert 'data-testid="error"' in response.get_data(as_text=True)


def test_an_empty_range_shows_the_empty_state(app: Flask) -> None:
    page = signed_in(app, "sup").get("/reports/queues?from=2025-01-01&to=2025-01-02")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'data-testid="empty"' in body and "report-chart" not in body


def test_survey_report_csv(app: Flask) -> None:
    response = signed_in(app, "sup").get(f"/reports/surveys?{DAY2}&format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [
        ["interval", "queue", "agent", "surveys", "average", "csat"],
        ["2026-03-02 00:00", "sales", "1001", "1", "4.0", "100.0"],
        ["2026-03-02 00:00", "sales", "1002", "1", "2.0", "0.0"],
    ]
    page = signed_in(app, "sup").get(f"/reports/surveys?{DAY2}").get_data(as_text=True)
    assert 'id="report-chart"' in page and "CSAT %" in page
