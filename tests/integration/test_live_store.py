"""LiveStore against a real redis-server: hashes, pub/sub, command stream, errors."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import redis

from callcenter.live import LiveError, LiveStore, LiveUnavailable, Message

# A helper thread that outlives its test and fails there is a defect of that test.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")


def test_keys_are_namespaced_and_prefixes_do_not_mix(live: LiveStore, redis_url: str) -> None:
    other = LiveStore(redis_url, live.prefix + "-other")
    try:
        live.put_agent(1001, state="available", calls=3, ready=True, reason=None)
        other.put_agent(1001, state="logged_out")

        assert live.get_agent(1001) == {"state": "available", "calls": "3", "ready": "1"}
        assert other.get_agent(1001) == {"state": "logged_out"}
        raw = redis.Redis.from_url(redis_url, decode_responses=True)
        assert raw.hget(f"{live.prefix}:agent:1001", "state") == "available"
        raw.close()
    finally:
        other.close()


def test_hashes_update_delete_fields_and_list(live: LiveStore) -> None:
    live.put_call("uuid-1", state="queued", queue="sales")
    live.put_call("uuid-1", state="ringing", queue=None, agent="1001")
    live.put_call("uuid-2", state="ivr")
    live.put_queue("sales", waiting=2)

    assert live.get_call("uuid-1") == {"state": "ringing", "agent": "1001"}
    assert live.get_field("call", "uuid-1", "agent") == "1001"
    assert live.ids("call") == {"uuid-1", "uuid-2"}
    assert live.all("call") == {"uuid-1": live.get_call("uuid-1"), "uuid-2": {"state": "ivr"}}
    assert live.get_queue("sales") == {"waiting": "2"}

    live.remove("call", "uuid-1")
    assert live.get_call("uuid-1") == {}
    assert live.ids("call") == {"uuid-2"}


def test_published_json_message_is_delivered(live: LiveStore) -> None:
    with live.subscribe("desktop:1001", "wallboard") as subscription:
        assert live.publish("desktop:1001", {"type": "offer", "call": "uuid-1", "n": 1}) == 1
        assert live.publish("nobody-listens", {"x": 1}) == 0
        live.publish("wallboard", ["waiting", 3])

        first = subscription.get(timeout=2)
        second = subscription.get(timeout=2)
        assert first == Message("desktop:1001", {"type": "offer", "call": "uuid-1", "n": 1})
        assert second == Message("wallboard", ["waiting", 3])
        assert subscription.get(timeout=0.05) is None


def test_subscription_from_another_thread(live: LiveStore) -> None:
    got: list[Message] = []
    subscription = live.subscribe("events")

    def listen() -> None:
        for message in subscription:
            got.append(message)
            return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    live.publish("events", {"hello": "world"})
    thread.join(timeout=5)
    subscription.close()
    assert got == [Message("events", {"hello": "world"})]


def test_command_goes_to_one_consumer_of_a_group_and_is_acked(live: LiveStore) -> None:
    live.ensure_group("cmd:node1", "engine")
    live.ensure_group("cmd:node1", "engine")  # idempotent
    sent = live.send_command("cmd:node1", {"action": "hold", "call": "uuid-1"})

    first = live.read_commands("cmd:node1", "engine", "worker-a", block=1)
    assert [(c.id, c.data) for c in first] == [(sent, {"action": "hold", "call": "uuid-1"})]
    assert live.read_commands("cmd:node1", "engine", "worker-b", block=0.1) == []
    assert live.pending_count("cmd:node1", "engine") == 1

    assert live.ack("cmd:node1", "engine", first[0].id) == 1
    assert live.pending_count("cmd:node1", "engine") == 0
    assert live.ack("cmd:node1", "engine", first[0].id) == 0
    assert live.read_commands("cmd:node1", "engine", "worker-a", block=0.1) == []


def test_blocked_reader_wakes_on_new_command(live: LiveStore) -> None:
    live.ensure_group("cmd:node2", "engine")
    sender = threading.Timer(0.2, live.send_command, args=("cmd:node2", {"action": "barge"}))
    sender.start()
    start = time.monotonic()
    commands = live.read_commands("cmd:node2", "engine", "w", block=3)
    # The reader may wake before the sender has read Redis's reply to XADD; closing the store
    # under it would end that thread with LiveUnavailable during the next test.
    sender.join()
    assert [c.data for c in commands] == [{"action": "barge"}]
    assert time.monotonic() - start < 2


def test_unacked_command_can_be_reclaimed(live: LiveStore) -> None:
    live.ensure_group("cmd:node3", "engine")
    sent = live.send_command("cmd:node3", {"action": "transfer"})
    assert len(live.read_commands("cmd:node3", "engine", "crashed", block=0.5)) == 1
    time.sleep(0.05)
    taken = live.reclaim("cmd:node3", "engine", "survivor", min_idle=0.01)
    assert [(c.id, c.data) for c in taken] == [(sent, {"action": "transfer"})]
    assert live.ack("cmd:node3", "engine", sent) == 1


def test_group_start_zero_sees_earlier_commands(live: LiveStore) -> None:
    live.send_command("cmd:node4", {"n": 1})
    live.ensure_group("cmd:node4", "late", start="0")
    assert [c.data for c in live.read_commands("cmd:node4", "late", "w", block=None)] == [{"n": 1}]


def test_unreachable_redis_raises_a_clear_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = LiveStore(f"redis://:topsecret@127.0.0.1:{port}/0", "cc", connect_timeout=0.5)
    with pytest.raises(
        LiveUnavailable, match=rf"cannot reach Redis at redis://:\*\*\*@127.0.0.1:{port}/0"
    ) as info:
        store.ping()
    assert "topsecret" not in str(info.value)
    assert "redis.url" in str(info.value)
    with pytest.raises(LiveUnavailable):
        store.publish("x", {})
    with pytest.raises(LiveUnavailable):
        store.send_command("cmd", {})


def test_invalid_url_is_a_live_error() -> None:
    with pytest.raises(LiveError, match="invalid Redis URL"):
        LiveStore("http://127.0.0.1:6379", "cc")


def test_block_longer_than_socket_timeout_is_refused(redis_url: str) -> None:
    store = LiveStore(redis_url, "cc", socket_timeout=1.0)
    with pytest.raises(ValueError, match="shorter than socket_timeout"):
        store.read_commands("s", "g", "c", block=2)
    store.close()


def test_ping_measures_round_trip(live: LiveStore) -> None:
    assert 0 <= live.ping() < 1


def test_more_subscriptions_than_redis_py_default_pool(redis_url: str, redis_prefix: str) -> None:
    """Each desktop stream holds one pub/sub connection; 150 must all be served."""
    from callcenter.config import load_settings

    settings = load_settings(redis={"url": redis_url, "prefix": redis_prefix})
    store = LiveStore.from_settings(settings)
    subscriptions = [store.subscribe("wallboard") for _ in range(150)]
    try:
        assert store.publish("wallboard", {"n": 1}) == 150
        assert all(s.get(timeout=2).data == {"n": 1} for s in subscriptions)
    finally:
        for subscription in subscriptions:
            subscription.close()
        store.close()


def test_a_given_connection_class_carries_the_commands_and_tls_urls_keep_theirs(
    redis_url: str,
) -> None:
    class Counting(redis.Connection):
        connects = 0

        def _connect(self):  # noqa: ANN202
            Counting.connects += 1
            return super()._connect()

    store = LiveStore(redis_url, "cc", connection_class=Counting)
    try:
        store.put_agent(1001, state="available")
        assert store.get_agent(1001) == {"state": "available"}
        assert Counting.connects >= 1
    finally:
        store.close()
    tls = LiveStore("rediss://127.0.0.1:6390/0", "cc")  # no connection is made here
    assert tls.redis.connection_pool.connection_class is redis.SSLConnection


def test_a_subscription_skips_messages_it_does_not_want_before_decoding(live: LiveStore) -> None:
    looked_at: list[str] = []

    def wanted(text: str) -> bool:
        looked_at.append(text)
        return '"agent"' in text

    with live.subscribe("wallboard", wanted=wanted) as subscription:
        live.publish("wallboard", {"call": {"call_uuid": "c1", "agent_id": "1001"}})
        live.redis.publish(live.key("wallboard"), "not JSON, not wanted")  # never decoded
        live.publish("wallboard", {"agent": {"agent_id": "1001"}, "origin": "n2"})
        message = next(iter(subscription))
    assert message.data == {"agent": {"agent_id": "1001"}, "origin": "n2"}
    assert len(looked_at) == 3
