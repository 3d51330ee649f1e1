"""InboundConnection and ReconnectingInbound against replayed FreeSWITCH streams."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import gevent
import gevent.event
import pytest

from callcenter.switch import commands as c
from callcenter.switch.errors import AuthFailed, CommandFailed, CommandTimeout, NotConnected
from callcenter.switch.handlers import ALL, DISCONNECT_NOTICE
from callcenter.switch.inbound import InboundConnection
from callcenter.switch.registry import ChannelRegistry
from callcenter.switch.supervisor import ReconnectingInbound, backoff_delays
from tests.support.trace_replay import (
    Record,
    ReplayServer,
    close_step,
    load_trace,
    pause_step,
    raw_step,
    until,
)

ZERO = "00000000-0000-0000-0000-000000000000"


@contextmanager
def replaying(script, **kwargs) -> Iterator[ReplayServer]:
    server = ReplayServer(script, **kwargs).start()
    try:
        yield server
    finally:
        server.stop()


def connect(server: ReplayServer, **kwargs) -> InboundConnection:
    return InboundConnection("127.0.0.1", server.port, "ClueCon", **kwargs).connect()


def handshake() -> list[Record]:
    """auth/request, auth, +OK accepted (S01)."""
    return load_trace("S01-inbound")[:3]


def s01_prefix(last_send: str) -> list[Record]:
    return until(load_trace("S01-inbound"), lambda r: r.dir == "send" and last_send in r.raw)


# -- auth ---------------------------------------------------------------------------------------


def test_auth_and_api_status() -> None:
    script = [*s01_prefix("api status"), load_trace("S01-inbound")[4]]
    with replaying(script) as server:
        conn = connect(server)
        assert conn.connected
        assert conn.api("status").startswith("UP 0 years")
        conn.close()
        assert server.errors == []


def test_wrong_password_raises_auth_failed() -> None:
    with replaying(load_trace("S01-inbound-badauth")) as server:
        conn = InboundConnection("127.0.0.1", server.port, "WrongPassword")
        with pytest.raises(AuthFailed, match="password") as info:
            conn.connect()
        assert "-ERR invalid" in str(info.value)
        assert not conn.connected
        assert server.players[0].received[0].line == "auth WrongPassword"


def test_acl_rejection_raises_auth_failed() -> None:
    rude = b"Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n"
    with replaying([raw_step(rude), close_step()]) as server:
        with pytest.raises(AuthFailed, match="refused the connection"):
            connect(server)


def test_silent_port_raises_not_connected() -> None:
    with replaying([pause_step(5)]) as server:
        with pytest.raises(NotConnected, match="no auth/request"):
            connect(server, connect_timeout=0.2)


def test_nothing_listening_raises_not_connected() -> None:
    server = ReplayServer([]).start()
    port = server.port
    server.stop()
    with pytest.raises(NotConnected, match="cannot connect"):
        InboundConnection("127.0.0.1", port, "x", connect_timeout=1).connect()


# -- the whole of S01: api, errors, bgapi, event formats, filters --------------------------------


def test_s01_api_bgapi_events_and_filters() -> None:
    u1 = "a4e1648a-aed0-4d6b-bbb3-1ed0fb3b6d8f"
    u2 = "075d3a6e-f74c-420e-9044-d95f0fd6ba4e"
    with replaying(load_trace("S01-inbound")) as server:
        conn = connect(server)
        creates = []
        conn.on("CHANNEL_CREATE", creates.append)
        slim = []  # a handler that reads only these: its queued events keep only them
        conn.on("CHANNEL_CREATE", slim.append, headers=("Event-Name", "Unique-ID", "Absent"))
        assert conn.api("status").startswith("UP 0 years")
        assert c.parse_show_json(conn.api(c.show_channels())) == []
        with pytest.raises(CommandFailed) as info:
            conn.api("no_such_command arg1")
        assert info.value.reply == "-ERR no_such_command Command not found!"
        for command in (c.uuid_kill(ZERO), c.uuid_getvar(ZERO, "uuid")):
            with pytest.raises(CommandFailed, match="No such channel"):
                conn.api(command)
        with pytest.raises(CommandFailed, match="-USAGE: <uuid> <other_uuid>"):
            conn.api("uuid_bridge")
        with pytest.raises(CommandFailed, match="command not found"):
            conn.command("no_such_esl_command")
        with pytest.raises(CommandFailed, match="invalid session id"):
            conn.sendmsg(ZERO, "playback", "tone_stream://%(100,0,440)")
        unsubscribed = conn.bgapi("status")  # not subscribed: its job never comes (S01)

        conn.subscribe("ALL", fmt="plain")
        assert conn.bgapi("status").get(timeout=5).startswith("UP 0 years")
        mine = conn.bgapi("status", job_uuid="6c80fd33-1625-419e-b0ed-764bd8478e21")
        assert mine.get(timeout=5).startswith("UP 0 years")
        assert mine.event is not None and mine.event.job_uuid == mine.job_uuid
        failing = conn.bgapi("no_such_command")
        with pytest.raises(CommandFailed) as info:
            failing.get(timeout=5)
        assert info.value.reply == "-ERR no_such_command Command not found!"
        assert not unsubscribed.ready()

        conn.unsubscribe_all()
        conn.subscribe("CHANNEL_CREATE", fmt="json")
        originate = c.originate("loopback/9196/public", variables={"origination_uuid": u1})
        assert conn.api(originate) == f"+OK {u1}\n"
        conn.subscribe("ALL", fmt="json")
        assert conn.api(c.uuid_kill(u1)) == "+OK\n"
        job = conn.bgapi("status")
        assert job.get(timeout=5).startswith("UP 0 years")
        assert job.event is not None and job.event.content_type == "text/event-json"
        assert {e.uuid for e in creates} >= {u1}
        assert all(e.content_type == "text/event-json" for e in creates)
        assert [e.uuid for e in slim] == [e.uuid for e in creates]
        assert all(set(e.headers) == {"Event-Name", "Unique-ID"} for e in slim)
        assert all(len(e.headers) > 50 for e in creates)  # the other handler's are whole

        conn.subscribe("ALL", fmt="plain")
        conn.filter("Unique-ID", u2)
        leg = c.originate("loopback/9196/public", variables={"origination_uuid": u2})
        filtered = conn.bgapi(leg)
        assert conn.api(c.uuid_kill(u2)) == "+OK\n"
        conn.filter_delete("Unique-ID", u2)
        conn.filter_delete("all")
        conn.unsubscribe_all()
        assert not filtered.ready()  # a Unique-ID filter hides BACKGROUND_JOB too (S01)
        conn.exit()
        with pytest.raises(NotConnected):  # jobs still open fail when the connection ends
            filtered.get(timeout=1)
        assert server.errors == []
        assert server.players[0].finished
        sent = server.players[0].received
        assert all("Job-UUID" in cmd.headers for cmd in sent if cmd.verb == "bgapi")


def test_s00_custom_subclass_handlers_and_sofia_contact() -> None:
    with replaying(load_trace("S00-inbound")) as server:
        conn = connect(server)
        registered, attempts, custom = [], [], []
        conn.on("sofia::register", registered.append)
        conn.on("CUSTOM sofia::register_attempt", attempts.append)
        conn.on("CUSTOM", custom.append)
        conn.subscribe("ALL", fmt="plain")
        assert conn.api(c.sofia_contact("1000", "127.0.0.1")) == (
            "sofia/internal/sip:1000@127.0.0.1:5081"
        )
        # Not registered is a plain body, not -ERR (S00); the caller decides.
        assert conn.api(c.sofia_contact("1019", "127.0.0.1")) == "error/user_not_registered"
        rows = c.parse_show_json(conn.api("show registrations as json"))
        assert {row["reg_user"] for row in rows} == {"1000", "1001", "1002", "1003"}
        conn.exit()
        with gevent.Timeout(5):
            while len(registered) < 4:
                gevent.sleep(0.01)
        assert {e["from-user"] for e in registered} == {"1000", "1001", "1002", "1003"}
        assert len(attempts) >= 4 and all(e.subclass == "sofia::register_attempt" for e in attempts)
        assert len(custom) >= 12 and all(e.name == "CUSTOM" for e in custom)
        assert server.errors == []


def test_s04_agent_failures() -> None:
    with replaying(load_trace("S04-inbound")) as server:
        conn = connect(server)
        conn.subscribe("ALL", fmt="plain")
        trace = load_trace("S04-inbound")
        sends = [r.raw.split(" ", 1)[1].strip() for r in trace if "originate" in r.raw[:20]]
        no_answer = conn.bgapi(sends[0])
        with pytest.raises(CommandFailed, match="NO_ANSWER") as info:
            no_answer.get(timeout=5)
        assert no_answer.output == "-ERR NO_ANSWER\n" and info.value.reply == "-ERR NO_ANSWER"
        with pytest.raises(CommandFailed, match="USER_BUSY"):
            conn.api(sends[1])
        with pytest.raises(CommandFailed, match="CALL_REJECTED"):
            conn.bgapi(sends[2]).get(timeout=5)
        with pytest.raises(CommandFailed, match="USER_NOT_REGISTERED"):
            conn.api(sends[3])
        unregistered = conn.bgapi(sends[4])
        absent = conn.bgapi(sends[5])
        with pytest.raises(CommandFailed, match="USER_NOT_REGISTERED"):
            unregistered.get(timeout=5)
        with pytest.raises(CommandFailed, match="SUBSCRIBER_ABSENT"):
            absent.get(timeout=5)
        conn.exit()
        assert server.errors == []


def test_s03_engine_side_with_registry() -> None:
    caller, agent = "6504b07d-32dd-4917-ba5f-85a06a5464db", "fd669dca-feb0-4148-ab4c-89685485a4ad"
    with replaying(load_trace("S03-inbound")) as server:
        conn = connect(server)
        registry = ChannelRegistry()
        registry.attach(conn)
        conn.subscribe("ALL", fmt="plain")
        job = conn.bgapi(
            c.originate(
                c.user_endpoint("1000", "127.0.0.1"),
                variables={
                    "origination_uuid": agent,
                    "origination_caller_id_number": "13800138000",
                    "ignore_early_media": True,
                    "call_timeout": 15,
                },
            )
        )
        assert job.get(timeout=5) == f"+OK {agent}\n"
        assert conn.api(c.uuid_break(caller)) == "+OK\n"
        assert conn.api(c.uuid_setvar(caller, "RECORD_STEREO", True)) == "+OK\n"
        assert conn.api(c.uuid_record(caller, "start", "/tmp/trace-rec.wav")).startswith("+OK")
        assert conn.api(c.uuid_bridge(caller, agent)) == f"+OK {agent}\n"
        rows = c.parse_show_json(conn.api(c.show_channels()))
        assert {row["uuid"] for row in rows} == {caller, agent}
        conn.api(c.show_calls())
        late = c.parse_show_json(conn.api(c.show_calls()))
        assert late[0]["b_uuid"] == agent
        conn.api(c.uuid_record(caller, "stop", "/tmp/trace-rec.wav"))
        conn.exit()
        with gevent.Timeout(5):
            while registry.get(caller) is not None or registry.get(agent) is not None:
                gevent.sleep(0.01)
        assert server.errors == []


# -- bad input ----------------------------------------------------------------------------------


def script_then(*steps: Record) -> list[Record]:
    """Handshake, the client's ``api status``, then ``steps``."""
    return [*s01_prefix("api status"), *steps]


def test_truncated_frame_then_close_fails_the_pending_command() -> None:
    truncated = b"Content-Type: api/response\nContent-Length: 500\n\nUP 0 years, 0 d"
    with replaying(script_then(raw_step(truncated), close_step())) as server:
        conn = connect(server, command_timeout=30)
        with gevent.Timeout(5), pytest.raises(NotConnected, match="middle of a frame"):
            conn.api("status")
        assert not conn.connected
        with pytest.raises(NotConnected):
            conn.api("status")


@pytest.mark.parametrize(
    "garbage",
    [b"\x00\x01\x02 garbage without any colon\n\n", b"Content-Length: lots\n\nxyz"],
)
def test_garbage_closes_the_connection_cleanly(garbage: bytes) -> None:
    with replaying(script_then(raw_step(garbage), pause_step(10))) as server:
        conn = connect(server, command_timeout=30)
        closed = []
        conn.on_close(closed.append)
        with gevent.Timeout(5), pytest.raises(NotConnected, match="protocol error"):
            conn.api("status")
        gevent.sleep(0)
        assert closed and "protocol error" in str(closed[0])


def test_freeswitch_vanishing_mid_command_fails_every_pending_command() -> None:
    second = load_trace("S01-inbound")[5]  # the client's next command: api show channels
    with replaying(script_then(second, close_step())) as server:
        conn = connect(server, command_timeout=30)
        first = gevent.spawn(conn.api, "status")
        other = gevent.spawn(conn.api, c.show_channels())
        with gevent.Timeout(5):
            gevent.joinall([first, other])
        assert isinstance(first.exception, NotConnected)
        assert isinstance(other.exception, NotConnected)
        assert "closed the connection" in str(first.exception)


def test_late_reply_after_a_timeout_keeps_replies_in_order() -> None:
    records = load_trace("S01-inbound")
    status_reply, channels_send, channels_reply = records[4], records[5], records[6]
    script = script_then(pause_step(0.3), status_reply, channels_send, channels_reply)
    with replaying(script) as server:
        conn = connect(server)
        with pytest.raises(CommandTimeout):
            conn.api("status", timeout=0.05)
        # The late status reply goes to the abandoned slot, not to this command.
        assert conn.api(c.show_channels(), timeout=5) == '{"row_count": 0}\n'
        assert server.errors == []


def test_slow_or_raising_handlers_do_not_block_others_or_the_reader() -> None:
    records = load_trace("S03-inbound")
    cut = next(i for i, r in enumerate(records) if r.dir == "send" and "uuid_break" in r.raw)
    reply = until(records[cut:], lambda r: r.raw.startswith("Content-Type: api/response"))
    script = [*records[:cut], *reply, pause_step(30)]  # up to the reply of api uuid_break
    n_events = sum(1 for r in script if r.dir == "recv" and "text/event-" in r.raw[:80])
    with replaying(script, time_scale=0.001) as server:
        conn = connect(server)
        seen: list[str] = []
        slow_started = gevent.event.Event()

        def slow(_event) -> None:
            slow_started.set()
            gevent.sleep(60)

        def boom(_event) -> None:
            raise RuntimeError("handler bug")

        conn.on("CHANNEL_STATE", slow)
        conn.on(ALL, boom)
        conn.on("CHANNEL_EXECUTE", slow, concurrent=True)
        conn.on(ALL, lambda event: seen.append(event.name))
        conn.subscribe("ALL", fmt="plain")
        originate = next(r.raw for r in script if r.raw.startswith("bgapi originate"))
        job = conn.bgapi(originate.removeprefix("bgapi ").strip())
        assert job.get(timeout=10).startswith("+OK")
        caller = records[cut].raw.split()[2]
        assert conn.api(c.uuid_break(caller), timeout=10) == "+OK\n"  # the reader is free
        with gevent.Timeout(10):
            while len(seen) < n_events:
                gevent.sleep(0.01)
        assert slow_started.is_set()
        assert conn.connected and server.errors == []
        conn.close()


def test_disconnect_notice_reaches_notice_handlers() -> None:
    with replaying(load_trace("S01-inbound-badauth")) as server:
        conn = InboundConnection("127.0.0.1", server.port, "bad")
        notices = []
        conn.on(DISCONNECT_NOTICE, notices.append)
        with pytest.raises(AuthFailed):
            conn.connect()
        with gevent.Timeout(5):
            while not notices:
                gevent.sleep(0.01)
        assert notices[0].disposition == "" and "goodbye" in notices[0].text


# -- reconnect ----------------------------------------------------------------------------------


def test_backoff_doubles_up_to_the_maximum() -> None:
    delays = backoff_delays(0.5, 30)
    assert [next(delays) for _ in range(9)] == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]


def test_reconnects_with_backoff_resubscribes_and_resyncs() -> None:
    s01, s03 = load_trace("S01-inbound"), load_trace("S03-inbound")
    subscribe = [r for r in s01 if "event plain ALL" in r.raw or "listener enabled plain" in r.raw]
    show = until(s03, lambda r: r.dir == "send" and "show channels" in r.raw)[-1:]
    show_reply = s03[s03.index(show[0]) + 1]
    status = s01_prefix("api status")[-1:]

    def script(index: int) -> list[Record]:
        base = [*handshake(), *subscribe[:2], show[0], show_reply]
        if index == 0:
            return [*base, *status, pause_step(30)]  # api status never answered
        return [*base, pause_step(30)]

    with replaying(script) as server:
        port = server.port
        resyncs: list[int] = []
        registry = ChannelRegistry()

        def on_resync(conn: InboundConnection) -> None:
            registry.resync(c.parse_show_json(conn.api(c.show_channels())))
            resyncs.append(len(registry))

        sup = ReconnectingInbound(
            "127.0.0.1",
            port,
            "ClueCon",
            event_format="plain",
            on_resync=on_resync,
            reconnect_min=0.05,
            reconnect_max=0.2,
            jitter=0,
        )
        registry.attach(sup)
        sup.start()
        try:
            assert sup.wait_connected(5)
            assert resyncs == [2]
            pending = gevent.spawn(sup.api, "status")
            gevent.sleep(0.05)
            server.stop()  # FreeSWITCH goes away with a command in flight
            with gevent.Timeout(5):
                pending.join()
            assert isinstance(pending.exception, NotConnected)
            with gevent.Timeout(5):
                while sup.connected:
                    gevent.sleep(0.01)
            with pytest.raises(NotConnected):
                sup.api("status")  # no queueing while down
            gevent.sleep(0.4)  # a few refused attempts, backing off
            server.start()
            assert server.port == port
            with gevent.Timeout(5):
                while len(resyncs) < 2:
                    gevent.sleep(0.01)
            assert sup.connects == 2 and resyncs == [2, 2]
            assert server.errors == []
            assert [cmd.line for cmd in server.players[1].received][:2] == [
                "auth ClueCon",
                "event plain ALL",
            ]
        finally:
            sup.stop()
