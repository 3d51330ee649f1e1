"""The queue wallboard with real calls: the engine on the FreeSWITCH simulator writes the
records and the live state; the console's /api/wallboard/queues shows a waiting caller, then
one answered and one abandoned call in today's figures and the abandoned caller in the list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.calls import call_rows, eventually, sign_in
from tests.support.center import RINGING, Center
from tests.support.flows import PLAIN_QUEUE_FLOW
from tests.support.login import make_app, signed_in


@pytest.fixture
def center(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> Iterator[Center]:
    with Center(
        tmp_path, db_url, redis_url, redis_prefix, env=RINGING,
        flows={"plain": PLAIN_QUEUE_FLOW}, numbers={"5000": "plain"}, default_flow="plain",
    ) as built:  # fmt: skip
        yield built


def support_tile(client: FlaskClient) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The support queue's tile and the abandoned callers, from the console's JSON."""
    body = client.get("/api/wallboard/queues").get_json()
    (tile,) = [q for q in body["queues"] if q["queue"] == "support"]
    return tile, body["abandoned"]


def test_an_answered_and_an_abandoned_call_reach_the_queue_board(
    center: Center, db_url: str, redis_url: str, redis_prefix: str
) -> None:
    sup = signed_in(make_app(db_url, redis_url, redis_prefix), "sup")
    switch = center.switch

    # no agent signed in: the caller waits in line (live, from Redis), then gives up
    leaver = switch.place_call("13800000001", "5000", [])
    waiting = eventually(
        lambda: (t := support_tile(sup)[0])["waiting"] == 1 and t, what="a caller waiting"
    )
    assert "no_agents" in waiting["alerts"]
    leaver.hangup()
    eventually(lambda: leaver.ended.is_set(), timeout=20, what="the caller gave up")
    eventually(lambda: call_rows(db_url), what="the abandoned call's record")

    switch.add_softphone("1000", answer_after=1.0, hangup_after=2.0)
    sign_in(center, "1000")
    caller = switch.place_call("13800000002", "5000", [], hangup_after=30.0)
    eventually(lambda: caller.ended.is_set(), timeout=30, what="the answered call ended")
    eventually(lambda: len(call_rows(db_url)) == 2, what="the answered call's record")

    tile, abandoned = eventually(
        lambda: (found := support_tile(sup))[0]["today"]["offered"] == 2 and found,
        what="both calls in today's figures",
    )
    today = tile["today"]
    assert (today["answered"], today["abandoned"]) == (1, 1)
    assert today["asa"] is not None and today["aht"] is not None
    assert tile["waiting"] == 0
    assert tile["agents"]["available"] + tile["agents"]["wrap_up"] == 1
    assert [row["caller_number"] for row in abandoned] == ["13800000001"]
