"""The console's /metrics (bearer token from metrics.token, off without one) and /healthz."""

from __future__ import annotations

import re

from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from callcenter.config import load_settings
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.console import signed_in_client

TOKEN = "scrape-me-0123456789"
PASSWORD = "metrics-pass-123"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def make_app(db_url: str, redis_url: str, prefix: str, token: str = TOKEN) -> Flask:
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": prefix},
        metrics={"token": token},
    )  # fmt: skip
    return create_app(settings, TESTING=True)


def samples(app: Flask) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = app.test_client().get("/metrics", headers=BEARER)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for s in family.samples
    }


def test_metrics_need_the_bearer_token(db_url: str, redis_url: str, redis_prefix: str) -> None:
    app = make_app(db_url, redis_url, redis_prefix)
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics").headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers=BEARER).status_code == 200


def test_a_signed_in_session_does_not_open_metrics(
    db_url: str, redis_url: str, redis_prefix: str
) -> None:
    with session_scope(db_url) as session:
        create_user(session, "boss", PASSWORD, "admin", language="en")
    client, _ = signed_in_client(make_app(db_url, redis_url, redis_prefix), "boss", PASSWORD)
    assert client.get("/metrics").status_code == 401


def test_metrics_are_off_without_a_token(db_url: str, redis_url: str, redis_prefix: str) -> None:
    app = make_app(db_url, redis_url, redis_prefix, token="")
    assert app.test_client().get("/metrics").status_code == 404
    assert app.test_client().get("/metrics", headers=BEARER).status_code == 404


def test_requests_and_sign_in_failures_are_counted(
    db_url: str, redis_url: str, redis_prefix: str
) -> None:
    app = make_app(db_url, redis_url, redis_prefix)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.get("/no-such-page")
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    wrong = {"username": "nobody", "password": "not-it", "csrf_token": csrf}
    assert client.post("/login", data=wrong).status_code == 401
    assert client.post("/login", data=wrong).status_code == 401
    figures = samples(app)
    requests = "callcenter_console_requests_total"
    assert figures[(requests, (("endpoint", "auth.login"), ("status", "200")))] == 1
    assert figures[(requests, (("endpoint", "auth.login"), ("status", "401")))] == 2
    assert figures[(requests, (("endpoint", "none"), ("status", "404")))] == 1
    assert figures[("callcenter_console_request_seconds_count", (("endpoint", "auth.login"),))] == 3
    failures = ("callcenter_console_sign_in_failures_total", (("reason", "wrong"),))
    assert figures[failures] == 2


def test_healthz_says_whether_redis_and_sql_answer(
    db_url: str, redis_url: str, redis_prefix: str
) -> None:
    up = make_app(db_url, redis_url, redis_prefix).test_client().get("/healthz")
    assert (up.status_code, up.get_json()) == (200, {"redis": True, "sql": True})
    app = make_app(db_url, "redis://127.0.0.1:1/0", redis_prefix)
    down = app.test_client().get("/healthz")
    assert (down.status_code, down.get_json()) == (503, {"redis": False, "sql": True})
