"""Example: test your own outbound-socket flow against the simulator (public API)."""

from __future__ import annotations

import gevent
from gevent.server import StreamServer

from callcenter.sim import Switch, press, wait
from callcenter.switch.protocol import FrameParser, decode_event


class TinyIvr:
    """The flow under test: answer, play a prompt, read one digit, remember it."""

    def __init__(self) -> None:
        self.digits: list[str] = []

    def __call__(self, sock, address) -> None:  # noqa: ANN001 - StreamServer handler
        parser = FrameParser()
        frames: list = []

        def recv_until(pred):  # noqa: ANN001, ANN202
            while True:
                for i, f in enumerate(frames):
                    if pred(f):
                        return frames.pop(i)
                data = sock.recv(65536)
                if not data:
                    return None
                frames.extend(parser.feed(data))

        def command(text: str):  # noqa: ANN202
            sock.sendall(text.encode() + b"\n\n")
            return recv_until(lambda f: f.content_type == "command/reply")

        def execute(app: str, arg: str = "") -> dict:
            uid = f"00000000-0000-4000-8000-{len(self.digits) + len(app):012d}"
            command(f"sendmsg\ncall-command: execute\nexecute-app-name: {app}\n"
                    f"execute-app-arg: {arg}\nEvent-UUID: {uid}")  # fmt: skip
            done = recv_until(
                lambda f: (
                    (ev := decode_event(f)) is not None
                    and ev.name == "CHANNEL_EXECUTE_COMPLETE"
                    and ev.get("Application-UUID") == uid
                )
            )
            return decode_event(done).headers

        connect = command("connect")
        assert connect.headers["Channel-Call-State"] == "RINGING"
        command("myevents")
        command("linger")
        execute("answer")
        execute("playback", "tone_stream://%(500,500,440)")
        done = execute(
            "play_and_get_digits",
            "1 1 3 3000 # tone_stream://%(1000,0,350,440) silence_stream://250 choice \\d",
        )
        self.digits.append(done.get("variable_choice", ""))
        command("exit")
        sock.close()


def test_my_ivr_reads_the_digit_the_caller_presses():
    flow = TinyIvr()
    server = StreamServer(("127.0.0.1", 0), flow)
    server.start()
    target = f"127.0.0.1:{server.server_port} async full"
    try:
        with Switch(dialplan={"5000": target}, time_scale=0.05) as fs:
            call = fs.place_call("13800138000", "5000", [wait(2.0), press("7")], hangup_after=5)
            assert call.answered.wait(10)
            assert call.ended.wait(20)
            gevent.sleep(0.1)
            assert flow.digits == ["7"]
            names = [e.name for e in call.events]
            assert names.index("CHANNEL_ANSWER") < names.index("DTMF")
            dtmf = next(e for e in call.events if e.name == "DTMF")
            assert dtmf.get("DTMF-Digit") == "7"
    finally:
        server.stop()


def test_my_ivr_written_with_callcenter_switch():
    """The README's second example: the same flow on callcenter.switch's OutboundServer."""
    from callcenter.switch import OutboundServer

    chosen: list[str] = []

    def my_ivr(session) -> None:  # noqa: ANN001 - an OutboundSession, already connected
        session.answer()
        session.playback("tone_stream://%(500,500,440)")
        chosen.append(
            session.play_and_get_digits(
                "tone_stream://%(1000,0,350,440)", var_name="choice", timeout_ms=3000
            )
        )
        session.hangup()

    server = OutboundServer(my_ivr, "127.0.0.1", 0).start()
    target = f"127.0.0.1:{server.address[1]} async full"
    try:
        with Switch(dialplan={"5000": target}, time_scale=0.05) as fs:
            call = fs.place_call("13800138000", "5000", [wait(2.0), press("7")])
            assert call.ended.wait(20)
            assert chosen == ["7"]
            hangup = next(e for e in call.events if e.name == "CHANNEL_HANGUP")
            assert hangup.get("Hangup-Cause") == "NORMAL_CLEARING"
    finally:
        server.stop()
