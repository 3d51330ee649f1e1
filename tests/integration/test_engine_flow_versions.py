"""Flows served from the database (ivr.source: database) on live calls: the real engine
process, the simulator, Redis and SQLite.

The flow folder is imported on the engine's first start; publishing version 2 while a caller
waits on version 1's menu leaves that caller on version 1 and gives the next caller version 2;
an invalid version cannot be published and the next caller still gets the last published one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from callcenter.flows.errors import PublishRefused
from callcenter.flows.publish import publish
from callcenter.flows.versions import list_flows, list_versions, save_version
from callcenter.sim import wait_for
from callcenter.sim.endpoints import Caller
from callcenter.store import models
from callcenter.store.session import session_scope
from tests.support.calls import call_rows, eventually
from tests.support.center import Center

FLOW = """
name: main
start: menu
nodes:
  menu:
    type: menu
    prompt: "say:Version {n}. Press 1."
    choices:
      1: goodbye
    timeout: 60
  goodbye:
    type: play
    prompt: "say:Goodbye from version {n}."
    next: bye
  bye:
    type: hangup
"""
BROKEN = FLOW.format(n="three").replace("next: bye", "next: nowhere")


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
        agents=(),
        flows={"main": FLOW.format(n="one")},
        env={"IVR__SOURCE": "database", "IVR__RELOAD_INTERVAL": "0"},
    ) as built:
        yield built


def spoken(caller: Caller) -> list[str]:
    """The text of every TTS prompt the caller heard."""
    return [
        (e.get("Application-Data") or "").split("|", 2)[2]
        for e in caller.events
        if e.name == "CHANNEL_EXECUTE" and e.get("Application") == "speak"
    ]


def at_menu(center: Center, number: str) -> Caller:
    """A caller on 5000 who has reached the menu (the switch waits for a key)."""
    caller = center.switch.place_call(
        number, "5000", [wait_for("CHANNEL_EXECUTE", Application="play_and_get_digits")]
    )
    eventually(
        lambda: any(e.get("Application") == "play_and_get_digits" for e in caller.events),
        timeout=30,
        what="caller at the menu",
    )
    return caller


def finish(center: Center, caller: Caller) -> list[str]:
    """Press 1 on the menu; the texts the caller heard once the call has ended."""
    caller.send_dtmf("1")
    eventually(lambda: caller.ended.is_set(), timeout=30, what="call ended")
    return spoken(caller)


def test_publish_while_a_caller_is_inside_the_old_version(center: Center) -> None:
    with session_scope(center.db_url) as session:  # imported on the engine's first start
        assert [(f["name"], f["published"]) for f in list_flows(session)] == [("main", 1)]
        (first,) = list_versions(session, "main")
        assert (first.author, first.comment) == ("system", "imported from main.yaml")

    early = at_menu(center, "13800000001")
    with session_scope(center.db_url) as session:
        save_version(session, "main", FLOW.format(n="two"), author="ann", comment="v2")
        publish(session, "main", 2, actor="ann")

    later = at_menu(center, "13800000002")
    assert finish(center, later) == ["Version two. Press 1.", "Goodbye from version two."]
    assert finish(center, early) == ["Version one. Press 1.", "Goodbye from version one."]

    with session_scope(center.db_url) as session:
        draft = save_version(session, "main", BROKEN, author="ann", comment="broken")
        assert draft.problems and not draft.version.valid
        with pytest.raises(PublishRefused):
            publish(session, "main", 3, actor="ann")
    third = at_menu(center, "13800000003")
    assert finish(center, third) == ["Version two. Press 1.", "Goodbye from version two."]
    rows = eventually(lambda: len(rows := call_rows(center.db_url)) == 3 and rows, what="records")
    assert [[step["node"] for step in row.ivr_path] for row in rows] == [
        ["menu", "goodbye", "bye"]
    ] * 3
    with session_scope(center.db_url) as session:
        assert session.query(models.IvrFlow).one().published == 2
