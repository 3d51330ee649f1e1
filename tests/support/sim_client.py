"""The simulator tests' ESL side: a minimal blocking client (independent of callcenter.switch),
a parking extension, and originate / bridge helpers built on the client."""

from __future__ import annotations

import time
import uuid as uuidlib

from gevent import socket

from callcenter.sim import Switch
from callcenter.switch.protocol import Frame, FrameParser, decode_event


class Client:
    """Connects, reads frames, sends commands."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.parser = FrameParser()
        self.frames: list[Frame] = []
        self.pos = 0

    @classmethod
    def connect(cls, port: int) -> Client:
        return cls(socket.create_connection(("127.0.0.1", port), timeout=10))

    def _fill(self, timeout: float) -> bool:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (TimeoutError, socket.timeout):
            return True
        if not data:
            return False
        self.frames.extend(self.parser.feed(data))
        return True

    def next(self, timeout: float = 5.0) -> Frame:
        deadline = time.monotonic() + timeout
        while self.pos >= len(self.frames):
            if time.monotonic() > deadline or not self._fill(0.2):
                raise TimeoutError("no frame")
        self.pos += 1
        return self.frames[self.pos - 1]

    def reply(self, timeout: float = 5.0) -> Frame:
        """The next non-event frame (events before it stay readable via events())."""
        while True:
            i = self._find(lambda f: not f.content_type.startswith("text/event"), timeout)
            frame = self.frames.pop(i)
            return frame

    def _find(self, pred, timeout: float) -> int:  # noqa: ANN001
        deadline = time.monotonic() + timeout
        while True:
            for i in range(len(self.frames)):
                if pred(self.frames[i]):
                    return i
            if time.monotonic() > deadline or not self._fill(0.2):
                raise TimeoutError("frame not seen")

    def command(self, text: str) -> Frame:
        self.sock.sendall(text.encode() + b"\n\n")
        return self.reply()

    def event(self, name: str, timeout: float = 5.0, **headers: str):  # noqa: ANN201
        def pred(f: Frame) -> bool:
            ev = decode_event(f)
            return (
                ev is not None
                and ev.name == name
                and all(ev.headers.get(k.replace("_", "-")) == v for k, v in headers.items())
            )

        i = self._find(pred, timeout)
        return decode_event(self.frames.pop(i))

    def events(self) -> list:
        out = [decode_event(f) for f in self.frames if f.content_type.startswith("text/event")]
        return [e for e in out if e is not None]

    def close(self) -> None:
        self.sock.close()


def authed(fs: Switch, *, events: bool = False) -> Client:
    """A client connected to ``fs`` and signed in with the stock password; with ``events``,
    subscribed to every event (plain)."""
    c = Client.connect(fs.port)
    assert c.reply().content_type == "auth/request"
    assert c.command("auth ClueCon").reply_text == "+OK accepted"
    if events:
        assert c.command("event plain ALL").reply_text == "+OK event listener enabled plain"
    return c


PARK = [("answer", ""), ("park", "")]
"""The simulator tests' extension 6000: answer, then park."""


def originate(c: Client, user: str, extra: str = "", app: str = "&park()") -> tuple[str, str]:
    """``bgapi originate`` of a leg to ``user``: (its uuid, the job uuid)."""
    leg = str(uuidlib.uuid4())
    reply = c.command(
        f"bgapi originate {{origination_uuid={leg},origination_caller_id_number=13800138000,"
        f"ignore_early_media=true,call_timeout=5{extra}}}user/{user}@127.0.0.1 {app}"
    )
    return leg, reply.headers["Job-UUID"]


def bridged_call(fs: Switch, c: Client, user: str = "1000") -> tuple[str, str]:
    """A parked caller uuid_bridge'd to an answered agent leg: (caller uuid, agent uuid)."""
    fs.add_softphone(user, answer_after=0.5)
    call = fs.place_call("13800138000", "6000")
    assert call.answered.wait(5)
    leg, job = originate(c, user)
    assert c.event("BACKGROUND_JOB", timeout=10, Job_UUID=job).body == f"+OK {leg}\n"
    c.event("CHANNEL_PARK", Unique_ID=leg)
    assert c.command(f"api uuid_bridge {call.uuid} {leg}").text == f"+OK {leg}\n"
    c.event("CHANNEL_BRIDGE", Unique_ID=call.uuid)
    return call.uuid, leg
