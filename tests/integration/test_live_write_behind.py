"""WriteBehind against a real redis-server: writes asked for while a greenlet runs reach Redis
together once it yields, in the order asked; a refused batch is reported to each writer."""

from __future__ import annotations

import gevent

from callcenter.live import LiveError, LiveStore
from callcenter.live.write_behind import WriteBehind


def settle(writes: WriteBehind) -> None:
    """Let the sending greenlet run until nothing waits (no clock involved)."""
    for _ in range(1000):
        gevent.sleep(0)
        if not writes.pending() and writes._sender is None:
            return
    raise AssertionError("the writes were never sent")


def test_writes_reach_redis_in_order_once_the_greenlet_yields(live: LiveStore) -> None:
    writes = WriteBehind(live)
    live.put_call("old", state="talking")
    with live.subscribe("wallboard") as subscription:
        fields = {"state": "queued", "queue": "sales"}
        writes.put("call", "c1", fields, publish={"wallboard": {"call": "c1"}})
        fields["state"] = "changed later"  # the write is what was asked, not the dict now
        writes.put("call", "c2", {"state": "ivr"})
        writes.remove("call", "c2")  # written, then removed: gone
        writes.remove("call", "old")
        writes.publish("wallboard", {"call": "c2", "state": "ended"})
        assert writes.pending() == 5
        assert live.get_call("c1") == {}  # nothing sent while this greenlet runs
        settle(writes)
        assert live.get_call("c1") == {"state": "queued", "queue": "sales"}
        assert live.get_call("c2") == {} and live.get_call("old") == {}
        assert live.ids("call") == {"c1"}
        received = [subscription.get(timeout=5.0) for _ in range(2)]
    assert [m.data for m in received if m is not None] == [
        {"call": "c1"},
        {"call": "c2", "state": "ended"},
    ]


def test_flush_sends_at_once(live: LiveStore) -> None:
    writes = WriteBehind(live)
    writes.put("open-record", "c1", {"data": "{}"})
    writes.flush()
    assert live.get_field("open-record", "c1", "data") == "{}"
    assert writes.pending() == 0


def test_a_refused_batch_is_reported_to_each_writer(redis_url: str) -> None:
    gone = LiveStore("redis://127.0.0.1:1/0", "t", connect_timeout=0.5)
    writes = WriteBehind(gone)
    failures: list[tuple[str, LiveError]] = []
    writes.put("call", "c1", {"state": "ivr"}, failed=lambda e: failures.append(("c1", e)))
    writes.remove("call", "c2", failed=lambda e: failures.append(("c2", e)))
    writes.put("call", "c3", {"state": "ivr"})  # nobody to tell: logged only
    writes.flush()
    assert [name for name, _error in failures] == ["c1", "c2"]
    assert "cannot reach Redis" in str(failures[0][1])
    assert writes.pending() == 0


def test_a_write_for_an_id_already_indexed_leaves_the_index_alone(live: LiveStore) -> None:
    writes = WriteBehind(live)
    message = {"call": {"call_uuid": "c1", "state": "queued"}}
    with live.subscribe("wallboard", "agent:1001") as subscription:
        writes.put("call", "c1", {"state": "ivr"})
        writes.put(
            "call", "c1", {"state": "queued"}, index=False,
            publish={"wallboard": message, "agent:1001": message},
        )  # fmt: skip
        writes.put("call", "c2", {"state": "ivr"}, index=False)  # the caller said so
        writes.flush()
        received = [subscription.get(timeout=5.0) for _ in range(2)]
    assert live.get_call("c1") == {"state": "queued"} and live.get_call("c2") == {"state": "ivr"}
    assert live.ids("call") == {"c1"}
    assert [(m.channel, m.data) for m in received if m is not None] == [
        ("wallboard", message),
        ("agent:1001", message),
    ]


def test_put_latest_sends_one_write_with_the_newest_value(live: LiveStore) -> None:
    writes = WriteBehind(live)
    record = {"events": 1}
    for events in (2, 3):  # the call's next events before the batch goes
        record["events"] = events
        writes.put_latest("open-record", "c1", lambda: {"data": str(record["events"])})
    assert writes.pending() == 1
    writes.flush()
    assert live.get_field("open-record", "c1", "data") == "3"
    writes.put_latest("open-record", "c1", lambda: {"data": "4"}, index=False)
    writes.remove("open-record", "c1")  # the call ended: written, then removed
    writes.put_latest("open-record", "c1", lambda: {"data": "5"})  # after the removal
    assert writes.pending() == 3
    writes.flush()
    assert live.get_field("open-record", "c1", "data") == "5"
    assert live.ids("open-record") == {"c1"}
