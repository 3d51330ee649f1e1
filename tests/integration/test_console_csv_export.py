"""#14 item 3: caller-supplied text in a CSV export is never run as a spreadsheet formula.

The console has one CSV export (``/recordings/export.csv``; ``grep csv.`` in console/); every
cell goes through ``callcenter.reports.csv_cells.safe_cell``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.reports.csv_cells import FORMULA_STARTS, safe_cell
from callcenter.store.repositories import insert_call
from callcenter.store.session import session_scope
from tests.support.recordings_console import DAY2, app, ids, root, signed_in  # noqa: F401

HOSTILE = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "=1+1;cmd|' /C calc'!A0"]
NORMAL = ["Wang Fang", "O'Brien", "Zoë 1+1", "", "(+86) 138"]


def _export(app: Flask) -> dict[str, dict[str, str]]:  # noqa: F811
    response = signed_in(app, "sup").get("/recordings/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return {row["uuid"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


def test_formula_cells_get_a_leading_quote_and_normal_names_stay(
    app: Flask,  # noqa: F811
    db_url: str,
    root: Path,  # noqa: F811
) -> None:
    with session_scope(db_url) as session:
        for n, name in enumerate(HOSTILE + NORMAL):
            insert_call(
                session, f"x{n}", caller_number="-1+2", caller_name=name or None, started_at=DAY2
            )
    rows = _export(app)
    for n, name in enumerate(HOSTILE):
        assert rows[f"x{n}"]["caller_name"] == "'" + name, name
        assert rows[f"x{n}"]["caller_number"] == "'-1+2"  # the caller's number is theirs too
    for n, name in enumerate(NORMAL, start=len(HOSTILE)):
        assert rows[f"x{n}"]["caller_name"] == name
    # the JSON export keeps the values as they are (JSON is not run as formulas)
    calls = signed_in(app, "sup").get("/recordings/export.json").get_json()["calls"]
    assert {c["caller_name"] for c in calls} >= set(HOSTILE)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_no_cell_starts_a_formula(value: str) -> None:
    cell = safe_cell(value)
    assert not cell.startswith(FORMULA_STARTS)
    assert cell in (value, "'" + value)
