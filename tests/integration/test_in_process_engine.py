"""The in-process engine fixture (tests/support/in_process.py) itself: it carries a call in the
test's own gevent hub, and once the center is closed nothing of it keeps running into the next
test."""

from __future__ import annotations

import gc
from pathlib import Path

import gevent

from callcenter.live.names import ENGINE_STATUS
from tests.support.calls import eventually, sign_in
from tests.support.center import Center
from tests.support.cti import queue_call


def running_greenlets() -> set[gevent.Greenlet]:
    """Every spawned greenlet that has not ended (the hub itself is no spawned greenlet)."""
    return {g for g in gc.get_objects() if isinstance(g, gevent.Greenlet) and not g.dead}


def test_a_closed_in_process_center_leaves_no_greenlet_running(
    tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> None:
    before = running_greenlets()
    with Center(
        tmp_path, db_url, redis_url, redis_prefix, hotline="shipped", in_process=True
    ) as center:
        assert center.live.get(ENGINE_STATUS, "node1")["state"] == "running"
        center.switch.add_softphone("1000", answer_after=0.5)
        sign_in(center, "1000")
        caller = queue_call(center)  # talking when the center closes
        assert not caller.ended.is_set()
    eventually(lambda: not (running_greenlets() - before), what="every greenlet ended")
    gevent.sleep(0.2)
    assert not running_greenlets() - before
