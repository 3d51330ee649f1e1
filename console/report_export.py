"""Report rows as downloads: CSV (formula-safe cells, BOM for Excel) and .xlsx (openpyxl)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import Response

from callcenter.reports.csv_cells import safe_cell

__all__ = ["csv_response", "flat_rows", "xlsx_response"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else value


def flat_rows(rows: list[dict[str, Any]], columns: Sequence[str]) -> list[list[Any]]:
    """Each row's cells in ``columns`` order, formula-safe (:mod:`csv_cells`)."""
    return [[safe_cell(_cell(row.get(c))) for c in columns] for row in rows]


def csv_response(rows: list[dict[str, Any]], columns: Sequence[str], name: str) -> Response:
    """The rows as a CSV download named ``name``.csv."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(flat_rows(rows, columns))
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}.csv"},
    )


def xlsx_response(rows: list[dict[str, Any]], columns: Sequence[str], name: str) -> Response:
    """The rows as an Excel workbook named ``name``.xlsx (one sheet)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(name[:31])
    sheet.append(list(columns))
    for cells in flat_rows(rows, columns):
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        mimetype=XLSX,
        headers={"Content-Disposition": f"attachment; filename={name}.xlsx"},
    )
