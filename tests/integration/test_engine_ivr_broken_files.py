"""A broken flow never stops a call (issue 14, item 1 and the engine rule).

The real engine process, the simulator, Redis and SQLite: a NUL-byte file and a broken version
of the hotline's flow written after the good one was loaded leave the good version in service,
the engine publishes both files' problems for the admins' "Flow problems" page, and a flow that
is valid but fails while it runs sends the caller to the default queue's agent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from callcenter.config import load_settings
from callcenter.live.names import FLOW_PROBLEMS
from callcenter.live.store import LiveStore
from callcenter.sim import Switch
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.calls import call_rows, event_rows, eventually, sign_in
from tests.support.center import Center
from tests.support.console import signed_in_client

MAIN = """
name: main
start: welcome
nodes:
  welcome:
    type: play
    prompt: "say:Thank you for calling."
    next: support
  support:
    type: queue
    queue: support
"""
# Valid, but its mailbox folder cannot be made (a file is in the way): the runner raises.
VOICEMAIL = """
name: leave_message
start: message
nodes:
  message:
    type: voicemail
    prompt: "say:Please leave a message."
    mailbox: blocked
    max_seconds: 5
"""
BROKEN_MAIN = "name: main\nstart: welcome\nnodes:\n  welcome: " + "[" * 200 + "]" * 200 + "\n"
NEVER_GOOD = "name: never_good\0\nstart: a\nnodes:\n  a: {type: hangup}\n"  # broken from the start
PASSWORD = "flows-pass-123"


@pytest.fixture
def center(
    request: pytest.FixtureRequest, tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> Iterator[Center]:
    with Center(
        tmp_path,
        db_url,
        redis_url,
        redis_prefix,
        request=request,
        flows={"main": MAIN, "leave_message": VOICEMAIL, "never_good": NEVER_GOOD},
        numbers={"5003": "leave_message", "5004": "never_good"},
        env={"IVR__RELOAD_INTERVAL": "0.5"},
    ) as built:
        yield built


def published(live: LiveStore) -> dict[str, str]:
    """Flow problem rows the engine published, by file name (message of the first)."""
    fields = live.get(FLOW_PROBLEMS, "node1")
    rows = json.loads(fields.get("problems") or "[]")
    return {Path(row["file"]).name: row["message"] for row in reversed(rows)}


def answered_by_1001(center: Center, number: str) -> models.Call:
    """Place a call to ``number``; it must be answered by agent 1001. Returns its record."""
    switch: Switch = center.switch
    before = len(call_rows(center.db_url))
    caller = switch.place_call("13800000077", number, [], hangup_after=6.0)
    eventually(lambda: caller.ended.is_set(), timeout=30, what="call ended")
    record = eventually(lambda: call_rows(center.db_url)[before:], what="call record")[0]
    assert record.disposition == "answered", record.disposition
    with session_scope(center.db_url) as session:
        assert session.get(models.Agent, record.agent_id).number == "1001"
        assert session.get(models.Queue, record.queue_id).name == "support"
    return record


def console_app(center: Center) -> Flask:
    with session_scope(center.db_url) as session:
        create_user(session, "boss", PASSWORD, "admin", language="en")
        create_user(session, "lead", PASSWORD, "supervisor", language="en")
        create_user(session, "li", PASSWORD, "agent", language="en")
    settings = load_settings(
        database={"url": center.db_url}, redis={"url": center.redis_url, "prefix": center.prefix}
    )
    return create_app(settings, TESTING=True)


def test_call_reaches_an_agent_while_broken_flow_files_sit_in_the_folder(center: Center) -> None:
    center.switch.add_softphone("1001", answer_after=0.3, hangup_after=1.0)
    sign_in(center, "1001")
    answered_by_1001(center, "5000")  # the good main.yaml is in service
    time.sleep(0.05)  # a new mtime for main.yaml
    (center.flows / "evil.yaml").write_bytes(b"name: evil\0\nstart: a\nnodes: {}\n")
    (center.flows / "main.yaml").write_text(BROKEN_MAIN, encoding="utf-8")
    problems = eventually(
        lambda: (found := published(center.live)).keys() >= {"evil.yaml", "main.yaml"} and found,
        what="both broken files published",
    )
    assert "NUL byte" in problems["evil.yaml"]
    assert "nested deeper than 64 levels" in problems["main.yaml"]

    record = answered_by_1001(center, "5000")  # the last good main.yaml still serves
    assert record.ivr_path[0] == {"node": "welcome", "value": "played"}

    app = console_app(center)
    admin, _ = signed_in_client(app, "boss", PASSWORD)
    page = admin.get("/admin/flows")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-file="' + str(center.flows / "evil.yaml") + '"' in html
    assert "<td>1:11</td>" in html and "NUL byte" in html  # evil.yaml line 1, column 11
    assert "main.yaml" in html and "nested deeper than 64 levels" in html
    assert 'href="/admin/flows"' in admin.get("/admin/users/").get_data(as_text=True)
    for who in ("lead", "li"):
        other, _ = signed_in_client(app, who, PASSWORD)
        assert other.get("/admin/flows").status_code == 403
        assert 'href="/admin/flows"' not in other.get("/tickets/").get_data(as_text=True)

    (center.flows / "main.yaml").write_text(MAIN.lstrip(), encoding="utf-8")
    (center.flows / "evil.yaml").unlink()
    fixed = {"never_good.yaml", "setting ivr.numbers"}  # broken from the start, and its number
    eventually(lambda: set(published(center.live)) == fixed, what="fixed files leave the list")
    html = admin.get("/admin/flows").get_data(as_text=True)
    assert "evil.yaml" not in html and "never_good.yaml" in html


def test_flow_that_fails_while_running_sends_the_caller_to_the_default_queue(
    center: Center,
) -> None:
    blocked = center.tmp / "recordings" / "voicemail" / "blocked"
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_text("a file where the mailbox folder should be")
    center.switch.add_softphone("1001", answer_after=0.3, hangup_after=1.0)
    sign_in(center, "1001")
    record = answered_by_1001(center, "5003")
    ended = [d for kind, d in event_rows(center.db_url, record.id) if kind == "ivr_ended"]
    assert ended == [
        {
            "flow": "leave_message", "outcome": "queue", "node": "message",
            "reason": "error: flow failed", "destination": "support",
            "exit_flow": "leave_message", "exit_version": 0, "exit_node": "message",
        }
    ]  # fmt: skip
    failed = center.engine.records("IVR flow failed; the caller goes on without it")
    assert [(r["flow"], r["node"], r["level"], r["then"]) for r in failed] == [
        ("leave_message", "message", "error", "queue support")
    ]

    record = answered_by_1001(center, "5004")  # its flow never loaded: the default queue too
    assert record.ivr_path[0] == {"node": "flow", "value": "missing"}
