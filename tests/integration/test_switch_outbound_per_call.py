"""What an outbound session keeps per call: inline handlers, end callbacks, short look-backs.

At thousands of concurrent calls every parked greenlet and every remembered event is memory
per call, so a waiting caller's key and end handlers run on the session's reader (no greenlet
each), the reader itself is the event loop's callback (no greenlet parked in ``recv``), and
the events kept for ``include_past`` look-backs are forgotten after a few seconds.
The call itself must work exactly as before (S02: answer, playback, digits, hangup).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import gevent
import gevent.event
import greenlet
import pytest
from gevent import socket

from callcenter.switch import commands as c
from callcenter.switch import session as session_module
from callcenter.switch.errors import CommandTimeout
from callcenter.switch.outbound import OutboundServer, OutboundSession
from callcenter.switch.protocol import Event
from tests.support.trace_replay import Player, load_trace, play_outbound

ANSWER = "answer"


@contextmanager
def serving(handler: Callable[[OutboundSession], object]) -> Iterator[OutboundServer]:
    server = OutboundServer(handler, "127.0.0.1", 0, linger=True).start()
    try:
        yield server
    finally:
        server.stop()


def play_s02(server: OutboundServer) -> Player:
    player, greenlet = play_outbound(load_trace("S02-outbound"), server.address)
    with gevent.Timeout(10):
        greenlet.get()
        while server.sessions:
            gevent.sleep(0.01)
    return player


def s02_rest(session: OutboundSession, results: dict) -> None:
    """The rest of the S02 call after the answer (the commands the trace expects)."""
    session.playback("tone_stream://%(500,500,440);loops=2")
    results["digits"] = session.play_and_get_digits(
        "tone_stream://%(1000,0,350,440)", var_name="ivr_choice", regexp=r"\d",
        digit_timeout_ms=2000,
    )  # fmt: skip
    results["keys_when_digits_returned"] = list(results["keys"])
    session.execute("set", f"ivr_last_choice={results['digits']}")
    session.api(c.uuid_getvar(session.uuid, "ivr_last_choice"))
    session.wait_gone(timeout=5)


def test_inline_key_handler_end_callback_and_slim_channel_carry_the_call_as_before() -> None:
    results: dict = {"keys": [], "ends": [], "cancelled": []}

    def handler(session: OutboundSession) -> None:
        session.on("DTMF", lambda event: results["keys"].append(event["DTMF-Digit"]),
                   inline=True)  # fmt: skip
        session.when_gone(lambda: results["ends"].append(session.gone))
        cancel = session.when_gone(lambda: results["cancelled"].append(True))
        cancel()
        results["socket_host"] = session.variables.get("socket_host")
        session.forget_channel_data()  # what a handler that has read the channel does
        results["identity"] = (session.uuid, session.caller_number, session.destination_number)
        results["variables_left"] = dict(session.variables)
        session.answer()
        s02_rest(session, results)
        session.when_gone(lambda: results["ends"].append("after"))  # gone already: at once

    with serving(handler) as server:
        player = play_s02(server)
    assert player.errors == [] and player.finished
    assert results["digits"] == "1"
    # run by the reader itself: the key is in before the digits' completion is handed over
    assert results["keys_when_digits_returned"] == ["1"]
    assert results["ends"] == [True, "after"]
    assert results["cancelled"] == []
    assert results["socket_host"] == "127.0.0.1"
    uuid = "1735db6c-4d23-4d3f-a3f1-f07cb5ef11dc"
    assert results["identity"] == (uuid, "13800138000", "5000")  # kept for the whole call
    assert results["variables_left"] == {}


def test_a_look_back_finds_a_just_passed_event_but_not_one_older_than_the_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(session_module, "RECENT_SECONDS", 0.3)
    results: dict = {"keys": []}

    def is_answer(event) -> bool:
        return event.get("Application") == ANSWER

    def handler(session: OutboundSession) -> None:
        session.answer()
        found = session.wait_event(
            "CHANNEL_EXECUTE_COMPLETE", predicate=is_answer, include_past=True, timeout=1
        )
        results["just_passed"] = found["Application"]
        gevent.sleep(0.5)
        session.forget_past()
        try:
            session.wait_event(
                "CHANNEL_EXECUTE_COMPLETE", predicate=is_answer, include_past=True, timeout=0.2
            )
            results["old"] = "found"
        except CommandTimeout:
            results["old"] = "forgotten"
        s02_rest(session, results)

    with serving(handler) as server:
        player = play_s02(server)
    assert player.errors == [] and player.finished
    assert results["just_passed"] == ANSWER
    assert results["old"] == "forgotten"
    assert results["digits"] == "1"


def test_a_finished_session_keeps_no_event_of_its_call_but_the_hang_up_cause() -> None:
    sessions: list[OutboundSession] = []

    def handler(session: OutboundSession) -> None:
        sessions.append(session)
        session.answer()
        s02_rest(session, {"keys": []})

    with serving(handler) as server:
        player = play_s02(server)
    assert player.errors == [] and player.finished
    (session,) = sessions
    assert session.hangup_event is not None
    assert session.hangup_event["Hangup-Cause"] == "NORMAL_CLEARING"
    assert len(session.hangup_event.headers) == 3  # name, uuid and cause: not the channel
    gc.collect()
    whole = [  # events of this call still holding the whole channel (~150 headers each)
        obj for obj in gc.get_objects()
        if isinstance(obj, Event) and obj.uuid == session.uuid and len(obj.headers) > 10
    ]  # fmt: skip
    assert whole == []


def test_after_the_hang_up_a_session_keeps_only_the_headers_its_handler_reads() -> None:
    kept = ("Event-Name", "Unique-ID", "Hangup-Cause")
    results: dict = {}

    def handler(session: OutboundSession) -> None:
        session.answer()
        s02_rest(session, {"keys": []})  # ends waiting for the caller to hang up
        gevent.sleep(0.3)  # the last events come in meanwhile
        complete = session.wait_event("CHANNEL_HANGUP_COMPLETE", even_if_gone=True, timeout=5)
        results["complete"] = dict(complete.headers)
        results["hangup"] = dict(session.hangup_event.headers)  # type: ignore[union-attr]

    server = OutboundServer(handler, "127.0.0.1", 0, linger=True, after_hangup_headers=kept)
    server.start()
    try:
        player = play_s02(server)
    finally:
        server.stop()
    assert player.errors == [] and player.finished
    assert results["complete"]["Hangup-Cause"] == "NORMAL_CLEARING"
    assert set(results["complete"]) == set(kept)
    assert results["hangup"]["Event-Name"] == "CHANNEL_HANGUP" and set(results["hangup"]) == set(
        kept
    )


def _live_greenlets() -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, greenlet.greenlet) and not obj.dead)


def _switch_side(address: tuple[str, int], number: int) -> socket.socket:
    """FreeSWITCH's side of one call, as far as the session set-up: ``connect`` (the
    channel), ``myevents`` and ``linger`` each get their reply; the socket then stays open."""
    sock = socket.create_connection(address)
    for _command in ("connect", "myevents", "linger"):
        received = b""
        while not received.endswith(b"\n\n"):
            received += sock.recv(4096)
        extra = f"Unique-ID: call-{number}\n" if received.startswith(b"connect") else ""
        sock.sendall(f"Content-Type: command/reply\nReply-Text: +OK\n{extra}\n".encode())
    return sock


def test_a_waiting_call_parks_one_greenlet_and_its_socket_is_still_read() -> None:
    """Per waiting call only the handler's greenlet is parked; a frame that arrives while it
    waits still reaches it, and the switch closing the socket still ends the call."""
    calls = 20
    started: list[OutboundSession] = []
    outcomes: list[str] = []
    all_started = gevent.event.Event()

    def handler(session: OutboundSession) -> None:
        started.append(session)
        if len(started) == calls:
            all_started.set()
        event = session.wait_event("CUSTOM", timeout=10)
        outcomes.append(event["Event-Subclass"])
        session.wait_gone(timeout=10)
        outcomes.append("gone")

    with serving(handler) as server:
        before = _live_greenlets()
        sockets = [_switch_side(server.address, n) for n in range(calls)]
        assert all_started.wait(10)
        gevent.sleep(0.2)
        parked = _live_greenlets() - before
        body = "Event-Name: CUSTOM\nEvent-Subclass: test%3A%3Aping\n\n"
        for sock in sockets:
            sock.sendall(
                f"Content-Length: {len(body)}\nContent-Type: text/event-plain\n\n{body}".encode()
            )
        with gevent.Timeout(10):
            while outcomes.count("test::ping") < calls:
                gevent.sleep(0.02)
        for sock in sockets:
            sock.close()
        with gevent.Timeout(10):
            while outcomes.count("gone") < calls:
                gevent.sleep(0.02)
    # the handlers; a reader greenlet per call would make it twice as many
    assert parked <= calls + 2, parked
