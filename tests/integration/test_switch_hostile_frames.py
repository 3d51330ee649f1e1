"""A switch that sends an unparseable frame: the engine logs it, drops the link, reconnects."""

from __future__ import annotations

import gevent
from structlog.testing import capture_logs

from callcenter.switch.supervisor import ReconnectingInbound
from tests.support.trace_replay import ReplayServer, load_trace, pause_step, raw_step

NESTED = b'{"A":' * 50000


def nested_event_json() -> bytes:
    """A text/event-json frame nested deep enough for RecursionError in a naive decoder."""
    head = f"Content-Length: {len(NESTED)}\nContent-Type: text/event-json\n\n"
    return head.encode() + NESTED


def test_nested_event_json_logs_a_protocol_error_and_reconnects() -> None:
    s01 = load_trace("S01-inbound")
    subscribe = [r for r in s01 if "event plain ALL" in r.raw or "listener enabled plain" in r.raw]

    def script(index: int):
        base = [*s01[:3], *subscribe[:2]]
        if index == 0:
            return [*base, raw_step(nested_event_json()), pause_step(30)]
        return [*base, pause_step(30)]

    server = ReplayServer(script).start()
    sup = ReconnectingInbound(
        "127.0.0.1",
        server.port,
        "ClueCon",
        event_format="plain",
        reconnect_min=0.05,
        reconnect_max=0.2,
        jitter=0,
    )
    try:
        with capture_logs() as logs:
            sup.start()
            with gevent.Timeout(10):
                while sup.connects < 2 or not sup.connected:
                    gevent.sleep(0.01)
        assert len(server.players) == 2  # the switch saw a second connection
        assert server.errors == []
        errors = [e for e in logs if e["log_level"] in ("error", "critical")]
        assert [e["event"] for e in errors] == ["esl protocol error; closing the connection"]
        assert "event-json" in errors[0]["error"]
        assert not any(e.get("exc_info") for e in logs)  # no unhandled exception anywhere
    finally:
        sup.stop()
        server.stop()
