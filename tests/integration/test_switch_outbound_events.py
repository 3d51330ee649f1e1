"""An outbound session narrowed to the events it reads: only those arrive, the call works."""

from __future__ import annotations

import gevent

from callcenter.engine.calls.session_events import SESSION_EVENTS
from callcenter.sim import Switch, press, wait
from callcenter.switch.outbound import OutboundServer, OutboundSession


class Ivr:
    """Answer, read one digit, wait for the caller to hang up; note every event's name."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.digits: list[str] = []
        self.hangup_cause = ""

    def __call__(self, session: OutboundSession) -> None:
        session.on("*", lambda event: self.names.append(event.name))
        session.answer()
        self.digits.append(
            session.play_and_get_digits("tone_stream://%(1000,0,350,440)", regexp=r"\d")
        )
        session.wait_gone(timeout=20)
        complete = session.wait_event("CHANNEL_HANGUP_COMPLETE", timeout=5, even_if_gone=True)
        self.hangup_cause = complete.get("Hangup-Cause") or ""


def place_call(events: tuple[str, ...]) -> Ivr:
    ivr = Ivr()
    server = OutboundServer(ivr, "127.0.0.1", 0, events=events).start()
    target = f"127.0.0.1:{server.address[1]} async full"
    try:
        with Switch(dialplan={"5000": target}, time_scale=0.05) as fs:
            call = fs.place_call("13800138000", "5000", [wait(1.0), press("4")], hangup_after=3)
            assert call.ended.wait(20)
            with gevent.Timeout(10):
                while server.sessions:
                    gevent.sleep(0.05)
    finally:
        server.stop()
    return ivr


def test_a_session_narrowed_to_the_engines_events_gets_only_those_and_still_works() -> None:
    ivr = place_call(SESSION_EVENTS)
    assert ivr.digits == ["4"]
    assert ivr.hangup_cause == "NORMAL_CLEARING"
    assert set(ivr.names) <= set(SESSION_EVENTS)
    assert {"CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "DTMF"} <= set(
        ivr.names
    )


def test_a_session_not_narrowed_gets_every_channel_event() -> None:
    ivr = place_call(())
    assert ivr.digits == ["4"]
    assert {"CHANNEL_EXECUTE", "CHANNEL_ANSWER", "CHANNEL_STATE"} <= set(ivr.names)
