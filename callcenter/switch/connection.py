"""The base ESL connection: one socket and its reader, replies matched by order.

FreeSWITCH answers commands in the order it received them, one reply each, and events may
arrive between a command and its reply (trace README, "Reply vs. event order"). So every
command appends a slot to a FIFO under the send lock, and the reader hands each
``command/reply`` / ``api/response`` frame to the oldest slot. A command that times out
leaves its slot in place, so the late reply is consumed by it and the order stays right.

When the socket drops, or the bytes stop being ESL (:class:`ProtocolError`), the connection
closes and every pending command fails at once with :class:`NotConnected`.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import gevent
import gevent.event
import gevent.lock
from gevent.event import AsyncResult

from callcenter.logs import CallLog, get_logger
from callcenter.switch.encode import encode_command
from callcenter.switch.errors import CommandFailed, CommandTimeout, NotConnected, SwitchError
from callcenter.switch.handlers import Handler, HandlerTable, Subscription
from callcenter.switch.hub_reader import HubReader
from callcenter.switch.protocol import (
    Event,
    Frame,
    FrameParser,
    ProtocolError,
    parse_event_json,
    parse_event_plain,
)
from callcenter.switch.timing import command_done

__all__ = ["DisconnectNotice", "EslConnection", "check_line", "is_error_reply"]

_log = get_logger("callcenter.switch")

RECV_BYTES = 65536


@dataclass(frozen=True, slots=True)
class DisconnectNotice:
    """A ``text/disconnect-notice`` frame: linger started, or FreeSWITCH is closing."""

    disposition: str
    uuid: str = ""
    channel_name: str = ""
    linger_time: int | None = None
    text: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    name = "DISCONNECT_NOTICE"

    @classmethod
    def from_frame(cls, frame: Frame) -> DisconnectNotice:
        """Build the notice from its frame (``Content-Disposition``, ``Linger-Time``, ...)."""
        headers = frame.headers
        linger = headers.get("Linger-Time")
        try:
            linger_time = int(linger) if linger is not None else None
        except ValueError:
            linger_time = None
        return cls(
            disposition=headers.get("Content-Disposition", ""),
            uuid=headers.get("Controlled-Session-UUID", ""),
            channel_name=headers.get("Channel-Name", ""),
            linger_time=linger_time,
            text=frame.text,
            headers=dict(headers),
        )

    @property
    def lingering(self) -> bool:
        """True for the linger notice (the call is gone, the socket stays open for now)."""
        return self.disposition == "linger"


def check_line(value: str, what: str = "argument") -> str:
    """Reject a value that would break out of its ESL line (newline injection)."""
    if "\n" in value or "\r" in value:
        raise ValueError(
            f"{what} {value[:60]!r} contains a newline; that would inject ESL commands, "
            "so it is refused"
        )
    return value


def is_error_reply(text: str) -> bool:
    """True for FreeSWITCH's failure texts: ``-ERR ...`` and ``-USAGE ...``."""
    return text.startswith("-ERR") or text.startswith("-USAGE")


class EslConnection:
    """One ESL socket: ordered command/reply matching, event dispatch, clean failure."""

    per_call = False
    """One connection per call (outbound sessions): its notice and close log at debug level,
    as thousands of calls would otherwise write two lines each that say nothing new, and it is
    read by the event loop's callback (:class:`~callcenter.switch.hub_reader.HubReader`)
    rather than a reader greenlet parked for the whole call."""

    def __init__(
        self,
        *,
        command_timeout: float = 10.0,
        handlers: HandlerTable | None = None,
        max_concurrent_handlers: int = 100,
        name: str = "esl",
        **log_fields: object,
    ) -> None:
        self.command_timeout = command_timeout
        self.handlers = handlers if handlers is not None else HandlerTable(max_concurrent_handlers)
        self.name = name
        self.log = CallLog(_log, conn=name, **log_fields)  # one per call: bound when it logs
        self.last_notice: DisconnectNotice | None = None
        self._sock: socket.socket | None = None
        self._reader: gevent.Greenlet | None = None
        self._hub_reader: HubReader | None = None  # per-call connections: no reader greenlet
        self._pending: list[AsyncResult] = []  # oldest first; a deque costs 600 B per call
        self._send_lock = gevent.lock.Semaphore()
        self._closed = False
        self._close_reason: SwitchError | None = None
        self._closed_event = gevent.event.Event()
        self._close_callbacks: list[Callable[[SwitchError], object]] = []

    # -- state -----------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while the socket is attached and not closed."""
        return self._sock is not None and not self._closed

    @property
    def in_flight(self) -> int:
        """Commands sent on this connection whose reply has not come yet."""
        return len(self._pending)

    @property
    def close_reason(self) -> SwitchError | None:
        """Why the connection closed (``None`` while open)."""
        return self._close_reason

    def wait_closed(self, timeout: float | None = None) -> bool:
        """Block until the connection is closed; False if ``timeout`` passed first."""
        return self._closed_event.wait(timeout)

    def on_close(self, callback: Callable[[SwitchError], object]) -> None:
        """Call ``callback(reason)`` in its own greenlet once the connection closes."""
        if self._closed and self._close_reason is not None:
            gevent.spawn(callback, self._close_reason)
        else:
            self._close_callbacks.append(callback)

    # -- handlers --------------------------------------------------------------------------

    def on(
        self,
        key: str,
        handler: Handler,
        *,
        concurrent: bool = False,
        inline: bool = False,
        headers: tuple[str, ...] | None = None,
    ) -> Subscription:
        """Call ``handler(event)`` for events named ``key`` (name, CUSTOM subclass or '*');
        ``inline``: on the reader, for a handler that never blocks."""
        return self.handlers.add(
            key, handler, concurrent=concurrent, inline=inline, headers=headers
        )

    def off(self, subscription: Subscription) -> None:
        """Remove a handler registered with :meth:`on`."""
        self.handlers.remove(subscription)

    # -- commands --------------------------------------------------------------------------

    def command(
        self,
        text: str,
        headers: Mapping[str, str] | None = None,
        *,
        body: str = "",
        timeout: float | None = None,
        check: bool = True,
    ) -> Frame:
        """Send one command and return its reply frame; ``-ERR`` raises CommandFailed."""
        check_line(text, "command")
        for key, value in (headers or {}).items():
            check_line(key, "header name")
            check_line(value, f"header {key}")
        frame = self._request(encode_command(text, headers, body), text, timeout)
        if check:
            reply = frame.reply_text if "Reply-Text" in frame.headers else frame.text
            if is_error_reply(reply):
                raise CommandFailed(text, reply)
        return frame

    def send_without_reply(self, text: str) -> None:
        """Send a command whose reply nobody waits for: the reader takes it and drops it."""
        check_line(text, "command")
        self._send(encode_command(text, None, ""), AsyncResult(), text)

    def api(self, command: str, *, timeout: float | None = None, check: bool = True) -> str:
        """Run ``api <command>`` and return the body; ``-ERR``/``-USAGE`` raise CommandFailed.

        Note: a synchronous api blocks FreeSWITCH's side of this connection, and no event is
        delivered until it returns (S04 b); prefer ``bgapi`` for anything slow (originate).
        """
        text = "api " + command
        frame = self.command(text, timeout=timeout, check=False)
        body = frame.text
        if check and is_error_reply(body):
            raise CommandFailed(text, body)
        return body

    def close(self, reason: str = "closed by the client") -> None:
        """Close the socket; pending commands fail with NotConnected."""
        self._teardown(NotConnected(reason))

    # -- internals -------------------------------------------------------------------------

    def attach(self, sock: socket.socket) -> None:
        """Take over a connected socket (TCP_NODELAY on) and start the reader greenlet."""
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # not TCP (a socketpair in tests): nothing to tune
            pass
        self._sock = sock
        if self.per_call:
            self._hub_reader = HubReader(sock, self._take, self._teardown, RECV_BYTES)
        else:
            self._reader = gevent.spawn(self._read_loop, sock)

    def _request(self, data: bytes, what: str, timeout: float | None) -> Frame:
        if timeout is None:
            timeout = self.command_timeout
        slot: AsyncResult = AsyncResult()
        started = time.perf_counter()
        deadline = gevent.Timeout(timeout)
        deadline.start()
        try:
            self._send(data, slot, what, deadline)
            frame = slot.get()
            command_done(what, time.perf_counter() - started)
            return frame
        except gevent.Timeout as exc:
            if exc is not deadline:
                raise
            raise CommandTimeout(
                f"FreeSWITCH did not answer {_short(what)!r} within {timeout:g} s",
                _short(what),
                timeout,
            ) from None
        finally:
            deadline.close()

    def _send(
        self,
        data: bytes,
        slot: AsyncResult,
        what: str,
        deadline: gevent.Timeout | None = None,
    ) -> None:
        """Write one command, ``slot`` queued for its reply; NotConnected if the connection is
        or goes down, and a write cut short by ``deadline`` ends it (the stream is unusable)."""
        with self._send_lock:
            sock = self._sock
            if self._closed or sock is None:
                raise self._not_connected()
            self._pending.append(slot)
            try:
                sock.sendall(data)
            except OSError as exc:
                self._teardown(NotConnected(f"connection lost while sending: {exc}"))
                raise self._not_connected() from None
            except gevent.Timeout as exc:
                if exc is deadline:  # a half-written command leaves the stream unusable
                    self._teardown(NotConnected(f"timed out while sending {_short(what)!r}"))
                raise

    def _not_connected(self) -> NotConnected:
        reason = self._close_reason
        if reason is None:
            return NotConnected(f"{self.name}: not connected")
        return NotConnected(f"{self.name}: {reason}")

    def _read_loop(self, sock: socket.socket) -> None:
        parser = FrameParser()
        error: SwitchError | None = None
        try:
            while error is None:
                error = self._take(parser, sock.recv(RECV_BYTES))
        except OSError as exc:
            error = NotConnected(f"connection lost: {exc}")
        except gevent.GreenletExit:
            error = NotConnected("reader stopped")
        self._teardown(error)

    def _take(self, parser: FrameParser, data: bytes) -> SwitchError | None:
        """Route the frames ``data`` completes (``b''``: the peer closed); the error that
        ends the connection, if any."""
        try:
            if not data:
                if parser.buffered:
                    raise ProtocolError(
                        "connection closed in the middle of a frame "
                        f"({parser.buffered} bytes of a truncated frame)"
                    )
                return NotConnected("FreeSWITCH closed the connection")
            for frame in parser.feed(data):
                self._route_frame(frame)
        except ProtocolError as exc:
            self.log.error("esl protocol error; closing the connection", error=str(exc))
            return NotConnected(f"protocol error from FreeSWITCH: {exc}")
        except Exception as exc:  # a bug in a hook: log it, never kill the process
            self.log.exception("esl reader failed; closing the connection")
            return NotConnected(f"internal error in the ESL reader: {exc!r}")
        return None

    def _route_frame(self, frame: Frame) -> None:
        content_type = frame.headers.get("Content-Type", "")
        if content_type == "text/event-json":
            event = parse_event_json(frame.body)
        elif content_type == "text/event-plain":
            event = parse_event_plain(frame.body)
        elif content_type == "command/reply" or content_type == "api/response":
            if self._pending:
                self._pending.pop(0).set(frame)
            else:
                self._on_unsolicited(frame)
            return
        elif content_type == "text/disconnect-notice":
            notice = DisconnectNotice.from_frame(frame)
            self.last_notice = notice
            (self.log.debug if self.per_call else self.log.info)(
                "esl disconnect notice",
                disposition=notice.disposition,
                linger_time=notice.linger_time,
                call_uuid=notice.uuid,
            )
            self._on_notice(notice)
            self.handlers.dispatch_notice(notice)
            return
        else:
            self._on_other_frame(frame)
            return
        self._on_event(event)
        self.handlers.dispatch(event)

    # Hooks for subclasses; they run on the reader and must not block.

    def _on_event(self, event: Event) -> None:
        """Inline routing before dispatch (bgapi jobs, execute completions)."""

    def _on_notice(self, notice: DisconnectNotice) -> None:
        """Inline reaction to a disconnect notice."""

    def _on_unsolicited(self, frame: Frame) -> None:
        self.log.warning("esl reply with no command waiting for it", reply=frame.reply_text)

    def _on_other_frame(self, frame: Frame) -> None:
        self.log.warning("esl frame of unknown type ignored", content_type=frame.content_type)

    def _on_teardown(self, error: SwitchError) -> None:
        """Fail whatever else waits on this connection."""

    def _teardown(self, error: SwitchError) -> None:
        if self._closed:
            return
        self._closed = True
        self._close_reason = error
        pending = list(self._pending)
        self._pending.clear()
        for slot in pending:
            slot.set_exception(NotConnected(f"{self.name}: {error}"))
        sock, self._sock = self._sock, None
        if self._hub_reader is not None:
            self._hub_reader.stop()
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
        self._on_teardown(error)
        self._closed_event.set()
        (self.log.debug if self.per_call else self.log.info)(
            "esl connection closed", reason=str(error), failed_commands=len(pending)
        )
        callbacks, self._close_callbacks = self._close_callbacks, []
        for callback in callbacks:
            gevent.spawn(callback, error)


def _short(command: str) -> str:
    """A command for messages: the password of ``auth`` hidden, long ones cut."""
    if command.startswith("auth "):
        return "auth ***"
    return command if len(command) <= 80 else command[:77] + "..."
