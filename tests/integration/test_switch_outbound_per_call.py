"""What an outbound session keeps per call: inline handlers, end callbacks, short look-backs.

At thousands of concurrent calls every parked greenlet and every remembered event is memory
per call, so a waiting caller's key and end handlers run on the session's reader (no greenlet
each) and the events kept for ``include_past`` look-backs are forgotten after a few seconds.
The call itself must work exactly as before (S02: answer, playback, digits, hangup).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import gevent
import pytest

from callcenter.switch import commands as c
from callcenter.switch import session as session_module
from callcenter.switch.errors import CommandTimeout
from callcenter.switch.outbound import OutboundServer, OutboundSession
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
