"""Inbound ESL: the engine connects to FreeSWITCH's mod_event_socket (port 8021).

Authentication, event subscriptions (``event json|plain``), filters, ``api``, ``bgapi`` with
our own ``Job-UUID`` (registered before the command is sent, so the BACKGROUND_JOB can never
arrive first; FreeSWITCH honours the header, S01) and ``sendmsg``.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Iterable

import gevent
import gevent.event
from gevent import socket

from callcenter.config import EslSettings
from callcenter.switch.connection import EslConnection, check_line, is_error_reply
from callcenter.switch.errors import (
    AuthFailed,
    CommandFailed,
    CommandTimeout,
    NotConnected,
    SwitchError,
)
from callcenter.switch.handlers import HandlerTable
from callcenter.switch.protocol import Event, Frame

__all__ = ["BackgroundJob", "InboundConnection"]

EVENT_FORMATS = ("plain", "json")


class BackgroundJob:
    """Handle of one ``bgapi`` command, resolved by the BACKGROUND_JOB with its Job-UUID."""

    def __init__(self, job_uuid: str, command: str) -> None:
        self.job_uuid = job_uuid
        self.command = command
        self.event: Event | None = None
        self._result = gevent.event.AsyncResult()

    def ready(self) -> bool:
        """True once the job finished (or the connection died)."""
        return self._result.ready()

    def get(self, timeout: float | None = None) -> str:
        """The job's output; ``-ERR`` output (e.g. ``-ERR NO_ANSWER``) raises CommandFailed.

        Raises CommandTimeout if the job did not finish in ``timeout`` seconds and
        NotConnected if the connection dropped before its BACKGROUND_JOB came.
        """
        try:
            body = self._result.get(timeout=timeout)
        except gevent.Timeout:
            raise CommandTimeout(
                f"bgapi job {self.job_uuid} ({self.command.split(' ', 1)[0]}) did not finish "
                f"within {timeout:g} s",
                self.command,
                timeout,
            ) from None
        if is_error_reply(body):
            raise CommandFailed("bgapi " + self.command, body)
        return body

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is done; False if ``timeout`` passed first."""
        self._result.wait(timeout)
        return self._result.ready()

    @property
    def output(self) -> str | None:
        """The raw job output (``+OK <uuid>``, ``-ERR USER_BUSY``...), ``None`` until done."""
        return self.event.body or "" if self.event is not None else None

    def _resolve(self, event: Event) -> None:
        self.event = event
        self._result.set(event.body or "")

    def _fail(self, error: SwitchError) -> None:
        if not self._result.ready():
            self._result.set_exception(error)


class InboundConnection(EslConnection):
    """An authenticated inbound ESL connection to FreeSWITCH."""

    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        *,
        command_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        handlers: HandlerTable | None = None,
        max_concurrent_handlers: int = 100,
    ) -> None:
        super().__init__(
            command_timeout=command_timeout,
            handlers=handlers,
            max_concurrent_handlers=max_concurrent_handlers,
            name=f"inbound {host}:{port}",
        )
        self.host = host
        self.port = port
        self.password = password
        self.connect_timeout = connect_timeout
        self.event_format = "plain"
        self.subscribed: tuple[str, ...] = ()
        self._jobs: dict[str, BackgroundJob] = {}
        self._auth_request = gevent.event.Event()
        self._rejection: str | None = None

    @classmethod
    def from_settings(
        cls, settings: EslSettings, handlers: HandlerTable | None = None
    ) -> InboundConnection:
        """Build a connection from :class:`~callcenter.config.EslSettings`."""
        return cls(
            settings.host,
            settings.port,
            settings.required_password(),
            command_timeout=settings.command_timeout,
            connect_timeout=settings.connect_timeout,
            handlers=handlers,
        )

    # -- connecting ------------------------------------------------------------------------

    def connect(self) -> InboundConnection:
        """Open the socket and authenticate; raises NotConnected or AuthFailed."""
        where = f"FreeSWITCH ESL at {self.host}:{self.port}"
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:
            raise NotConnected(f"cannot connect to {where}: {exc}") from None
        sock.settimeout(None)
        self.attach(sock)
        if not self._wait_auth_request():
            self.close("no auth/request")
            raise NotConnected(
                f"{where} sent no auth/request within {self.connect_timeout:g} s "
                f"({self.close_reason}); is that port mod_event_socket?"
            )
        try:
            self.command(f"auth {self.password}", timeout=self.connect_timeout)
        except CommandFailed as exc:
            self.close("authentication failed")
            raise AuthFailed(
                f"{where} rejected the ESL password (reply {exc.reply!r}); set esl.password "
                "(CALLCENTER_ESL__PASSWORD) to the password in event_socket.conf.xml"
            ) from None
        except CommandTimeout:
            self.close("authentication timed out")
            raise NotConnected(f"{where} did not answer auth in time") from None
        except NotConnected as exc:
            raise NotConnected(f"{where} closed the connection during auth: {exc}") from None
        self.log.info("esl connected", host=self.host, port=self.port)
        return self

    def _wait_auth_request(self) -> bool:
        gevent.wait([self._auth_request, self._closed_event], self.connect_timeout, count=1)
        if self._rejection is not None:
            self.close("rejected")
            raise AuthFailed(
                f"FreeSWITCH ESL at {self.host}:{self.port} refused the connection "
                f"({self._rejection.strip()}); allow this host in the apply-inbound-acl of "
                "event_socket.conf.xml"
            )
        return self._auth_request.is_set() and self.connected

    # -- subscriptions and filters ---------------------------------------------------------

    def subscribe(self, *names: str, fmt: str = "json") -> Frame:
        """Subscribe (``event <fmt> <names>``); BACKGROUND_JOB is always added for bgapi.

        ``fmt="json"`` is the default: FreeSWITCH's JSON parses with the C ``json`` module,
        about twice as fast as URL-decoded plain events (benchmarks/esl_ingest.py). Note that
        the format applies to the whole connection (S01).
        """
        if fmt not in EVENT_FORMATS:
            raise ValueError(f"event format must be one of {EVENT_FORMATS}, not {fmt!r}")
        wanted = _event_names(names)
        if "ALL" not in wanted and "BACKGROUND_JOB" not in wanted:
            wanted.append("BACKGROUND_JOB")
        frame = self.command(f"event {fmt} {' '.join(wanted)}")
        self.event_format = fmt
        self.subscribed = tuple(wanted)
        return frame

    def unsubscribe_all(self) -> Frame:
        """Stop all events (``noevents``); pending bgapi jobs will then never resolve."""
        frame = self.command("noevents")
        self.subscribed = ()
        return frame

    def filter(self, header: str, value: str) -> Frame:
        """Only receive events whose ``header`` equals ``value`` (filters also hide jobs)."""
        return self.command(f"filter {_token(header)} {check_line(value)}")

    def filter_delete(self, header: str, value: str | None = None) -> Frame:
        """Remove one filter, every filter on ``header``, or all (``header='all'``)."""
        text = f"filter delete {_token(header)}"
        return self.command(text if value is None else f"{text} {check_line(value)}")

    # -- commands --------------------------------------------------------------------------

    def bgapi(self, command: str, *, job_uuid: str | None = None) -> BackgroundJob:
        """Start ``bgapi <command>``; the returned handle resolves on its BACKGROUND_JOB.

        The connection must be subscribed to BACKGROUND_JOB (``subscribe`` does that) and
        not filtered on Unique-ID, or the job never resolves (S01).
        """
        check_line(command, "bgapi command")
        job_uuid = job_uuid or str(uuid_module.uuid4())
        job = BackgroundJob(job_uuid, command)
        self._jobs[job_uuid] = job
        try:
            self.command(f"bgapi {command}", {"Job-UUID": job_uuid})
        except SwitchError:
            self._jobs.pop(job_uuid, None)
            raise
        return job

    def sendmsg(
        self,
        uuid: str,
        app: str,
        arg: str | None = None,
        *,
        event_uuid: str | None = None,
        lock: bool = False,
        loops: int | None = None,
    ) -> str:
        """Ask channel ``uuid`` to execute ``app arg``; returns the Event-UUID used.

        The app's CHANNEL_EXECUTE_COMPLETE carries it as ``Application-UUID``.
        """
        event_uuid = event_uuid or str(uuid_module.uuid4())
        headers = sendmsg_headers(app, arg, event_uuid, lock=lock, loops=loops)
        self.command(f"sendmsg {_token(uuid)}", headers)
        return event_uuid

    def exit(self) -> None:
        """Say goodbye (``exit``); FreeSWITCH answers ``+OK bye`` and closes."""
        try:
            self.command("exit", timeout=min(self.command_timeout, 2.0))
        except SwitchError:
            pass
        self.close("exit")

    # -- reader hooks ----------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if event.headers.get("Event-Name") == "BACKGROUND_JOB":
            job = self._jobs.pop(event.headers.get("Job-UUID", ""), None)
            if job is not None:
                job._resolve(event)

    def _on_other_frame(self, frame: Frame) -> None:
        content_type = frame.content_type
        if content_type == "auth/request":
            self._auth_request.set()
        elif content_type == "text/rude-rejection":
            self._rejection = frame.text or "access denied"
        else:
            super()._on_other_frame(frame)

    def _on_teardown(self, error: SwitchError) -> None:
        jobs, self._jobs = self._jobs, {}
        for job in jobs.values():
            job._fail(NotConnected(f"{self.name}: {error} (before bgapi job {job.job_uuid} ended)"))


def sendmsg_headers(
    app: str,
    arg: str | None,
    event_uuid: str,
    *,
    lock: bool = False,
    loops: int | None = None,
) -> dict[str, str]:
    """The headers of an ``execute`` sendmsg (newlines refused)."""
    headers = {"call-command": "execute", "execute-app-name": _token(app)}
    if arg:
        headers["execute-app-arg"] = check_line(arg, f"{app} argument")
    headers["Event-UUID"] = _token(event_uuid)
    if lock:
        headers["event-lock"] = "true"
    if loops is not None:
        headers["loops"] = str(int(loops))
    return headers


def _token(value: str) -> str:
    """A single word: no whitespace, not empty."""
    if not value or any(ch.isspace() for ch in value):
        raise ValueError(f"expected a single word without spaces or newlines, got {value!r}")
    return value


def _event_names(names: Iterable[str]) -> list[str]:
    wanted: list[str] = []
    for name in names:
        for word in name.split(" "):
            if word and word not in wanted:
                check_line(word, "event name")
                wanted.append(word)
    if not wanted:
        raise ValueError("subscribe needs at least one event name (or 'ALL')")
    return wanted
