"""Keeps an inbound ESL connection up: reconnect with backoff, re-subscribe, resync.

FreeSWITCH restarts (or the network blips) are normal events. The supervisor owns one
:class:`HandlerTable` shared by every connection it makes, so handlers are registered once
and ordered handlers keep their order across reconnects. Commands issued while the link is
down fail at once with :class:`NotConnected` (no queueing, no hang); after each successful
(re)connect the ``on_resync`` callback runs so the engine can re-adopt live calls
(``show channels as json``, channel variables). With ``api_connections`` > 0, ``api``
commands go over that many extra event-less connections (:mod:`~callcenter.switch.api_pool`)
while the main one is up; ``bgapi`` and ``sendmsg`` stay on the main connection.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence

import gevent
import gevent.event

from callcenter.config import EslSettings
from callcenter.logs import get_logger
from callcenter.switch.api_pool import ApiPool
from callcenter.switch.errors import AuthFailed, NotConnected, SwitchError
from callcenter.switch.handlers import Handler, HandlerTable, Subscription
from callcenter.switch.inbound import BackgroundJob, InboundConnection

__all__ = ["ReconnectingInbound", "backoff_delays"]

log = get_logger("callcenter.switch.supervisor")


class ReconnectingInbound:
    """An inbound connection that reconnects by itself (exponential backoff)."""

    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        *,
        events: Sequence[str] = ("ALL",),
        event_format: str = "json",
        on_resync: Callable[[InboundConnection], object] | None = None,
        reconnect_min: float = 0.5,
        reconnect_max: float = 30.0,
        jitter: float = 0.1,
        command_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        max_concurrent_handlers: int = 100,
        api_connections: int = 0,
    ) -> None:
        if reconnect_min <= 0 or reconnect_max < reconnect_min:
            raise ValueError("need 0 < reconnect_min <= reconnect_max")
        self.host = host
        self.port = port
        self.password = password
        self.events = tuple(events)
        self.event_format = event_format
        self.on_resync = on_resync
        self.reconnect_min = reconnect_min
        self.reconnect_max = reconnect_max
        self.jitter = jitter
        self.command_timeout = command_timeout
        self.connect_timeout = connect_timeout
        self.handlers = HandlerTable(max_concurrent_handlers)
        self.connects = 0
        self.last_error: SwitchError | None = None
        self._conn: InboundConnection | None = None
        self._up = gevent.event.Event()
        self._stopped = False
        self._loop: gevent.Greenlet | None = None
        self.api_pool = ApiPool([self._api_member() for _ in range(api_connections)])

    @classmethod
    def from_settings(cls, settings: EslSettings, **kwargs: object) -> ReconnectingInbound:
        """Build from :class:`~callcenter.config.EslSettings` (kwargs as for ``__init__``)."""
        return cls(
            settings.host,
            settings.port,
            settings.required_password(),
            reconnect_min=settings.reconnect_min,
            reconnect_max=settings.reconnect_max,
            command_timeout=settings.command_timeout,
            connect_timeout=settings.connect_timeout,
            api_connections=settings.api_connections,
            **kwargs,  # type: ignore[arg-type]
        )

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> ReconnectingInbound:
        """Start the supervisor greenlet (returns at once)."""
        if self._loop is None:
            self._stopped = False
            self._loop = gevent.spawn(self._run)
            self.api_pool.start()
        return self

    def stop(self) -> None:
        """Stop reconnecting and close the current connection."""
        self._stopped = True
        self.api_pool.stop()
        if self._loop is not None:
            self._loop.kill(block=False)
            self._loop = None
        conn, self._conn = self._conn, None
        self._up.clear()
        if conn is not None:
            conn.close("supervisor stopped")
        self.handlers.close()

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Block until a connection is up (and resynced); False on timeout."""
        return self._up.wait(timeout)

    @property
    def connected(self) -> bool:
        """True while a connection is up."""
        return self._conn is not None and self._conn.connected

    @property
    def live_connection(self) -> InboundConnection | None:
        """The connection while it is up, else ``None``."""
        conn = self._conn
        return conn if conn is not None and conn.connected else None

    @property
    def connection(self) -> InboundConnection:
        """The live connection; raises NotConnected while reconnecting."""
        conn = self._conn
        if conn is None or not conn.connected:
            reason = f" ({self.last_error})" if self.last_error else ""
            raise NotConnected(f"no ESL connection to {self.host}:{self.port}{reason}")
        return conn

    # -- delegation ------------------------------------------------------------------------

    def on(
        self,
        key: str,
        handler: Handler,
        *,
        concurrent: bool = False,
        inline: bool = False,
        headers: tuple[str, ...] | None = None,
    ) -> Subscription:
        """Register a handler on every present and future connection."""
        return self.handlers.add(
            key, handler, concurrent=concurrent, inline=inline, headers=headers
        )

    def off(self, subscription: Subscription) -> None:
        """Remove a handler."""
        self.handlers.remove(subscription)

    def api(self, command: str, *, timeout: float | None = None, check: bool = True) -> str:
        """``api`` on an api connection of the pool, else on the main one (NotConnected while
        the main one is down: without its events the engine could not follow the result)."""
        main = self.connection
        conn = self.api_pool.pick() or main
        return conn.api(command, timeout=timeout, check=check)

    def bgapi(self, command: str, *, job_uuid: str | None = None) -> BackgroundJob:
        """``bgapi`` on the live connection; the job fails if that connection drops."""
        return self.connection.bgapi(command, job_uuid=job_uuid)

    def sendmsg(self, uuid: str, app: str, arg: str | None = None, **kwargs: object) -> str:
        """``sendmsg`` on the live connection."""
        return self.connection.sendmsg(uuid, app, arg, **kwargs)  # type: ignore[arg-type]

    # -- the loop --------------------------------------------------------------------------

    def _run(self) -> None:
        delays = backoff_delays(self.reconnect_min, self.reconnect_max)
        while not self._stopped:
            conn = InboundConnection(
                self.host,
                self.port,
                self.password,
                command_timeout=self.command_timeout,
                connect_timeout=self.connect_timeout,
                handlers=self.handlers,
            )
            try:
                conn.connect()
                if self.events:
                    conn.subscribe(*self.events, fmt=self.event_format)
            except Exception as exc:
                conn.close("connect failed")
                self.last_error = exc if isinstance(exc, SwitchError) else NotConnected(repr(exc))
                delay = self._jittered(next(delays))
                if isinstance(exc, AuthFailed):
                    log.error("esl authentication failed; retrying", error=str(exc))
                elif isinstance(exc, SwitchError):
                    log.warning("esl connect failed; retrying", error=str(exc), retry_in=delay)
                else:
                    log.exception("esl connect failed unexpectedly; retrying", retry_in=delay)
                gevent.sleep(delay)
                continue
            delays = backoff_delays(self.reconnect_min, self.reconnect_max)
            self.connects += 1
            self.last_error = None
            self._conn = conn
            self._resync(conn)
            if conn.connected:
                self._up.set()
            conn.wait_closed()
            self._up.clear()
            if self._conn is conn:
                self._conn = None
            self.last_error = conn.close_reason
            if not self._stopped:
                log.warning("esl connection lost; reconnecting", reason=str(conn.close_reason))
                gevent.sleep(self._jittered(next(delays)))

    def _api_member(self) -> ReconnectingInbound:
        """An event-less connection to the same switch, for ``api`` commands only."""
        return ReconnectingInbound(
            self.host,
            self.port,
            self.password,
            events=(),
            reconnect_min=self.reconnect_min,
            reconnect_max=self.reconnect_max,
            jitter=self.jitter,
            command_timeout=self.command_timeout,
            connect_timeout=self.connect_timeout,
        )

    def _resync(self, conn: InboundConnection) -> None:
        if self.on_resync is None:
            return
        try:
            self.on_resync(conn)
        except Exception:
            log.exception("esl resync callback failed", connects=self.connects)

    def _jittered(self, delay: float) -> float:
        if not self.jitter:
            return delay
        return delay * (1 + random.uniform(-self.jitter, self.jitter))


def backoff_delays(first: float, longest: float) -> Iterator[float]:
    """Reconnect delays: ``first``, doubling each time, never above ``longest``."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, longest)
