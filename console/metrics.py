"""The console's monitoring routes: ``/metrics`` (Prometheus) and ``/healthz`` (Redis + SQL).

The exception to "every console route needs a sign-in": a scraper and a load balancer have
no session. ``/healthz`` tells only whether Redis and SQL answer, so it is open; ``/metrics``
answers only a request carrying ``Authorization: Bearer <metrics.token>`` (401 otherwise) and
is off (404) while no token is set. A signed-in session does not open ``/metrics``.
"""

from __future__ import annotations

import hmac
import time

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from callcenter.live.errors import LiveError

bp = Blueprint("metrics", __name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds a console request took (streams count until their first byte)."""


class ConsoleFigures:
    """The console's metrics, in a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "callcenter_console_requests",
            "Console requests by endpoint (Flask's name; 'none' for unknown urls) and status",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "callcenter_console_request_seconds",
            "Console request latency by endpoint",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.sign_in_failures = Counter(
            "callcenter_console_sign_in_failures",
            "Failed sign-ins: wrong name or password, or refused while locked out",
            ["reason"],
            registry=self.registry,
        )


def install(app: Flask) -> None:
    """Count and time every request of ``app`` and add the /metrics and /healthz routes."""
    figures = ConsoleFigures()
    app.extensions["callcenter.metrics"] = figures

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        endpoint = request.endpoint or "none"
        figures.requests.labels(endpoint, str(response.status_code)).inc()
        started = g.get("metrics_started")
        if started is not None:
            figures.seconds.labels(endpoint).observe(time.perf_counter() - started)
        return response

    app.register_blueprint(bp)


def sign_in_failed(reason: str) -> None:
    """Count a failed sign-in (``wrong`` or ``locked``)."""
    figures = current_app.extensions.get("callcenter.metrics")
    if figures is not None:
        figures.sign_in_failures.labels(reason).inc()


@bp.get("/metrics")
def metrics() -> Response | tuple[Response, int] | tuple[str, int, dict[str, str]]:
    """The console's figures in Prometheus text format, for the bearer of metrics.token."""
    token = current_app.extensions["callcenter.settings"].metrics.token
    if not token:
        return jsonify(error=True, reason="metrics are off (set metrics.token)"), 404
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return "bearer token required\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}
    figures: ConsoleFigures = current_app.extensions["callcenter.metrics"]
    return Response(generate_latest(figures.registry), mimetype=CONTENT_TYPE_LATEST)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """``{"redis": .., "sql": ..}``: 200 when both answer, else 503."""
    from console.supervisor import live_store

    checks = {"redis": True, "sql": True}
    try:
        live_store().ping()
    except LiveError:
        checks["redis"] = False
    try:
        with current_app.extensions["callcenter.sessions"]() as session:
            session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        checks["sql"] = False
    return jsonify(checks), 200 if all(checks.values()) else 503
