"""mod_event_socket: inbound ESL connections and the outbound sessions of the socket app."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

import gevent
from gevent import socket
from gevent.event import Event as GEvent
from gevent.lock import Semaphore

from callcenter.sim.events import SimEvent
from callcenter.sim.numbers import ascii_int
from callcenter.switch.encode import encode_frame, url_encode

if TYPE_CHECKING:
    from callcenter.sim.channel import Channel
    from callcenter.sim.switch import Switch

GOODBYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
MYEVENTS = {
    "CHANNEL_ANSWER", "CHANNEL_APPLICATION", "CHANNEL_BRIDGE", "CHANNEL_CREATE", "CHANNEL_DATA",
    "CHANNEL_DESTROY", "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP",
    "CHANNEL_HANGUP_COMPLETE", "CHANNEL_ORIGINATE", "CHANNEL_UUID", "CHANNEL_OUTGOING",
    "CHANNEL_PARK", "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_STATE",
    "CHANNEL_UNBRIDGE", "CHANNEL_UNPARK", "DETECTED_SPEECH", "DTMF", "NOTALK", "TALK",
}  # fmt: skip
RawCommand = tuple[str, list[tuple[str, str]], bytes, bytes]  # line, headers, body, block
MAX_COMMAND = 1 << 20  # bytes of a command's header block, and of its body; more: disconnect


def command_length(headers: list[tuple[str, str]]) -> int:
    """A command's Content-Length: 0 unless it is ASCII digits (FreeSWITCH's ``atoi``)."""
    value = next((v for k, v in headers if k.lower() == "content-length"), None)
    return max(ascii_int(value) or 0, 0)


def parse_command(block: bytes) -> tuple[str, list[tuple[str, str]]]:
    """A client command block: the command line, then ``Name: value`` lines."""
    lines = block.decode("utf-8", "replace").replace("\r", "").split("\n")
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers.append((name.strip(), value.strip()))
    return lines[0].strip(), headers


class LingerNotice:
    """A queue marker: send the linger notice here (between two events)."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel


class EslConnection:
    """One ESL socket: command loop, subscriptions, filters and the event writer."""

    def __init__(self, switch: Switch, sock: socket.socket, channel: Channel | None = None):
        self.switch = switch
        self.sock = sock
        self.channel = channel  # outbound: the controlled session
        self.authed = channel is not None
        self.fmt = "plain"
        self.events_on = False
        self.all_events = False
        self.names: set[str] = set()
        self.custom: set[str] = set()
        self.filters: list[tuple[str, str]] = []
        self.myevents: str | None = None
        self.linger: int | None = None  # None: no linger, -1: forever
        self.resume = False  # the ``resume`` command (or socket_resume=true on the channel)
        self.queue: list[SimEvent | LingerNotice] = []
        self.busy = False
        self.closed = False
        self.lock = Semaphore()
        self.kick = GEvent()
        self.released = GEvent()
        self.connected = GEvent()
        self.notice_sent = False
        self.opened = time.monotonic()
        self.writer = gevent.spawn(self._writer)

    # -- output ----------------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        """Write bytes (one frame) unless the socket is gone."""
        if self.closed:
            return
        with self.lock:
            try:
                self.sock.sendall(data)
            except OSError:
                self.close()

    def reply(self, text: str, extra: list[tuple[str, str]] | None = None) -> None:
        """A command/reply frame."""
        headers = [("Content-Type", "command/reply"), ("Reply-Text", text)] + (extra or [])
        self.send(encode_frame(headers))

    def api_response(self, body: str) -> None:
        """An api/response frame."""
        data = body.encode("utf-8")
        self.send(
            encode_frame(
                [("Content-Type", "api/response"), ("Content-Length", str(len(data)))], data
            )
        )

    def notice(self, headers: list[tuple[str, str]], body: str = "") -> None:
        """A text/disconnect-notice frame."""
        data = body.encode("utf-8")
        head = [("Content-Type", "text/disconnect-notice"), *headers]
        head.append(("Content-Length", str(len(data))))
        self.send(encode_frame(head, data))

    def may_take(self, name: str) -> bool:
        """Whether an event called ``name`` could pass :meth:`offer` (conservative: header
        filters other than on Event-Name, custom subclasses and uuids are not looked at)."""
        if not self.events_on or self.closed or not (self.all_events or name in self.names):
            return False
        if self.myevents is not None and name not in MYEVENTS:
            return False
        filters = self.filters
        if filters and all(h == "Event-Name" for h, _ in filters):
            return any(v == name for _, v in filters)
        return True

    def offer(self, ev: SimEvent) -> None:
        """Queue an event if this connection is subscribed to it and no filter drops it."""
        if not self.events_on or self.closed:
            return
        if not (self.all_events or ev.name in self.names):
            return
        if ev.name == "CUSTOM" and not self.all_events and ev.subclass not in self.custom:
            if self.custom or "CUSTOM" not in self.names:
                return
        if self.myevents is not None and (ev.uuid != self.myevents or ev.name not in MYEVENTS):
            return
        if self.filters and not any(ev.get(h) == v for h, v in self.filters):
            return
        self.queue.append(ev)
        ch = self.channel
        if (ch is not None and ev.name == "CHANNEL_HANGUP" and ev.uuid == ch.uuid
                and self.linger is not None and ch.ctx.get("_frame_loop")):  # fmt: skip
            # The listener thread sees the channel down before the session does: a session
            # in a frame loop (conference member) notices its hangup only at its next frame,
            # so the linger notice comes right after CHANNEL_HANGUP (S05c). Otherwise the
            # session's events are queued first and the notice follows HANGUP_COMPLETE.
            self.queue.append(LingerNotice(ch))
        self.kick.set()

    def _writer(self) -> None:
        while not self.closed:
            self.kick.wait()
            self.kick.clear()
            while self.queue and not self.busy and not self.closed:
                ev = self.queue.pop(0)
                if isinstance(ev, LingerNotice):
                    self.linger_notice(ev.channel)
                    continue
                self.send(self._encode(ev))

    def _encode(self, ev: SimEvent) -> bytes:
        if self.fmt == "xml":
            parts = "".join(f"<{k}>{escape(url_encode(v))}</{k}>" for k, v in ev.pairs)
            body = f"<body>{escape(ev.body)}</body>" if ev.body is not None else ""
            text = f"<event>\n  <headers>{parts}</headers>{body}\n</event>".encode()
            head = f"Content-Length: {len(text)}\nContent-Type: text/event-xml\n\n"
            return head.encode() + text
        return ev.encode(self.fmt)

    def hold(self) -> None:
        """Keep events back (a synchronous api is running)."""
        self.busy = True

    def release_hold(self) -> None:
        """Let held events flow again."""
        self.busy = False
        self.kick.set()

    def close(self) -> None:
        """Close the socket; the session it controlled may now be destroyed."""
        if self.closed:
            return
        self.closed = True
        self.kick.set()
        self.switch.follow(self, None)
        self._resume_session()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()
        self.released.set()

    def _resume_session(self) -> None:
        """mod_event_socket's listener end: with LFLAG_RESUME or ``socket_resume=true`` the
        socket app stops parking and the dialplan goes on with the extension's next action."""
        ch = self.channel
        if ch is None or not ch.up or getattr(ch, "outbound", None) is not self:
            return
        wanted = (ch.vars.get("socket_resume") or "").strip().lower() in ("true", "yes", "on", "1")
        if self.resume or wanted:
            ch.ctx["_socket_resume"] = True
        ch.poke()  # CF_CONTROLLED is cleared either way: the socket app's park ends

    # -- input -----------------------------------------------------------------------------
    def serve(self) -> None:
        """Read and execute commands until the client or the switch closes the socket."""
        buf = bytearray()
        try:
            while not self.closed:
                try:
                    data = self.sock.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                buf += data
                while not self.closed:
                    command = self._next_command(buf)
                    if command is None:
                        break
                    self._execute(*command)
        finally:
            self.close()

    def _next_command(self, buf: bytearray) -> RawCommand | None:
        """Take one complete command off ``buf`` (None: wait for more bytes, or refused)."""
        skip = 0
        while skip < len(buf) and buf[skip] in b"\r\n":
            skip += 1
        del buf[:skip]
        end = buf.find(b"\n\n")
        if end < 0:
            if len(buf) > MAX_COMMAND:
                self._refuse(f"command header block over {MAX_COMMAND} bytes")
            return None
        block = bytes(buf[:end])
        cmd, headers = parse_command(block)
        length = command_length(headers)
        if length > MAX_COMMAND:
            self._refuse(f"command Content-Length {length} over {MAX_COMMAND} bytes")
            return None
        if len(buf) - end - 2 < length:
            return None
        body = bytes(buf[end + 2 : end + 2 + length])
        del buf[: end + 2 + length]
        return cmd, headers, body, block

    def _execute(self, cmd: str, headers: list[tuple[str, str]], body: bytes, block: bytes) -> None:
        """Run one command; a failure in it answers ``-ERR`` and keeps the connection."""
        from callcenter.sim.commands import handle

        try:
            handle(self, cmd, headers, body.decode("utf-8", "replace"), block)
        except Exception:
            self.switch.log.exception("esl command failed: %r", cmd[:80])
            self.reply("-ERR command not found")

    def _refuse(self, reason: str) -> None:
        """Bytes that cannot be a command: log it and drop the connection."""
        self.switch.log.warning("esl client sent an oversized command (%s); closing", reason)
        self.close()

    def goodbye(self) -> None:
        """Reply ``+OK bye``, send the goodbye notice and close."""
        self.reply("+OK bye")
        extra = []
        if self.channel is not None:
            extra = [
                ("Controlled-Session-UUID", self.channel.uuid),
                ("Content-Disposition", "disconnect"),
            ]
        self.notice(extra, GOODBYE)
        self.close()

    # -- outbound session ----------------------------------------------------------------
    def on_hangup_complete(self, ch: Channel) -> None:
        """The controlled session hung up: linger notice, or disconnect now."""
        if self.closed:
            return
        if self.linger is None:
            gevent.spawn(self._disconnect, ch, 0)
            return
        if not any(isinstance(x, LingerNotice) for x in self.queue):
            self.linger_notice(ch)

    def linger_notice(self, ch: Channel) -> None:
        """The linger notice (once); the connection closes ``linger`` seconds later."""
        if self.notice_sent or self.closed or self.linger is None:
            return
        self.notice_sent = True
        self.notice(
            [
                ("Controlled-Session-UUID", ch.uuid),
                ("Content-Disposition", "linger"),
                ("Channel-Name", ch.name),
                ("Linger-Time", str(self.linger)),
            ]
        )
        if self.linger >= 0:
            gevent.spawn(self._disconnect, ch, self.linger)

    def _disconnect(self, ch: Channel, seconds: float) -> None:
        if seconds:
            gevent.sleep(self.switch.clock.real(seconds))
        while self.queue and not self.closed:  # let the last events out first
            gevent.sleep(0.001)
        if self.closed:
            return
        self.notice(
            [("Controlled-Session-UUID", ch.uuid), ("Content-Disposition", "disconnect")], GOODBYE
        )
        self.close()


def connect_outbound(switch: Switch, ch: Channel, host: str, port: int) -> EslConnection | None:
    """The socket app: dial the engine's outbound server (None if it cannot be reached)."""
    try:
        sock = _dial(host, port)
    except OSError:
        return None
    sock.settimeout(None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = EslConnection(switch, sock, channel=ch)
    switch.listeners.add(conn)
    gevent.spawn(conn.serve)
    return conn


def _dial(host: str, port: int) -> socket.socket:
    """A TCP connection to ``host:port`` within 5 s; an IPv4 address is dialled directly
    (create_connection would hand every call's name lookup to a thread)."""
    try:
        socket.inet_aton(host)
    except OSError:
        return socket.create_connection((host, port), timeout=5)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    try:
        sock.connect((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def serve_inbound(switch: Switch, sock: Any, address: Any) -> None:
    """StreamServer handler: an inbound client connected to the ESL port."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = EslConnection(switch, sock)
    switch.listeners.add(conn)
    conn.send(encode_frame([("Content-Type", "auth/request")]))
    conn.serve()
