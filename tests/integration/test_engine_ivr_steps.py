"""The IVR path of each call as ivr_steps rows: the engine in this process, the simulator,
Redis and SQLite.

A caller who presses a wrong key, then the right one, leaves rows for every node visited with
the choices and an exit row naming the queue; a caller who hangs up in the menu leaves an exit
row "gone" at the menu node. Flows served from the database carry their published version.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.sim import Switch, hangup, press, wait, wait_for
from callcenter.store import models
from callcenter.store.session import session_scope
from tests.support.calls import call_rows, eventually, sign_in
from tests.support.center import Center

FLOW = """
name: main
start: welcome
nodes:
  welcome:
    type: play
    prompt: "say:Welcome."
    next: menu
  menu:
    type: menu
    prompt: "say:For sales press 1. For support press 2."
    choices:
      1: sales
      2: support
    invalid_prompt: "say:Sorry."
    timeout: 30
  sales:
    type: queue
    queue: sales
  support:
    type: queue
    queue: support
"""
MENU = {
    "Application": "speak",
    "Application-Data": "flite|kal|For sales press 1. For support press 2.",
}


def _center(request: pytest.FixtureRequest, tmp_path: Path, db_url: str, redis_url: str,
            redis_prefix: str, **kw: object) -> Center:  # fmt: skip
    return Center(tmp_path, db_url, redis_url, redis_prefix, request=request,
                  flows={"main": FLOW}, in_process=True, **kw)  # type: ignore[arg-type]  # fmt: skip


@pytest.fixture
def center(
    request: pytest.FixtureRequest, tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> Iterator[Center]:
    with _center(request, tmp_path, db_url, redis_url, redis_prefix) as built:
        yield built


def steps_of(db_url: str, call_id: int) -> list[tuple]:
    """The call's ivr_steps rows as (seq, flow, version, node, kind, value, destination)."""
    step = models.IvrStep
    with session_scope(db_url) as session:
        return [
            tuple(row)
            for row in session.execute(
                select(
                    step.seq,
                    step.flow,
                    step.version,
                    step.node,
                    step.kind,
                    step.value,
                    step.destination,
                )
                .where(step.call_id == call_id)
                .order_by(step.seq)
            )  # fmt: skip
        ]


def test_menu_choices_and_the_queue_the_caller_left_for_are_rows(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1001", answer_after=0.5, hangup_after=1.0)
    sign_in(center, "1001")
    script = [wait_for("CHANNEL_EXECUTE", **MENU), press("7"),
              wait_for("CHANNEL_EXECUTE", **MENU), press("1")]  # fmt: skip
    caller = switch.place_call("13800000042", "5000", script)
    eventually(lambda: caller.ended.is_set(), timeout=30, what="call ended")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.disposition == "answered"
    assert steps_of(center.db_url, record.id) == [
        (1, "main", 0, "welcome", "play", "played", None),
        (2, "main", 0, "menu", "menu", "invalid:7", None),
        (3, "main", 0, "menu", "menu", "1", None),
        (4, "main", 0, "sales", "queue", "sales", None),
        (5, "main", 0, "sales", "exit", "queue", "sales"),
    ]


def test_a_caller_hanging_up_in_the_menu_left_there(center: Center) -> None:
    script = [wait_for("CHANNEL_EXECUTE", **MENU), wait(0.5), hangup()]
    caller = center.switch.place_call("13800000043", "5000", script)
    eventually(lambda: caller.ended.is_set(), timeout=30, what="call ended")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert steps_of(center.db_url, record.id) == [
        (1, "main", 0, "welcome", "play", "played", None),
        (2, "main", 0, "menu", "exit", "gone", None),
    ]


def test_a_flow_from_the_database_is_recorded_with_its_published_version(
    request: pytest.FixtureRequest, tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> None:
    env = {"IVR__SOURCE": "database", "IVR__RELOAD_INTERVAL": "0"}  # the folder: version 1
    with _center(request, tmp_path, db_url, redis_url, redis_prefix, env=env) as center:
        script = [wait_for("CHANNEL_EXECUTE", **MENU), press("2"), wait(0.5), hangup()]
        caller = center.switch.place_call("13800000044", "5000", script)
        eventually(lambda: caller.ended.is_set(), timeout=30, what="call ended")
        (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
        assert steps_of(center.db_url, record.id) == [
            (1, "main", 1, "welcome", "play", "played", None),
            (2, "main", 1, "menu", "menu", "2", None),
            (3, "main", 1, "support", "queue", "support", None),
            (4, "main", 1, "support", "exit", "queue", "support"),
        ]
