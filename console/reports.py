"""Report pages under /reports: a form, a table, a chart (Chart.js) and CSV / Excel export.

GET /reports/queues, /reports/agents and /reports/surveys take ``from`` and ``to`` (local
dates, YYYY-MM-DD, at most :data:`MAX_DAYS` apart), ``interval`` (queue and survey reports)
and ``queue`` / ``agent`` ids (repeatable); ``format=csv`` or ``format=xlsx`` downloads the
same rows. Dates are in the center's time zone (setting ``timezone``). Supervisors and admins
only. /reports/ivr, the IVR funnel of one flow, is console/report_ivr.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, render_template, request
from sqlalchemy import select

from callcenter.reports.agent_report import AGENT_COLUMNS, agent_report
from callcenter.reports.buckets import INTERVALS, report_range
from callcenter.reports.queue_report import QUEUE_COLUMNS, queue_report
from callcenter.reports.survey_report import SURVEY_COLUMNS, survey_report
from callcenter.store.routing import Agent, Queue
from console.auth import db_session, role_required
from console.report_export import csv_response, xlsx_response
from console.report_ivr import ivr_page

bp = Blueprint("reports", __name__, url_prefix="/reports")

LABELS = {
    "interval": "Interval", "queue": "Queue", "offered": "Offered", "answered": "Answered calls",
    "abandoned": "Abandoned", "short_abandoned": "Abandoned within 5 s",
    "service_level": "Service level %", "asa": "ASA (s)", "aht": "AHT (s)",
    "longest_wait": "Longest wait (s)", "agent": "Agent", "name": "Name",
    "login": "Signed-in time", "ready": "Ready time", "not_ready": "Not-ready time by reason",
    "talk": "Talk time", "hold": "Hold time", "wrap_up": "Wrap-up time",
    "missed": "Missed", "transferred": "Transferred", "survey_average": "Survey average",
    "surveys": "Surveys", "average": "Average score", "csat": "CSAT %",
    "qa_average": "QA average",
    "15min": "15 minutes", "30min": "30 minutes", "60min": "1 hour", "day": "Day", "week": "Week",
}  # fmt: skip
MAX_DAYS = 92
SHORT_INTERVAL_DAYS = 31  # 15 / 30 minute buckets only over a month at most


class FormError(ValueError):
    """A filter the report cannot use; the message is shown next to the form."""


def _filters(today: date) -> dict[str, Any]:
    """The report's filters from the query string (defaults: the last 7 days, by day)."""
    args = request.args
    try:
        last = date.fromisoformat(args.get("to") or today.isoformat())
        first = date.fromisoformat(args.get("from") or (last - timedelta(days=6)).isoformat())
    except ValueError as exc:
        raise FormError("Dates must be YYYY-MM-DD") from exc
    interval = args.get("interval") or "day"
    if interval not in INTERVALS:
        raise FormError("Unknown interval")
    if first > last or (last - first).days >= MAX_DAYS:
        raise FormError("The range must start before it ends and span at most 92 days")
    if interval in ("15min", "30min") and (last - first).days >= SHORT_INTERVAL_DAYS:
        raise FormError("15 and 30 minute intervals cover at most 31 days")
    ids = {key: [int(v) for v in args.getlist(key) if v.isdigit()] for key in ("queue", "agent")}
    return {"from": first, "to": last, "interval": interval, **ids}


def _render(kind: str) -> Any:
    """The page or the export of report ``kind`` (queue or agent)."""
    zone = current_app.extensions["callcenter.settings"].timezone
    today = datetime.now(ZoneInfo(zone)).date()
    with db_session() as session:
        queues = session.execute(select(Queue.id, Queue.name).order_by(Queue.name)).all()
        agents = session.execute(select(Agent.id, Agent.number).order_by(Agent.number)).all()
        try:
            filters = _filters(today)
        except FormError as exc:
            page = render_template(
                "reports/report.html", kind=kind, rows=[], columns=(), error=str(exc),
                filters=request.args, intervals=INTERVALS, queues=queues, agents=agents,
                labels=LABELS,
            )  # fmt: skip
            return page, 400
        period = report_range(filters["from"], filters["to"], filters["interval"], zone)
        if kind == "queue":
            rows, columns = queue_report(session, period, filters["queue"]), QUEUE_COLUMNS
        elif kind == "survey":
            rows, columns = survey_report(session, period), SURVEY_COLUMNS
        else:
            rows, columns = agent_report(session, period, filters["agent"]), AGENT_COLUMNS
    name = f"{kind}-report-{filters['from']}-{filters['to']}"
    fmt = request.args.get("format")
    if fmt == "csv":
        return csv_response(rows, columns, name)
    if fmt == "xlsx":
        return xlsx_response(rows, columns, name)
    return render_template(
        "reports/report.html", kind=kind, rows=rows, columns=columns, error=None,
        filters={**filters, "from": filters["from"].isoformat(), "to": filters["to"].isoformat()},
        intervals=INTERVALS, queues=queues, agents=agents, chart=_chart(kind, rows), labels=LABELS,
    )  # fmt: skip


def _chart(kind: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The chart's labels and ``[key, values]`` series (summed over queues per interval)."""
    if kind == "agent":
        labels = [str(r["agent"]) for r in rows]
        keys = ("answered", "missed", "transferred")
        return {"labels": labels, "series": [[k, [r[k] for r in rows]] for k in keys]}
    keys = ("offered", "answered", "abandoned") if kind == "queue" else ("surveys",)
    sums: dict[str, dict[str, int]] = {}
    for row in rows:  # result rows (one per queue and interval), not call records
        label = row["interval"].strftime("%Y-%m-%d %H:%M")
        slot = sums.setdefault(label, dict.fromkeys(keys, 0))
        for key in keys:
            slot[key] += row[key]
    return {"labels": list(sums), "series": [[k, [v[k] for v in sums.values()]] for k in keys]}


@bp.get("")
@role_required("supervisor")
def index() -> Response | Any:
    """The queue report (the reports' landing page)."""
    return _render("queue")


@bp.get("/queues")
@role_required("supervisor")
def queues() -> Response | Any:
    """The queue report by interval."""
    return _render("queue")


@bp.get("/agents")
@role_required("supervisor")
def agents() -> Response | Any:
    """The agent report."""
    return _render("agent")


@bp.get("/surveys")
@role_required("supervisor")
def surveys() -> Response | Any:
    """CSAT per interval, queue and agent."""
    return _render("survey")


@bp.get("/ivr")
@role_required("supervisor")
def ivr() -> Response | Any:
    """The IVR funnel of one flow: callers per node, where they left, menu choices."""
    return ivr_page(_filters)
