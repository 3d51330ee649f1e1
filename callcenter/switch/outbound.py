"""Outbound ESL: FreeSWITCH's dialplan ``socket <host:port> async full`` connects to us.

:class:`OutboundServer` runs one greenlet per call. Each call gets an
:class:`~callcenter.switch.session.OutboundSession`: ``connect`` (whose reply headers are the
whole channel, URL-encoded), ``myevents``, ``linger``, then the application handler runs.
With ``linger`` FreeSWITCH never closes by itself (S02), so the server sends ``exit`` when
the handler returns; a handler that ends with :class:`SessionGone` (the caller hung up) is
a normal end, logged at info level. A caller who hangs up during the set-up still gets the
handler (which finds the call gone), so no call that reached us goes unrecorded.
"""

from __future__ import annotations

from collections.abc import Callable

import gevent
import gevent.pool
from gevent.server import StreamServer

from callcenter.config import OutboundSettings
from callcenter.logs import get_logger
from callcenter.switch.errors import NotConnected, SessionGone, SwitchError
from callcenter.switch.session import RECENT_SECONDS, Execution, OutboundSession

__all__ = ["Execution", "OutboundServer", "OutboundSession"]

log = get_logger("callcenter.switch.outbound")


SessionHandler = Callable[[OutboundSession], object]


class OutboundServer:
    """TCP server for the dialplan ``socket`` app: one greenlet and session per call.

    ``events`` (names) narrows each session's ``myevents`` to the events its handler uses;
    empty: all of them. Each event carries the whole channel (some 6 kB), so at thousands of
    calls the unused ones (CHANNEL_EXECUTE, CHANNEL_STATE ...) cost most of the reading.
    ``after_hangup_headers``: what the handler reads of the events it waits for once the caller
    is gone; the sessions keep only those of the events they hold from then on.
    """

    def __init__(
        self,
        handler: SessionHandler,
        host: str = "127.0.0.1",
        port: int = 8084,
        *,
        linger: bool | int = True,
        myevents: bool = True,
        events: tuple[str, ...] = (),
        after_hangup_headers: tuple[str, ...] | None = None,
        app_timeout: float = 300.0,
        command_timeout: float = 10.0,
        max_calls: int | None = None,
    ) -> None:
        self.handler = handler
        self.linger = linger
        self.myevents = myevents
        self.events = events
        self.after_hangup_headers = after_hangup_headers
        self.app_timeout = app_timeout
        self.command_timeout = command_timeout
        self.sessions: set[OutboundSession] = set()
        spawn = gevent.pool.Pool(max_calls) if max_calls else "default"
        self._server = _SessionServer((host, port), self._handle, spawn=spawn)
        self._forgetting: gevent.Greenlet | None = None

    @classmethod
    def from_settings(
        cls, settings: OutboundSettings, handler: SessionHandler, **kwargs: object
    ) -> OutboundServer:
        """Build from :class:`~callcenter.config.OutboundSettings`."""
        return cls(
            handler,
            settings.host,
            settings.port,
            app_timeout=settings.app_timeout,
            **kwargs,  # type: ignore[arg-type]
        )

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port); port 0 is resolved after :meth:`start`."""
        return self._server.address

    def start(self) -> OutboundServer:
        """Bind and start accepting calls (returns at once)."""
        self._server.start()
        self._forgetting = gevent.spawn(self._forget_past)
        log.info("outbound esl server listening", address=f"{self.address[0]}:{self.address[1]}")
        return self

    def serve_forever(self) -> None:
        """Start and block until :meth:`stop`."""
        self.start()
        self._server.serve_forever()

    def stop(self, timeout: float | None = 2.0) -> None:
        """Close the sessions still running (their handlers end on their own), then stop
        accepting calls."""
        for session in list(self.sessions):
            session.close("server stopped")
        self._server.stop(timeout=timeout)
        if self._forgetting is not None:
            self._forgetting.kill(block=False)

    def _forget_past(self) -> None:
        """Every few seconds, each session drops the events it remembers for look-backs."""
        while True:
            gevent.sleep(RECENT_SECONDS)
            for session in list(self.sessions):
                session.forget_past()

    def _handle(self, sock: object, address: tuple[str, int]) -> None:
        session = OutboundSession(
            sock,
            address,
            command_timeout=self.command_timeout,
            app_timeout=self.app_timeout,
            after_hangup_headers=self.after_hangup_headers,
        )
        self.sessions.add(session)
        try:
            try:
                session.connect()
                if self.myevents:
                    session.myevents()
                if self.events:
                    session.only_events(self.events)
                if self.linger is not False:
                    session.linger(None if self.linger is True else int(self.linger))
            except SwitchError as exc:
                if not (session.uuid and session.gone):
                    session.log.warning("outbound session setup failed", error=str(exc))
                    return
                # The caller hung up while the socket was being set up: the handler still
                # runs (it finds the call gone at its first step), so the call gets a record.
                session.log.info("call ended during the socket set-up", error=str(exc))
            session.log.info(
                "outbound call",
                caller=session.caller_number,
                destination=session.destination_number,
            )
            try:
                self.handler(session)
            except (SessionGone, NotConnected) as exc:
                if not session.gone:
                    raise
                session.log.info("call ended while the handler ran", reason=str(exc))
        except Exception:
            session.log.exception("outbound session handler failed")
        finally:
            try:
                if session.finish():  # the goodbye is under way: the session closes the socket
                    self._server.left_open.add(sock)
            finally:
                self.sessions.discard(session)


class _SessionServer(StreamServer):
    """gevent's server closes a connection when its handler returns; a session whose caller is
    gone may still be saying goodbye (:meth:`OutboundSession.finish`) and closes it itself."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.left_open: set[object] = set()

    def do_close(self, sock: object, *args: object) -> None:
        """Close ``sock`` unless its session took that over."""
        if sock in self.left_open:
            self.left_open.discard(sock)
            return
        super().do_close(sock, *args)
