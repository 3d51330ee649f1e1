"""OutboundServer / OutboundSession against replayed FreeSWITCH outbound-socket streams."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import gevent
import gevent.event
import pytest

from callcenter.switch import commands as c
from callcenter.switch.errors import CommandFailed, SessionGone
from callcenter.switch.handlers import DISCONNECT_NOTICE
from callcenter.switch.outbound import OutboundServer, OutboundSession
from tests.support.trace_replay import Player, Record, close_step, load_trace, play_outbound


@contextmanager
def serving(handler: Callable[[OutboundSession], object], **kwargs) -> Iterator[OutboundServer]:
    server = OutboundServer(handler, "127.0.0.1", 0, **kwargs).start()
    try:
        yield server
    finally:
        server.stop()


def run_calls(server: OutboundServer, *scripts: list[Record]) -> list[Player]:
    players = []
    greenlets = []
    for script in scripts:
        player, greenlet = play_outbound(script, server.address)
        players.append(player)
        greenlets.append(greenlet)
    with gevent.Timeout(10):
        gevent.joinall(greenlets, raise_error=True)
        while server.sessions:
            gevent.sleep(0.01)
    return players


def is_notice(record: Record, disposition: str) -> bool:
    return record.raw.startswith("Content-Type: text/disconnect-notice") and (
        f"Content-Disposition: {disposition}" in record.raw
    )


def upto_linger_notice(records: list[Record]) -> list[Record]:
    """Cut after the linger notice, then FreeSWITCH's goodbye (drops the later commands)."""
    cut = next(i for i, r in enumerate(records) if is_notice(r, "linger"))
    goodbye = next(r for r in records if is_notice(r, "disconnect"))
    return [*records[: cut + 1], goodbye]


def s02_ivr(session: OutboundSession, results: dict) -> None:
    results["channel"] = (session.uuid, session.caller_number, session.destination_number)
    results["socket_host"] = session.variables.get("socket_host")
    answered = session.answer()
    played = session.playback("tone_stream://%(500,500,440);loops=2")
    digits = session.play_and_get_digits(
        "tone_stream://%(1000,0,350,440)",
        var_name="ivr_choice",
        regexp=r"\d",
        digit_timeout_ms=2000,
    )
    session.execute("set", f"ivr_last_choice={digits}")
    results["getvar"] = session.api(c.uuid_getvar(session.uuid, "ivr_last_choice"))
    results["completions"] = [answered, played]
    results["digits"] = digits
    gone = session.wait_gone(timeout=5)
    results["gone"] = gone
    gevent.sleep(0.1)  # let the final events arrive first: they must not be missed
    results["hangup_complete"] = session.wait_event(
        "CHANNEL_HANGUP_COMPLETE", timeout=5, even_if_gone=True
    )


def test_s02_ivr_session() -> None:
    results: dict = {}
    with serving(lambda s: s02_ivr(s, results), linger=True) as server:
        (player,) = run_calls(server, load_trace("S02-outbound"))
    assert player.errors == [] and player.finished
    uuid = "1735db6c-4d23-4d3f-a3f1-f07cb5ef11dc"
    assert results["channel"] == (uuid, "13800138000", "5000")
    assert results["socket_host"] == "127.0.0.1"
    answered, played = results["completions"]
    assert answered["Application"] == "answer"
    assert played["Application"] == "playback"
    assert played["Application-Response"] == "FILE PLAYED"
    assert results["digits"] == "1"
    assert results["getvar"] == "1"
    assert isinstance(results["gone"], SessionGone) and results["gone"].cause == "NORMAL_CLEARING"
    assert results["hangup_complete"]["Hangup-Cause"] == "NORMAL_CLEARING"
    # Every completion was matched by the Event-UUID we sent, not by the app name.
    sent = [cmd for cmd in player.received if cmd.verb == "sendmsg"]
    assert [cmd.headers["execute-app-name"] for cmd in sent] == [
        "answer",
        "playback",
        "play_and_get_digits",
        "set",
    ]
    assert answered["Application-UUID"] == sent[0].headers["Event-UUID"]
    assert played["Application-UUID"] == sent[1].headers["Event-UUID"]
    assert [cmd.line for cmd in player.received][:3] == ["connect", "myevents", "linger"]
    assert player.received[-1].line == "exit"  # bare linger: FreeSWITCH waits for us


def hangup_during_playback(session: OutboundSession, results: dict) -> None:
    session.answer()
    started = gevent.get_hub().loop.now()
    try:
        session.execute("playback", "local_stream://moh")
    except SessionGone as exc:
        results["gone"] = exc
        results["waited"] = gevent.get_hub().loop.now() - started
    with pytest.raises(SessionGone):
        session.execute("playback", "local_stream://moh")  # nothing runs during linger


@pytest.mark.parametrize(
    ("trace", "linger"),
    [("S06-outbound", 3), ("S06b-outbound", False)],
)
def test_caller_hangs_up_during_playback(trace: str, linger: int | bool) -> None:
    results: dict = {}
    records = load_trace(trace)
    script = upto_linger_notice(records) if linger else records
    with serving(lambda s: hangup_during_playback(s, results), linger=linger) as server:
        (player,) = run_calls(server, script)
    assert player.errors == []
    gone = results["gone"]
    assert gone.cause == "NORMAL_CLEARING" and "hung up" in str(gone)
    lines = [cmd.line for cmd in player.received]
    assert lines[:2] == ["connect", "myevents"]
    assert ("linger 3" in lines) == bool(linger)


def test_disconnect_notice_wakes_a_pending_execute() -> None:
    # Drop CHANNEL_HANGUP and the playback's completion: only the notice is left to say so.
    records = load_trace("S06b-outbound")
    hangup = next(i for i, r in enumerate(records) if "Event-Name: CHANNEL_HANGUP\n" in r.raw)
    script = records[:hangup] + [records[-1]]
    results: dict = {}
    with serving(lambda s: hangup_during_playback(s, results), linger=False) as server:
        run_calls(server, script)
    assert "disconnect notice" in str(results["gone"])


def test_a_caller_hanging_up_during_the_set_up_still_reaches_the_handler() -> None:
    # S06b cut after the myevents reply: the caller hangs up before our linger is answered,
    # FreeSWITCH (no linger yet) says goodbye and closes.
    records = load_trace("S06b-outbound")
    hangup = [r for r in records if "Event-Name: CHANNEL_HANGUP" in r.raw or is_notice(r, "")]
    script = [*records[:4], *hangup, close_step()]
    seen: list[tuple[str, bool, str]] = []

    def handler(session: OutboundSession) -> None:
        gone = session.wait_gone(timeout=5)
        seen.append((session.uuid, session.gone, gone.cause if gone else ""))

    with serving(handler, linger=True) as server:
        (player,) = run_calls(server, script)
    assert player.errors == []
    assert seen == [("d55c3d12-da06-4707-b9cb-a93e1f954c6a", True, "NORMAL_CLEARING")]


def test_s03_bridge_ends_the_socket_app_but_not_the_session() -> None:
    results: dict = {}

    def queue_call(session: OutboundSession) -> None:
        session.answer()
        moh = session.execute_async("playback", "local_stream://moh")
        socket_done = session.wait_event(
            "CHANNEL_EXECUTE_COMPLETE",
            predicate=lambda e: e.get("Application") == "socket",
            timeout=5,
            include_past=True,
        )
        results["moh"] = moh.wait(timeout=1)
        results["socket_done"] = socket_done
        results["bridge"] = session.wait_event("CHANNEL_BRIDGE", timeout=5, include_past=True)
        results["unbridge"] = session.wait_event("CHANNEL_UNBRIDGE", timeout=5, include_past=True)
        results["gone"] = session.wait_gone(timeout=5)

    with serving(queue_call, linger=5) as server:
        (player,) = run_calls(server, load_trace("S03-outbound"))
    assert player.errors == []
    agent = "fd669dca-feb0-4148-ab4c-89685485a4ad"
    assert results["moh"]["Application-Response"] == "FILE PLAYED"  # broken by uuid_break
    assert results["bridge"]["Bridge-B-Unique-ID"] == agent
    assert results["unbridge"]["Bridge-B-Unique-ID"] == agent
    assert results["gone"].cause == "NORMAL_CLEARING"


def test_s05c_event_before_reply_and_notice_before_completion() -> None:
    # S05c: CHANNEL_PARK came before the +OK of sendmsg answer, and the linger notice came
    # right after CHANNEL_HANGUP, before the conference app's EXECUTE_COMPLETE.
    results: dict = {}
    notices: list = []

    def handler(session: OutboundSession) -> None:
        session.on(DISCONNECT_NOTICE, notices.append)
        results["answered"] = session.answer()
        session.execute_async("playback", "local_stream://moh")
        results["conference"] = session.wait_event(
            "CHANNEL_EXECUTE",
            predicate=lambda e: e.get("Application") == "conference",
            timeout=5,
            include_past=True,
        )
        results["gone"] = session.wait_gone(timeout=5)

    with serving(handler, linger=True) as server:
        (player,) = run_calls(server, load_trace("S05c-outbound"))
    assert player.errors == [] and player.finished
    assert results["answered"]["Application"] == "answer"
    assert results["conference"]["Application-Data"] == "3way-test@default"
    assert results["gone"].cause == "NORMAL_CLEARING"
    # (FreeSWITCH's goodbye notice after our exit may or may not be read before we close.)
    assert notices[0].disposition == "linger"
    assert notices[0].lingering and notices[0].linger_time == -1


def test_two_calls_one_hangs_up_the_other_carries_on() -> None:
    results: dict = {}
    abandon: dict = {}
    errors: list[BaseException] = []

    def route(session: OutboundSession) -> None:
        try:
            if session.uuid.startswith("d55c3d12"):
                hangup_during_playback(session, abandon)
            else:
                s02_ivr(session, results)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            raise

    s02, s06b = load_trace("S02-outbound"), load_trace("S06b-outbound")
    linger = [
        r
        for r in s02
        if r.raw.startswith(("linger", "Content-Type: command/reply\nReply-Text: +OK will"))
    ]
    s06b[4:4] = linger  # both calls get the server's bare linger
    with serving(route, linger=True) as server:
        players = run_calls(server, s02, s06b)
    assert errors == []
    assert all(p.errors == [] for p in players)
    assert "hung up" in str(abandon["gone"])
    assert results["digits"] == "1" and results["getvar"] == "1"


def test_api_errors_and_execute_after_hangup_on_the_outbound_socket() -> None:
    records = load_trace("S06-outbound")
    results: dict = {}

    def handler(session: OutboundSession) -> None:
        session.answer()
        session.execute_async("playback", "local_stream://moh")
        session.wait_gone(timeout=5)
        session.wait_event(
            "CHANNEL_HANGUP_COMPLETE", timeout=5, even_if_gone=True, include_past=True
        )
        assert session.gone
        with pytest.raises(SessionGone):
            session.execute_async("playback", "local_stream://moh")
        with pytest.raises(CommandFailed, match="No such channel"):
            session.api(c.uuid_getvar(session.uuid, "uuid"))
        results["ok"] = True

    # The recording sent one more playback during linger (answered +OK, nothing ran); we
    # refuse it locally instead, so that command is left out of the script.
    linger = next(i for i, r in enumerate(records) if is_notice(r, "linger"))
    script = records[: linger + 1] + records[linger + 3 :]
    with serving(handler, linger=3) as server:
        (player,) = run_calls(server, script)
    assert results == {"ok": True}
    assert player.errors == []
