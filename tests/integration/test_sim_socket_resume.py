"""The outbound socket's end in the simulator, as mod_event_socket does it (1.10 source).

``socket_resume=true`` (or the ``resume`` command): the listener's end resets the channel, so
what runs is cut, messages still queued run at once (and are gone), and the dialplan goes on
with the extension's next action. Without it the running application plays out, then the
park ends (CF_CONTROLLED cleared) and the dialplan goes on too - FreeSWITCH never hangs up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import gevent
import pytest

from callcenter.sim import Switch
from callcenter.switch.outbound import OutboundServer, OutboundSession

LONG_TONE = "tone_stream://%(1000,0,440);loops=20"  # 20 s
SHORT_TONE = "tone_stream://%(1000,0,350);loops=2"  # 2 s
QUEUED = "tone_stream://%(1000,0,480);loops=5"
MUSIC = "local_stream://moh"


@pytest.fixture
def run_call() -> Iterator[Callable[[Callable[[OutboundSession], None]], object]]:
    servers: list[OutboundServer] = []
    switches: list[Switch] = []

    def run(handler: Callable[[OutboundSession], None]) -> object:
        server = OutboundServer(handler, "127.0.0.1", 0, linger=False).start()
        servers.append(server)
        target = f"127.0.0.1:{server.address[1]} async full"
        switch = Switch(
            time_scale=0.1, dialplan={"5000": [("socket", target), ("playback", MUSIC)]}
        ).start()
        switches.append(switch)
        return switch.place_call("13800000001", "5000", [], hangup_after=None)

    yield run
    for server in servers:
        server.stop()
    for switch in switches:
        switch.stop()


def executed(caller: object, app_data: str) -> list[str]:
    """Names of the caller's execution events for ``app_data``."""
    return [
        e.name
        for e in caller.events  # type: ignore[attr-defined]
        if e.get("Application-Data") == app_data and e.name.startswith("CHANNEL_EXECUTE")
    ]


def wait_until(check: Callable[[], bool], what: str) -> None:
    with gevent.Timeout(10, AssertionError(f"timed out: {what}")):
        while not check():
            gevent.sleep(0.02)


def playing(caller: object, data: str) -> bool:
    ch = caller.channel  # type: ignore[attr-defined]
    return bool(ch and ch.up and ch.vars.get("current_application_data") == data)


def test_with_socket_resume_the_running_app_is_cut_and_the_dialplan_goes_on(run_call) -> None:
    def handler(session: OutboundSession) -> None:
        session.answer()
        session.execute("set", "socket_resume=true")
        session.execute_async("playback", LONG_TONE)
        session.execute_async("playback", QUEUED)  # waits its turn behind the long tone
        gevent.sleep(0.3)
        session.close("the engine dies")

    caller = run_call(handler)
    wait_until(lambda: playing(caller, MUSIC), "the extension's next action")
    tone = [e for e in caller.events if e.get("Application-Data") == LONG_TONE]
    complete = [e for e in tone if e.name == "CHANNEL_EXECUTE_COMPLETE"]
    assert complete and complete[0].get("Application-Response") != "FILE PLAYED"  # cut
    assert executed(caller, QUEUED) == ["CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE"]
    assert not caller.channel.inbox  # nothing left queued for a next socket
    assert caller.channel.up


def test_without_socket_resume_the_running_app_plays_out_then_the_dialplan_goes_on(
    run_call,
) -> None:
    def handler(session: OutboundSession) -> None:
        session.answer()
        session.execute_async("playback", SHORT_TONE)
        gevent.sleep(0.05)
        session.close("the engine dies")

    caller = run_call(handler)
    wait_until(lambda: playing(caller, MUSIC), "the extension's next action")
    (complete,) = [
        e
        for e in caller.events
        if e.get("Application-Data") == SHORT_TONE and e.name == "CHANNEL_EXECUTE_COMPLETE"
    ]
    assert complete.get("Application-Response") == "FILE PLAYED"  # played to its end
    assert caller.channel.up
