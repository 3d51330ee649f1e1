"""One call on the outbound socket: channel data, applications, events, hangup.

``execute`` sends ``sendmsg`` with a fresh ``Event-UUID`` and waits for the
CHANNEL_EXECUTE_COMPLETE whose ``Application-UUID`` equals it (not the next completion with
the same app name), with a timeout; CHANNEL_HANGUP or a disconnect notice wakes every waiter
at once with :class:`SessionGone` (in S05c the notice even came before EXECUTE_COMPLETE).
``uuid_bridge`` ends the ``socket`` app (S03) but not the session: events keep coming until
the caller hangs up. The server around it is in :mod:`callcenter.switch.outbound`.
"""

from __future__ import annotations

import time
import uuid as uuid_module
from collections.abc import Callable
from sys import intern
from urllib.parse import unquote

import gevent
import gevent.event
import gevent.queue

from callcenter.switch.commands import play_and_get_digits_arg
from callcenter.switch.connection import DisconnectNotice, EslConnection
from callcenter.switch.errors import (
    CommandFailed,
    CommandTimeout,
    NotConnected,
    SessionGone,
    SwitchError,
)
from callcenter.switch.execution import Execution
from callcenter.switch.handlers import ALL
from callcenter.switch.inbound import sendmsg_headers
from callcenter.switch.protocol import Event, Frame

__all__ = ["Execution", "OutboundSession"]

RECENT_EVENTS = 2
"""Events a session remembers for ``wait_event(include_past=True)``: each holds the whole
channel (some 150 headers, ~13 kB parsed), per concurrent call; the engine looks back only for
an app that completed around the hangup (which the tail below keeps anyway)."""
RECENT_SECONDS = 5.0
"""... and for this long: a caller waiting in line gets no event for minutes, and the last two
would otherwise be a good part of its memory (the server forgets them, :meth:`forget_past`)."""
CHANNEL_IDENTITY = (
    "Unique-ID",
    "Caller-Caller-ID-Number",
    "Caller-Caller-ID-Name",
    "Caller-Destination-Number",
)
"""The channel headers :meth:`OutboundSession.forget_channel_data` keeps (the properties')."""
HANGUP_IDENTITY = ("Event-Name", "Unique-ID", "Hangup-Cause")
"""What :meth:`OutboundSession.finish` keeps of the hang-up event."""
SETUP_TIMEOUT = 30.0
"""Seconds the set-up commands (``connect``, ``myevents``, filters, ``linger``) may take: the
switch answers them at once, so a late answer means this engine is busy (thousands of calls
ending in the same second kept it busy for over 10 s in ``benchmarks/sim_scale.py``); giving
up then would hand a caller who already reached us to the dialplan's fallback."""
EXIT_GRACE = 2.0
"""Seconds the switch has to answer ``exit`` and close the socket before the session does."""
TAIL_EVENTS = 100
"""Events a session keeps from the hangup on (for ``even_if_gone`` waits)."""


def _nothing() -> None:
    """A cancel with nothing to cancel."""


class _Waiter:
    __slots__ = ("name", "predicate", "result", "even_if_gone")

    def __init__(
        self, name: str, predicate: Callable[[Event], bool] | None, even_if_gone: bool
    ) -> None:
        self.name = name
        self.predicate = predicate
        self.even_if_gone = even_if_gone
        self.result = gevent.event.AsyncResult()


class OutboundSession(EslConnection):
    """One call handed to the engine by the dialplan ``socket`` application."""

    per_call = True

    def __init__(
        self,
        sock: object,
        address: tuple[str, int] | None = None,
        *,
        command_timeout: float = 10.0,
        app_timeout: float = 300.0,
        max_concurrent_handlers: int = 20,
        after_hangup_headers: tuple[str, ...] | None = None,
    ) -> None:
        peer = f"{address[0]}:{address[1]}" if address else "?"
        super().__init__(
            command_timeout=command_timeout,
            max_concurrent_handlers=max_concurrent_handlers,
            name=f"outbound {peer}",
        )
        self.app_timeout = app_timeout
        # From the hang-up on, the events kept for later waits keep only these headers (None:
        # all): each holds the whole channel, and thousands of calls ending at once keep them
        # until their handlers get to them.
        self.after_hangup_headers = after_hangup_headers
        self.channel = Event({})
        self.hangup_event: Event | None = None
        self._gone: SessionGone | None = None
        self._executions: dict[str, Execution] = {}
        self._waiters: list[_Waiter] = []
        self._recent: list[tuple[float, Event]] = []  # (monotonic time, event), oldest first
        self._tail: list[Event] = []  # events from the hangup on (bounded by the call's end)
        self._gone_callbacks: list[Callable[[], object]] = []
        self._exit_timer: object = None  # closes the socket if the switch does not, after exit
        self.attach(sock)  # type: ignore[arg-type]

    # -- channel data ----------------------------------------------------------------------

    @property
    def uuid(self) -> str:
        """The channel's Unique-ID."""
        return self.channel.headers.get("Unique-ID", "")

    @property
    def caller_number(self) -> str:
        """Caller-Caller-ID-Number (the customer's number for an inbound call)."""
        return self.channel.headers.get("Caller-Caller-ID-Number", "")

    @property
    def caller_name(self) -> str:
        """Caller-Caller-ID-Name."""
        return self.channel.headers.get("Caller-Caller-ID-Name", "")

    @property
    def destination_number(self) -> str:
        """Caller-Destination-Number (the dialled hotline number)."""
        return self.channel.headers.get("Caller-Destination-Number", "")

    @property
    def variables(self) -> dict[str, str]:
        """Channel variables from the connect reply (``variable_*`` without the prefix)."""
        return self.channel.variables

    @property
    def gone(self) -> bool:
        """True once the caller hung up or the socket closed."""
        return self._gone is not None

    def forget_channel_data(self, keep: tuple[str, ...] = CHANNEL_IDENTITY) -> None:
        """Keep only the ``keep`` headers of the channel (uuid, caller, destination).

        The connect reply holds the whole channel (some 150 headers and variables, ~10 kB
        parsed); a handler that has read what it needs calls this, so a call waiting for
        minutes does not carry it.
        """
        headers = self.channel.headers
        self.channel = Event({k: headers[k] for k in keep if k in headers}, None, "command/reply")

    # -- session setup ---------------------------------------------------------------------

    def connect(self) -> Event:
        """Send ``connect``; the reply's headers are the channel data (URL-decoded here)."""
        frame = self.command("connect", timeout=self._setup_timeout)
        # Values interned: most (host, profile, codecs, flags...) are the same on every call,
        # and the channel is kept for the whole call.
        headers = {k: intern(unquote(v) if "%" in v else v) for k, v in frame.headers.items()}
        self.channel = Event(headers, None, "command/reply")
        self.log = self.log.bind(call_uuid=self.uuid)
        return self.channel

    def myevents(self) -> Frame:
        """Receive this channel's events (the fixed CHANNEL_* + DTMF set, see S02)."""
        return self.command("myevents", timeout=self._setup_timeout)

    def only_events(self, names: tuple[str, ...]) -> None:
        """Receive only the events called ``names`` (one ``filter Event-Name`` each; see
        the simulator's conformance notes: FreeSWITCH passes an event matching any filter)."""
        for name in names:
            self.command(f"filter Event-Name {name}", timeout=self._setup_timeout)

    def linger(self, seconds: int | None = None) -> Frame:
        """Keep the socket after hangup (for the final events); bare linger never closes."""
        text = "linger" if seconds is None else f"linger {int(seconds)}"
        return self.command(text, timeout=self._setup_timeout)

    @property
    def _setup_timeout(self) -> float:
        return max(self.command_timeout, SETUP_TIMEOUT)

    # -- applications ----------------------------------------------------------------------

    def execute_async(self, app: str, arg: str | None = None) -> Execution:
        """Start ``app arg`` and return at once with a handle (FreeSWITCH answers +OK)."""
        if self._gone is not None:
            raise self._gone_error()
        event_uuid = str(uuid_module.uuid4())
        execution = Execution(self, app, arg, event_uuid)
        headers = sendmsg_headers(app, arg, event_uuid)
        self._executions[event_uuid] = execution
        try:
            self.command("sendmsg", headers)
        except CommandFailed:
            self._executions.pop(event_uuid, None)
            raise
        except (NotConnected, CommandTimeout):
            self._executions.pop(event_uuid, None)
            if self._gone is not None:
                raise self._gone_error() from None
            raise
        return execution

    def execute(self, app: str, arg: str | None = None, *, timeout: float | None = None) -> Event:
        """Run ``app arg`` and wait for its completion event (see :meth:`Execution.wait`)."""
        return self.execute_async(app, arg).wait(timeout)

    def answer(self) -> Event:
        """Answer the call."""
        return self.execute("answer")

    def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        """Hang the call up (returns once FreeSWITCH accepted the command)."""
        try:
            self.execute_async("hangup", cause)
        except SessionGone:
            pass

    def playback(self, path: str, *, timeout: float | None = None) -> Event:
        """Play a file or stream to the caller and wait until it finished."""
        return self.execute("playback", path, timeout=timeout)

    def play_and_get_digits(
        self,
        prompt: str,
        *,
        var_name: str = "cc_digits",
        timeout: float | None = None,
        **options: int | str | None,
    ) -> str:
        """Prompt and collect DTMF; the digits ('' if none) from the EXECUTE_COMPLETE.

        ``options`` are those of :func:`~callcenter.switch.commands.play_and_get_digits_arg`
        (min_digits, max_digits, tries, timeout_ms, terminators, invalid_prompt, regexp...).
        """
        arg = play_and_get_digits_arg(prompt, var_name=var_name, **options)  # type: ignore[arg-type]
        complete = self.execute("play_and_get_digits", arg, timeout=timeout)
        return complete.headers.get("variable_" + var_name, "")

    # -- events ----------------------------------------------------------------------------

    def wait_event(
        self,
        name: str,
        *,
        timeout: float | None = None,
        predicate: Callable[[Event], bool] | None = None,
        even_if_gone: bool = False,
        include_past: bool = False,
    ) -> Event:
        """Wait for the next event called ``name`` (matching ``predicate``).

        ``include_past`` first looks through the session's recent events (newest first), for
        events that may already have passed. Raises SessionGone when the call ends first
        (unless ``even_if_gone``: then only the socket closing ends the wait), and
        CommandTimeout after ``timeout`` seconds. Once the call is gone, ``even_if_gone``
        waits also see the events that came since the hangup, so the final ones
        (CHANNEL_HANGUP_COMPLETE with billsec and hangup disposition) are never missed.
        """

        def matches(event: Event) -> bool:
            return event.name == name and (predicate is None or predicate(event))

        if include_past:
            since = time.monotonic() - RECENT_SECONDS
            for at, event in reversed(self._recent):
                if at >= since and matches(event):
                    return event
        if self._gone is not None and even_if_gone:
            for event in self._tail:
                if matches(event):
                    return event
        if (self._gone is not None and not even_if_gone) or self._closed:
            raise self._gone_error()
        waiter = _Waiter(name, predicate, even_if_gone)
        self._waiters.append(waiter)
        try:
            return waiter.result.get(timeout=timeout)
        except gevent.Timeout:
            raise CommandTimeout(f"no {name} event within {timeout:g} s", name, timeout) from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def wait_gone(self, timeout: float | None = None) -> SessionGone | None:
        """Block until the call is gone; returns the SessionGone (None on timeout)."""
        waiter = _Waiter("", lambda _event: False, True)
        if self._gone is None:
            self._waiters.append(waiter)
            try:
                waiter.result.wait(timeout)
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return self._gone

    def when_gone(self, callback: Callable[[], object]) -> Callable[[], None]:
        """Call ``callback()`` once the call is gone (at once if it is); returns a cancel.

        It runs where the end is noticed (the reader) and must not block - a greenlet
        parked in :meth:`wait_gone` instead keeps a copy of its C stack for the whole call.
        """
        if self._gone is not None:
            callback()
            return _nothing
        self._gone_callbacks.append(callback)

        def cancel() -> None:
            if callback in self._gone_callbacks:
                self._gone_callbacks.remove(callback)

        return cancel

    def stream(self) -> gevent.queue.Queue:
        """A queue receiving every event of this session from now on (until it closes)."""
        queue: gevent.queue.Queue = gevent.queue.Queue()
        self.on(ALL, queue.put)
        return queue

    def forget_past(self) -> None:
        """Drop the remembered events older than ``RECENT_SECONDS`` (see there)."""
        recent = self._recent
        since = time.monotonic() - RECENT_SECONDS
        while recent and recent[0][0] < since:
            del recent[0]

    # -- ending ----------------------------------------------------------------------------

    def finish(self) -> bool:
        """End the session: ``exit`` if the socket is still open, close, stop handlers; True
        if the socket is left to close after the switch's goodbye (the caller was gone).

        The handler is done, so nothing looks back at the call's events or channel data any
        more: they are dropped first (each holds the whole channel, and when thousands of
        calls end at once the ``exit`` replies are slow to come).
        """
        self._recent.clear()
        self._tail.clear()
        self.forget_channel_data()
        if self.hangup_event is not None:
            self.hangup_event = self.hangup_event.only(HANGUP_IDENTITY)
        if self.connected and self._gone is not None and self._hub_reader is not None:
            # The caller is gone: the goodbye is sent and the reader takes the reply and the
            # switch's close (S02: "+OK bye", notice, close); no greenlet waits for them - after
            # a mass hang-up thousands did, each with the stack of its call's last work.
            try:
                self.send_without_reply("exit")
            except SwitchError:
                pass
            else:
                self._exit_timer = gevent.get_hub().loop.timer(EXIT_GRACE)
                self._exit_timer.start(self.close, "no close after exit")
                # handlers still get what comes meanwhile (the switch's notices), as before
                self.on_close(lambda _error: self.handlers.close())
                return True
        if self.connected:
            try:
                self.command("exit", timeout=min(self.command_timeout, EXIT_GRACE), check=False)
            except SwitchError:
                pass
        self.close("session finished")
        self.handlers.close()
        return False

    # -- reader hooks ----------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if self._gone is None:
            recent = self._recent
            if len(recent) >= RECENT_EVENTS:
                del recent[0]
            recent.append((time.monotonic(), event))
        elif len(self._tail) < TAIL_EVENTS:  # include_past waits look here too once gone
            self._tail.append(self._kept(event))
        headers = event.headers
        name = headers.get("Event-Name", "")
        if name == "CHANNEL_EXECUTE_COMPLETE":
            execution = self._executions.pop(headers.get("Application-UUID", ""), None)
            if execution is not None:
                execution._complete(event)
        if self._waiters:
            for waiter in list(self._waiters):
                if waiter.name == name and (waiter.predicate is None or waiter.predicate(event)):
                    self._waiters.remove(waiter)
                    waiter.result.set(event)
        if name == "CHANNEL_HANGUP" and headers.get("Unique-ID", self.uuid) == self.uuid:
            self.hangup_event = event = self._kept(event)
            if self._gone is None:
                self._tail.append(event)
                self._recent = [(at, self._kept(past)) for at, past in self._recent]
            cause = headers.get("Hangup-Cause", "")
            self._set_gone(SessionGone(f"caller hung up ({cause})", self.uuid, cause))

    def _kept(self, event: Event) -> Event:
        """What is kept of an event once the call is gone."""
        keep = self.after_hangup_headers
        return event if keep is None else event.only(keep)

    def _on_notice(self, notice: DisconnectNotice) -> None:
        why = "linger" if notice.lingering else notice.disposition or "notice"
        self._set_gone(SessionGone(f"call ended (disconnect notice: {why})", self.uuid))

    def _on_teardown(self, error: SwitchError) -> None:
        if self._exit_timer is not None:
            self._exit_timer.stop()  # type: ignore[attr-defined]
        self._set_gone(SessionGone(f"outbound socket closed ({error})", self.uuid))
        for waiter in self._waiters:
            waiter.result.set_exception(self._gone_error())
        self._waiters.clear()

    def _not_connected(self) -> NotConnected:
        return NotConnected(f"{self.name} (call {self.uuid}): {self._close_reason or 'closed'}")

    def _set_gone(self, error: SessionGone) -> None:
        if self._gone is not None:
            return
        if not error.cause and self.hangup_event is not None:
            error.cause = self.hangup_event.headers.get("Hangup-Cause", "")
        self._gone = error
        self.log.info("call gone", reason=str(error))
        executions, self._executions = self._executions, {}
        for execution in executions.values():
            execution._fail(self._gone_error(f"{execution.app}: "))
        keep = []
        for waiter in self._waiters:
            if waiter.even_if_gone and waiter.name:
                keep.append(waiter)
            else:
                waiter.result.set_exception(self._gone_error())
        self._waiters = keep
        callbacks, self._gone_callbacks = self._gone_callbacks, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a bug in a callback never stops the session's reader
                self.log.exception("call-gone callback failed")

    def _gone_error(self, prefix: str = "") -> SessionGone:
        gone = self._gone or SessionGone("outbound session closed", self.uuid)
        return SessionGone(f"{prefix}call {self.uuid} is gone: {gone}", gone.uuid, gone.cause)
