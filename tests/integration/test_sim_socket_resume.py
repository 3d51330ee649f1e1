"""The outbound socket's end in the simulator, as captured on FreeSWITCH 1.10.12 (S09a-d).

The controller closes its socket without ``exit`` (a killed process). FreeSWITCH never hangs
the caller up:

* S09a - without socket_resume, while an app the controller started runs: nothing at all
  happens (an endless MOH plays on, the dialplan's next action never runs);
* S09d - without socket_resume, the call idling in park: the socket app ends and the dialplan
  goes on;
* S09b - with ``socket_resume=true``: the running app is cut, the dialplan goes on; variables
  outlive the connection, and a transfer back to the hotline dials the socket again;
* S09c - an unreachable socket target: the dialplan goes on at once, and its playback
  pre-answers (early media, never answered).

A finite app that ends after the controller died is not captured; the simulator follows the
source (the park ends like S09d).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import gevent
import pytest
from gevent import socket

from callcenter.sim import Switch
from callcenter.switch.outbound import OutboundServer, OutboundSession

LONG_TONE = "tone_stream://%(1000,0,440);loops=20"  # 20 s
SHORT_TONE = "tone_stream://%(1000,0,350);loops=2"  # 2 s
ENDLESS = "tone_stream://%(1000,0,440);loops=-1"
QUEUED = "tone_stream://%(1000,0,480);loops=5"
MUSIC = "local_stream://moh"  # the dialplan's action after the socket
Handler = Callable[[OutboundSession], None]


class Calls:
    """Places calls to a hotline whose extension is ``socket`` then ``playback MUSIC``."""

    def __init__(self) -> None:
        self.servers: list[OutboundServer] = []
        self.switches: list[Switch] = []
        self.refuser = socket.socket()  # bound, never listening: connect is refused
        self.refuser.bind(("127.0.0.1", 0))

    def call(self, handler: Handler | None) -> tuple[Switch, object]:
        """A caller dials 5000 (``handler`` controls it) or, without a handler, 5001 whose
        socket target nothing listens on."""
        target = "127.0.0.1:8099 async full"
        if handler is not None:
            server = OutboundServer(handler, "127.0.0.1", 0, linger=False).start()
            self.servers.append(server)
            target = f"127.0.0.1:{server.address[1]} async full"
        plan = {"5000": [("socket", target), ("playback", MUSIC)]}
        switch = Switch(time_scale=0.1, dialplan=plan).start()
        switch.connect_map["127.0.0.1:8099"] = self.refuser.getsockname()
        self.switches.append(switch)
        return switch, switch.place_call("13800000001", "5000", [], hangup_after=None)

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        for switch in self.switches:
            switch.stop()
        self.refuser.close()


@pytest.fixture
def calls() -> Iterator[Calls]:
    c = Calls()
    yield c
    c.close()


def executed(caller: object, app_data: str) -> list[str]:
    """Names of the caller's execution events for ``app_data``."""
    return [
        e.name
        for e in caller.events  # type: ignore[attr-defined]
        if e.get("Application-Data") == app_data and e.name.startswith("CHANNEL_EXECUTE")
    ]


def names(caller: object, since: int = 0) -> list[str]:
    return [e.name for e in caller.events[since:]]  # type: ignore[attr-defined]


def wait_until(check: Callable[[], bool], what: str) -> None:
    with gevent.Timeout(10, AssertionError(f"timed out: {what}")):
        while not check():
            gevent.sleep(0.02)


def playing(caller: object, data: str) -> bool:
    ch = caller.channel  # type: ignore[attr-defined]
    return bool(ch and ch.up and ch.vars.get("current_application_data") == data)


def dies_after(seconds: float, *apps: tuple[str, str], resume: bool = False) -> Handler:
    """A controller that answers, starts ``apps`` and vanishes ``seconds`` later."""

    def handler(session: OutboundSession) -> None:
        session.answer()
        if resume:
            session.execute("set", "socket_resume=true")
        for app, arg in apps:
            session.execute_async(app, arg)
        gevent.sleep(seconds)
        session.close("the engine dies")  # FIN, no exit

    return handler


def test_s09b_with_socket_resume_the_running_app_is_cut_and_the_dialplan_goes_on(calls) -> None:
    _, caller = calls.call(dies_after(0.3, ("playback", LONG_TONE), resume=True))
    wait_until(lambda: playing(caller, MUSIC), "the extension's next action")
    (complete,) = [e for e in caller.events if e.get("Application-Data") == LONG_TONE
                   and e.name == "CHANNEL_EXECUTE_COMPLETE"]  # fmt: skip
    assert complete.get("Application-Response") == "PLAYBACK ERROR"  # cut
    after = names(caller, caller.events.index(complete))
    assert after[:6] == [
        "CHANNEL_EXECUTE_COMPLETE", "PRIVATE_COMMAND", "CHANNEL_UNPARK",
        "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_EXECUTE", "PLAYBACK_START",
    ]  # fmt: skip
    assert "CHANNEL_HANGUP" not in names(caller) and caller.channel.up


def test_with_socket_resume_messages_still_queued_run_at_once_and_are_gone(calls) -> None:
    """Not captured (S09b had none queued): socket_function's switch_ivr_parse_all_events."""
    _, caller = calls.call(dies_after(0.3, ("playback", LONG_TONE), ("playback", QUEUED),
                                      resume=True))  # fmt: skip
    wait_until(lambda: playing(caller, MUSIC), "the extension's next action")
    assert executed(caller, QUEUED) == ["CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE"]
    assert not caller.channel.inbox  # nothing left queued for a next socket


def test_s09b_variables_outlive_the_controller_and_a_transfer_dials_the_socket_again(
    calls,
) -> None:
    seen: list[dict[str, str]] = []

    def handler(session: OutboundSession) -> None:
        if seen:  # the second connection, after the transfer
            seen.append(dict(session.variables))
            session.answer()  # answered already: no CHANNEL_ANSWER again
            session.hangup()
            return
        seen.append({})
        session.answer()
        session.execute("set", "cc_marker=abc")
        session.execute("set", "socket_resume=true")
        session.execute_async("playback", MUSIC)
        gevent.sleep(0.3)
        session.close("the engine dies")

    switch, caller = calls.call(handler)
    wait_until(lambda: executed(caller, MUSIC).count("CHANNEL_EXECUTE") == 2, "dialplan MOH")
    assert switch.api.execute("uuid_getvar", f"{caller.uuid} cc_marker", None) == "abc"
    assert switch.api.execute("uuid_transfer", f"{caller.uuid} 5000 XML public", None) == "+OK\n"
    assert caller.ended.wait(10)
    assert seen[1]["cc_marker"] == "abc" and seen[1]["socket_resume"] == "true"
    assert names(caller).count("CHANNEL_ANSWER") == 1


def test_s09a_without_socket_resume_nothing_happens_while_the_controllers_app_runs(
    calls,
) -> None:
    _, caller = calls.call(dies_after(0.3, ("playback", ENDLESS)))
    wait_until(lambda: playing(caller, ENDLESS), "the controller's endless tone")
    gevent.sleep(0.5)  # the close happened; 3 s (simulated) more of nothing
    count = len(caller.events)
    gevent.sleep(0.3)
    assert len(caller.events) == count  # no event at all
    assert playing(caller, ENDLESS) and caller.channel.up
    assert executed(caller, MUSIC) == []  # the dialplan's next action never runs
    caller.hangup()  # the caller's BYE ends it; the socket is gone: CHANNEL_DESTROY at once
    assert caller.ended.wait(10)
    wait_until(lambda: "CHANNEL_DESTROY" in names(caller), "CHANNEL_DESTROY")
    end = names(caller, count)
    assert end[:6] == ["CHANNEL_HANGUP", "PLAYBACK_STOP", "CHANNEL_EXECUTE_COMPLETE",
                       "PRIVATE_COMMAND", "CHANNEL_UNPARK", "CHANNEL_EXECUTE_COMPLETE"]  # fmt: skip


def test_s09d_without_socket_resume_an_idle_park_ends_and_the_dialplan_goes_on(calls) -> None:
    _, caller = calls.call(dies_after(0.3))
    wait_until(lambda: playing(caller, MUSIC), "the extension's next action")
    unpark = names(caller).index("CHANNEL_UNPARK")
    assert names(caller, unpark)[:4] == ["CHANNEL_UNPARK", "CHANNEL_EXECUTE_COMPLETE",
                                         "CHANNEL_EXECUTE", "PLAYBACK_START"]  # fmt: skip
    socket_done = caller.events[unpark + 1]
    assert socket_done.get("Application") == "socket"
    assert socket_done.get("Application-Response") == "_none_"
    assert caller.channel.up


def test_without_socket_resume_a_finite_app_plays_out_then_the_dialplan_goes_on(calls) -> None:
    """Not captured (S09a's app is endless): the park ends once the app did, as in S09d."""
    _, caller = calls.call(dies_after(0.05, ("playback", SHORT_TONE)))
    wait_until(lambda: playing(caller, MUSIC), "the extension's next action")
    (complete,) = [
        e
        for e in caller.events
        if e.get("Application-Data") == SHORT_TONE and e.name == "CHANNEL_EXECUTE_COMPLETE"
    ]
    assert complete.get("Application-Response") == "FILE PLAYED"  # played to its end
    assert caller.channel.up


def test_s09c_an_unreachable_controller_leaves_the_call_early_in_the_dialplans_playback(
    calls,
) -> None:
    switch, caller = calls.call(None)
    wait_until(lambda: playing(caller, MUSIC), "the extension's next action")
    (socket_done,) = [e for e in caller.events if e.get("Application") == "socket"
                      and e.name == "CHANNEL_EXECUTE_COMPLETE"]  # fmt: skip
    assert socket_done.get("Application-Response") == "_none_"  # no error in any event
    after = names(caller, caller.events.index(socket_done) + 1)
    assert after[:6] == ["CODEC", "CODEC", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_CALLSTATE",
                         "CHANNEL_EXECUTE", "PLAYBACK_START"]  # fmt: skip
    row = switch.api.execute("show", "channels as json", None)
    assert '"callstate":"EARLY"' in row and '"state":"CS_EXECUTE"' in row
    caller.hangup()  # CANCEL
    assert caller.ended.wait(10)
    assert "CHANNEL_ANSWER" not in names(caller)
    hangup = next(e for e in caller.events if e.name == "CHANNEL_HANGUP")
    assert hangup.get("Hangup-Cause") == "ORIGINATOR_CANCEL"
    assert hangup.get("variable_sip_hangup_disposition") == "recv_cancel"
