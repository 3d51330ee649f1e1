"""The IVR funnel page (/reports/ivr): flow picker, dates, a funnel chart, a table, exports.

GET /reports/ivr takes ``flow`` (default: the first flow with recorded steps), ``version``
(a published version number; absent: all), ``from`` and ``to`` (local dates, as the other
reports) and ``format=csv`` / ``format=xlsx``. The figures are
:func:`callcenter.reports.ivr_funnel.ivr_funnel`'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from sqlalchemy import select

from callcenter.reports.buckets import report_range
from callcenter.reports.ivr_funnel import FUNNEL_COLUMNS, IvrFunnel, flows_recorded, ivr_funnel
from callcenter.store.flows import IvrFlow
from console.auth import db_session
from console.report_export import csv_response, xlsx_response
from console.request_input import query_id

__all__ = ["IVR_LABELS", "ivr_page"]

IVR_LABELS = {
    "node": "Node", "type": "Node type", "reached": "Callers reached", "hung_up": "Hung up here",
    "queued": "To a queue", "transferred": "Transferred", "ended": "Flow ended",
    "choices": "Choices", "destinations": "Exits to",
}  # fmt: skip
CHART_SERIES = ("reached", "hung_up")

Filters = Callable[[date], dict[str, Any]]


def ivr_page(read_filters: Filters) -> Any:
    """The page, or its CSV / Excel export; ``read_filters`` reads the dates (ValueError)."""
    zone = current_app.extensions["callcenter.settings"].timezone
    today = datetime.now(ZoneInfo(zone)).date()
    args = request.args
    version = query_id("version")
    with db_session() as session:
        flows = sorted(
            set(flows_recorded(session)) | set(session.scalars(select(IvrFlow.name)))
        )  # fmt: skip
        flow = args.get("flow") or (flows[0] if flows else "")
        page = {"flows": flows, "flow": flow, "version": version, "labels": IVR_LABELS}
        try:
            filters = read_filters(today)
        except ValueError as exc:
            return render_template(
                "reports/ivr.html", funnel=IvrFunnel(flow), error=str(exc),
                filters=args, **page,
            ), 400  # fmt: skip
        period = report_range(filters["from"], filters["to"], "day", zone)
        funnel = ivr_funnel(session, flow, period.start, period.end, version)
    name = f"ivr-report-{re.sub(r'[^A-Za-z0-9_.-]', '_', flow)}-{filters['from']}-{filters['to']}"
    fmt = args.get("format")
    if fmt == "csv":
        return csv_response(funnel.rows, FUNNEL_COLUMNS, name)
    if fmt == "xlsx":
        return xlsx_response(funnel.rows, FUNNEL_COLUMNS, name)
    dates = {"from": filters["from"].isoformat(), "to": filters["to"].isoformat()}
    return render_template(
        "reports/ivr.html", funnel=funnel, error=None, filters=dates, chart=_chart(funnel),
        **page,
    )  # fmt: skip


def _chart(funnel: IvrFunnel) -> dict[str, Any]:
    """Horizontal bars, one per node (most callers first): reached and hung up there."""
    return {
        "labels": [row["node"] for row in funnel.rows],
        "series": [[key, [row[key] for row in funnel.rows]] for key in CHART_SERIES],
        "horizontal": True,
    }
