"""A queue and an agent set up on the admin pages serve a call: the real engine process, the
simulator (directory users 1000-1019, as FreeSWITCH's static directory), Redis and SQLite.
The queue asks for english at 8, the agent has it at 5: only the queue's widening step (set
on the page, migration 0012) lets the call reach the agent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from callcenter.config import load_settings
from callcenter.sim import Switch
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.calls import call_rows, eventually, sign_in
from tests.support.center import Center
from tests.support.console import signed_in_client

FLOW = """
name: main
start: line
nodes:
  line:
    type: queue
    queue: vip
"""
PASSWORD = "admin-pass-123"


@pytest.fixture
def center(
    request: pytest.FixtureRequest, tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> Iterator[Center]:
    with Center(
        tmp_path, db_url, redis_url, redis_prefix, request=request, agents=(),
        flows={"main": FLOW}, start=False,
    ) as built:  # fmt: skip
        yield built


def admin_client(db_url: str, redis_url: str, redis_prefix: str) -> FlaskClient:
    with session_scope(db_url) as session:
        create_user(session, "boss", PASSWORD, "admin", language="en")
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    return signed_in_client(create_app(settings, TESTING=True), "boss", PASSWORD)[0]


def submit(client: FlaskClient, url: str, data: dict[str, str]) -> None:
    page = client.get(url).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post(url, data={"csrf_token": csrf, **data})
    assert answer.status_code == 302, answer.get_data(as_text=True)


def test_queue_and_agent_from_the_admin_pages_take_a_call_after_widening(
    center: Center, redis_url: str, redis_prefix: str
) -> None:
    admin = admin_client(center.db_url, redis_url, redis_prefix)
    submit(admin, "/admin/skills/new", {"name": "english"})
    queue = {"name": "vip", "skills": "english:8", "widening": "1:5", "max_wait_seconds": "600"}
    submit(admin, "/admin/queues/new", queue)
    agent = {"number": "4000", "display_name": "Wang", "sip_user": "1010", "queues": "vip:1:1",
             "skills": "english:5"}  # fmt: skip
    submit(admin, "/admin/agents/new", agent)
    center.start_engine()
    switch: Switch = center.switch
    switch.add_softphone("1010", answer_after=0.5, hangup_after=2.0)
    sign_in(center, "4000")
    caller = switch.place_call("13800138000", "5000", [])
    eventually(lambda: caller.answered.is_set(), timeout=30, what="caller answered")
    eventually(lambda: caller.ended.is_set(), timeout=30, what="call ended")
    (record,) = eventually(lambda: call_rows(center.db_url), timeout=30, what="call record")
    assert record.disposition == "answered"
    with session_scope(center.db_url) as session:
        assert session.get(models.Agent, record.agent_id).number == "4000"
        assert session.get(models.Queue, record.queue_id).name == "vip"
