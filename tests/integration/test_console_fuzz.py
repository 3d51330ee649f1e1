"""#14 items 5 and 7: generated input on every console route never gives a 5xx.

The routes come from the app's own ``url_map``, so a new route is fuzzed without a change
here. Every JSON route under ``/api`` that takes a body gets arbitrary JSON (nested values,
wrong types, huge integers, unicode, deep nesting, not JSON at all); every GET gets generated
query strings and path values; the ticket, customer and call forms get generated form fields.
Signed in as an admin (who may use every route) and as an agent (who is refused most). A 4xx
under ``/api`` must be JSON with a ``reason``. Bounded: a few seconds per test.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask, Request
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict

from callcenter.agent_actions import ACTIONS
from callcenter.config import load_settings
from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.repositories import create_user, insert_call
from callcenter.store.session import session_scope
from callcenter.tickets import customers as cust
from callcenter.tickets import service as svc
from console import create_app, request_input
from tests.support.console import signed_in_client

PASSWORD = "fuzz-pass-123"
STREAMS = {"agent.stream", "supervisor.stream"}  # server-sent events: they never end
NOT_FUZZED = STREAMS | {"auth.login", "auth.logout", "admin.edit_user"}  # would end the session
GOOD: dict[str, Any] = {  # a plausible value of every field a route reads
    "subject": "Printer jam", "description": "It jams", "category": "repair", "priority": "high",
    "department": "tech", "customer_id": 1, "assignee_id": 1, "call_uuid": "c1",
    "caller_number": "13800138000", "body": "Called back", "reason": "break",
    "number": "13800138001", "due_at": "2026-12-24T10:00", "note": "after lunch",
    "callback_id": 1, "outcome": "reached", "name": "Ann", "phones": ["13800138009"],
    "vip": True, "region": "Beijing", "tags": ["gold"], "notes": "likes email", "agent": "1001",
    "queue": "sales", "digits": "12#", "seconds": 30, "ticket": "T-1", "extension": "1001",
    "callback": 1, "field": "note", "value": "checked", "username": "new", "password": "x" * 12,
    "role": "agent", "language": "en", "display_name": "New", "active": "on",
}  # fmt: skip
FIELDS = sorted(GOOD)
PARAMS = [
    "q", "status", "category", "priority", "customer", "mine", "overdue", "phone", "page",
    "date_from", "date_to", "agent", "queue", "disposition", "caller", "text", "download",
    "error", "next", "call_uuid", "customer_id",
]  # fmt: skip
TRICKY = [
    "", " ", "0", "-1", "1001", "sales", "\u00b2", "\u0661\u0662", "9" * 25, str(2**63),
    str(2**64), "1e308", "NaN", "${system(id)}", "\n", "\x00", "../../etc/passwd", "%00",
    "2026-01-01", "2026-13-45T25:61", "=1+1", "\ud7ff", "a" * 300, "true", "null",
]  # fmt: skip


@dataclass
class Center:
    """The console under test with signed-in clients and the names of what exists."""

    app: Flask
    clients: dict[str, tuple[FlaskClient, dict[str, str]]]
    known: dict[str, list[str]]
    params: dict[str, list[str]] = field(default_factory=dict)  # by rule: what the view reads


@pytest.fixture
def center(db_url: str, redis_url: str, redis_prefix: str) -> Iterator[Center]:
    settings_ = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    with session_scope(db_url) as session:
        create_user(session, "boss", PASSWORD, "admin")
        create_user(session, "sup", PASSWORD, "supervisor")
        agent = create_user(session, "agent1", PASSWORD, "agent")
        row = models.Agent(number="1001", sip_user="1001", user=agent, display_name="1001")
        session.add(row)
        session.flush()
        customer = cust.create_customer(session, "Wang Fang", ["13800138000"])
        ticket = svc.create_ticket(
            session, settings_.tickets, subject="Router", customer_id=customer.id, actor_id=agent.id
        )
        insert_call(session, "c1", caller_number="13800138000", agent_id=row.id)
        known = {
            "int": sorted({str(customer.id), "1", "2", "3"}),
            "agent_id": ["1001", "9999"],
            "action": list(ACTIONS),
            "number": [ticket.number],
            "what": [
                "comment",
                "link_call",
                "assign",
                "update",
                "callback",
                "callback_outcome",
                "start",
                "resolve",
                "close",
                "reopen",
            ],  # fmt: skip
            "call_uuid": ["c1", "live-1"],
        }
    live = LiveStore(redis_url, redis_prefix)
    live.put_agent("1001", state="available")
    live.put_call("live-1", state="talking", caller_number="13800138000", agent_id="1001")
    app = create_app(settings_, TESTING=True)
    clients = {
        name: signed_in_client(app, name, PASSWORD) for name in ("boss", "agent1")
    }  # fmt: skip
    try:
        yield Center(app, clients, known)
    finally:
        live.close()


def _routes(app: Flask, methods: set[str], prefix: str = "/") -> list[tuple[str, str, str]]:
    return sorted(
        (method, rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in NOT_FUZZED and rule.rule.startswith(prefix)
        for method in (rule.methods or set()) & methods
    )


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.text(max_size=40),
    st.sampled_from(TRICKY),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
OBJECTS = st.builds(
    lambda keep, changed: {**{k: GOOD[k] for k in keep}, **changed},
    st.sets(st.sampled_from(FIELDS), max_size=8),
    st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=3),
)  # mostly good fields, a few generated: reaches the checks past the first one
BODIES = st.one_of(
    OBJECTS.map(json.dumps),
    OBJECTS.map(json.dumps),
    VALUES.map(json.dumps),  # any JSON, not only objects
    st.integers(min_value=30, max_value=5000).map(lambda n: "[" * n + "]" * n),
    st.integers(min_value=4301, max_value=6000).map(lambda n: '{"customer_id": ' + "9" * n + "}"),
    st.binary(max_size=40),
)
TEXTS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(TRICKY),
    st.sampled_from(TRICKY),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
FORMS = st.builds(
    lambda keep, changed: {**{k: str(GOOD[k]) for k in keep}, **changed},
    st.sets(st.sampled_from(FIELDS), max_size=8),
    st.dictionaries(st.sampled_from(FIELDS), TEXTS, max_size=3),
)
ARG = re.compile(r"<(?:(\w+):)?(\w+)>")
SETTINGS = settings(
    max_examples=int(os.environ.get("CONSOLE_FUZZ_EXAMPLES", "200")),  # more for a soak
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _url(draw: st.DrawFn, center: Center, rule: str) -> str:
    """``rule`` with each ``<converter:name>`` filled: a value that exists, or generated."""

    def fill(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "default", match.group(2)
        known = center.known.get("int" if converter == "int" else name, ["x"])
        generated = (
            st.integers(min_value=0, max_value=2**70).map(str) if converter == "int" else TEXTS
        )
        value = draw(st.sampled_from(known) | st.sampled_from(known) | generated)
        return quote(value, safe="") or "x"

    return ARG.sub(fill, rule)


def _check(response: Any, request: str) -> None:
    body = response.get_data()[:400]
    assert response.status_code < 500, f"{request} -> {response.status_code}: {body!r}"
    path = request.split(" ", 2)[1]
    if path.startswith("/api/") and response.status_code >= 400:
        payload = json.loads(response.get_data() or b"null")
        assert isinstance(payload, dict) and payload.get("reason"), f"{request}: {body!r}"


SWEEP = ["", "-1", "\u00b2", "9" * 25, str(2**63), "\x00", "a" * 300, "2026-13-45T25:61", "NaN"]
ODD_VALUES: list[Any] = [
    None, True, -1, 2**63, -(2**64), 1.5, float("inf"), "", "\x00", "9" * 25, "\u00b2",
    "x" * 70_000, [], {}, ["a", 1, None], {"a": {"b": [1]}},
]  # fmt: skip


class _ReadArgs(ImmutableMultiDict):
    """Query and form values that remember which names a view asked for."""

    asked: set[str] = set()

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # noqa: A002
        _ReadArgs.asked.add(key)
        return super().get(key, default, type)

    def __getitem__(self, key: Any) -> Any:
        _ReadArgs.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        _ReadArgs.asked.add(str(key))
        return super().__contains__(key)


def _first(center: Center, rule: str) -> str:
    """``rule`` with each path value one that exists."""
    return ARG.sub(lambda m: center.known.get("int" if m.group(1) == "int" else m.group(2),
                                              ["x"])[0], rule)  # fmt: skip


def _parameters_read(center: Center, client: FlaskClient, url: str) -> list[str]:
    """The query parameters the view behind ``url`` reads (asked with empty and set values)."""
    center.app.request_class = type("R", (Request,), {"parameter_storage_class": _ReadArgs})
    _ReadArgs.asked = set()
    try:
        for value in ("", "1"):
            client.get(f"{url}?{urlencode(dict.fromkeys(PARAMS, value))}")
    finally:
        center.app.request_class = Request
    return sorted(_ReadArgs.asked)


class _ReadBody(dict):
    """A JSON body that remembers which fields a view asked for."""

    asked: set[str] = set()

    def get(self, key: Any, default: Any = None) -> Any:
        _ReadBody.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        _ReadBody.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        _ReadBody.asked.add(str(key))
        return super().__contains__(key)


def _fields_read(client: FlaskClient, method: str, url: str, csrf: dict[str, str]) -> list[str]:
    """The body fields the view behind ``url`` reads (asked with an empty and a full body)."""
    parse = request_input.parse_json

    def remembering(data: bytes | str) -> Any:
        value = parse(data)
        return _ReadBody(value) if isinstance(value, dict) else value

    request_input.parse_json = remembering
    _ReadBody.asked = set()
    try:
        for body in ({}, GOOD):
            client.open(url, method=method, json=body, headers=csrf)
    finally:
        request_input.parse_json = parse
    return sorted(_ReadBody.asked)


def _urls(center: Center, rule: str) -> list[str]:
    """``rule`` with every known value of its last path argument (the first of the others)."""
    names = ARG.findall(rule)
    if not names:
        return [rule]
    last = names[-1]
    values = center.known.get("int" if last[0] == "int" else last[1], ["x"])
    head = _first(center, rule[: rule.rindex("<")])
    return [head + value + rule[rule.rindex(">") + 1 :] for value in values]


def test_every_body_field_a_view_reads_with_every_odd_value(center: Center) -> None:
    """A sweep (no randomness): each field a JSON view reads, set to each odd value in an
    otherwise good body, on every known action of every write route."""
    client, csrf = center.clients["boss"]
    for method, rule, _ in _routes(center.app, {"POST", "PUT", "PATCH", "DELETE"}, "/api/"):
        for url in _urls(center, rule):
            for name in _fields_read(client, method, url, csrf):
                for value in ODD_VALUES:
                    body = json.dumps({**GOOD, name: value})
                    response = client.open(
                        url,
                        method=method,
                        data=body,
                        headers={**csrf, "Content-Type": "application/json"},
                    )
                    _check(response, f"{method} {url} {name}={str(value)[:60]!r}")


def test_every_query_parameter_a_view_reads_with_every_odd_value(center: Center) -> None:
    """A sweep (no randomness): each query parameter a GET view reads, one at a time."""
    client, _ = center.clients["boss"]
    for _, rule, _ in _routes(center.app, {"GET"}):
        url = _first(center, rule)
        for name in _parameters_read(center, client, url):
            for value in SWEEP:
                query = urlencode({name: value})
                _check(client.get(f"{url}?{query}"), f"GET {url}?{query}")


@SETTINGS
@given(data=st.data())
def test_json_bodies_never_give_a_server_error(center: Center, data: st.DataObject) -> None:
    routes = _routes(center.app, {"POST", "PUT", "PATCH", "DELETE"}, "/api/")
    method, rule, _ = data.draw(st.sampled_from(routes), label="route")
    client, csrf = center.clients[data.draw(st.sampled_from(sorted(center.clients)))]
    url = _url(data.draw, center, rule)
    body = data.draw(BODIES, label="body")
    response = client.open(
        url, method=method, data=body, headers={**csrf, "Content-Type": "application/json"}
    )
    _check(response, f"{method} {url} {body[:200]!r}")


@SETTINGS
@given(data=st.data())
def test_query_strings_and_path_values_never_give_a_server_error(
    center: Center, data: st.DataObject
) -> None:
    routes = _routes(center.app, {"GET"})
    _, rule, _ = data.draw(st.sampled_from(routes), label="route")
    if rule not in center.params:
        center.params[rule] = _parameters_read(
            center, center.clients["boss"][0], _first(center, rule)
        )
    names = st.sampled_from(center.params[rule] or PARAMS) | st.text(max_size=6)
    client, _ = center.clients[data.draw(st.sampled_from(sorted(center.clients)))]
    url = _url(data.draw, center, rule)
    query = urlencode(data.draw(st.dictionaries(names, TEXTS, max_size=3), label="query"))
    response = client.get(f"{url}?{query}")
    _check(response, f"GET {url}?{query}")


@SETTINGS
@given(data=st.data())
def test_form_posts_never_give_a_server_error(center: Center, data: st.DataObject) -> None:
    routes = [r for r in _routes(center.app, {"POST"}) if not r[1].startswith("/api/")]
    _, rule, _ = data.draw(st.sampled_from(routes), label="route")
    client, csrf = center.clients[data.draw(st.sampled_from(sorted(center.clients)))]
    url = _url(data.draw, center, rule)
    form = data.draw(FORMS, label="form")
    response = client.post(url, data={**form, "csrf_token": csrf["X-CSRFToken"]})
    _check(response, f"POST {url} {form!r}")


def test_a_page_number_beyond_the_calls_is_400_not_a_server_error(center: Center) -> None:
    """Found by the sweep: ``?page=`` past SQLite's integers was an OverflowError (500)."""
    client, _ = center.clients["boss"]
    for page in ("9" * 25, "-5", "\u00b2", "0"):
        response = client.get(f"/recordings/?page={quote(page)}")
        assert response.status_code == 400, page
        # the reason in boss's language (Chinese): "page must be a whole number from 1 to ..."
        assert "page 必须是 1 到" in response.get_data(as_text=True)
    assert client.get("/recordings/?page=2").status_code == 200
