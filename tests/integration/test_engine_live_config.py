"""Admin changes reach a running engine at once through the ``config-changed`` notice: the
engine (in this process, on the simulator) re-reads queues only every 600 s here, so only the
notice can explain what the calls show."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from callcenter.admin import SERVICES
from callcenter.admin.notify import announce_changes
from callcenter.sim import Switch
from callcenter.store import models
from callcenter.store.session import make_engine, session_factory, session_scope
from tests.support.calls import call_rows, eventually, sign_in, wait_state
from tests.support.center import Center

FLOW = """
name: main
start: line
nodes:
  line:
    type: queue
    queue: support
"""
SLOW_RELOAD = {"ROUTING__QUEUE_RELOAD_SECONDS": "600"}


@pytest.fixture
def center(
    request: pytest.FixtureRequest, tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> Iterator[Center]:
    with Center(
        tmp_path, db_url, redis_url, redis_prefix, request=request, agents=("1000", "1001"),
        flows={"main": FLOW}, env=SLOW_RELOAD, in_process=True,
    ) as built:  # fmt: skip
        yield built


@pytest.fixture
def admin(center: Center) -> Iterator[sessionmaker[Session]]:
    """SQL sessions as the console's: what the admin services commit is announced."""
    engine = make_engine(center.db_url)
    sessions = session_factory(engine)
    announce_changes(sessions, center.live.publish)
    yield sessions
    engine.dispose()


def agent_id(sessions: sessionmaker[Session], number: str) -> int:
    with sessions() as session:
        return session.scalar(select(models.Agent.id).where(models.Agent.number == number))


def change(sessions: sessionmaker[Session], *edits: tuple[str, int, dict[str, Any]]) -> None:
    """Update objects through the admin services, in one transaction."""
    with sessions() as session:
        for kind, obj_id, data in edits:
            SERVICES[kind].update(session, obj_id, data, None)
        session.commit()


def answered_by(center: Center) -> str:
    """Place a call on the hotline; the number of the agent whose record it is."""
    before = len(call_rows(center.db_url))
    caller = center.switch.place_call("13800138000", "5000", [])
    eventually(lambda: caller.ended.is_set(), timeout=30, what="call ended")
    rows = eventually(lambda: call_rows(center.db_url)[before:], timeout=30, what="record")
    with session_scope(center.db_url) as session:
        return session.get(models.Agent, rows[0].agent_id).number


def test_an_agent_created_after_the_engine_started_signs_in_and_takes_a_call(
    center: Center, admin: sessionmaker[Session]
) -> None:
    with admin() as session:
        new = {"number": "4001", "display_name": "New", "sip_user": "1005", "queues": "support"}
        SERVICES["agents"].create(session, new, None)
        session.commit()
    eventually(lambda: center.live.get_agent("4001").get("state") == "logged_out",
               what="the engine knows agent 4001")  # fmt: skip
    switch: Switch = center.switch
    switch.add_softphone("1005", answer_after=0.5, hangup_after=1.0)
    sign_in(center, "4001")
    assert answered_by(center) == "4001"


@pytest.mark.queue_strategy("longest-idle-agent")
def test_queue_strategy_and_tier_changes_apply_to_the_next_call(
    center: Center, admin: sessionmaker[Session]
) -> None:
    switch: Switch = center.switch
    for extension in ("1000", "1001"):
        switch.add_softphone(extension, answer_after=0.5, hangup_after=1.0)
    sign_in(center, "1000")  # idle longest: the one longest-idle-agent picks
    sign_in(center, "1001")  # position 1 in support: the one top-down picks
    with admin() as session:
        queue = session.scalar(select(models.Queue.id).where(models.Queue.name == "support"))
    first, second = agent_id(admin, "1000"), agent_id(admin, "1001")
    # one commit: once 1001's new queue shows in Redis, the queue's strategy is read too
    change(admin, ("queues", queue, {"strategy": "top-down"}),
           ("agents", second, {"queues": ["support:1:1", "sales:1:1"]}))  # fmt: skip
    eventually(lambda: center.live.get_agent("1001").get("queues") == "sales,support",
               what="agent 1001's new queues reloaded")  # fmt: skip
    assert answered_by(center) == "1001"
    wait_state(center, "1001", "available")  # after its wrap-up, still signed in

    change(admin, ("agents", first, {"queues": ["support:1:1"]}),
           ("agents", second, {"queues": ["support:1:2"]}))  # fmt: skip
    eventually(lambda: center.live.get_agent("1001").get("queues") == "support",
               what="agent 1001's new tier reloaded")  # fmt: skip
    assert answered_by(center) == "1000"
    assert center.live.get_agent("1001")["state"] == "available"


def test_a_deactivated_agent_is_signed_out_and_never_offered_again(
    center: Center, admin: sessionmaker[Session]
) -> None:
    switch: Switch = center.switch
    for extension in ("1000", "1001"):
        switch.add_softphone(extension, answer_after=0.5, hangup_after=1.0)
    sign_in(center, "1000", "1001")
    with admin() as session:
        SERVICES["agents"].deactivate(session, agent_id(admin, "1001"), None)
        session.commit()
    wait_state(center, "1001", "logged_out")
    assert [answered_by(center) for _ in range(2)] == ["1000", "1000"]
