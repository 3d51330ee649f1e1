"""The simulated FreeSWITCH: ESL server, event bus, channels, directory and dialplan."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

import gevent
from gevent.server import StreamServer

from callcenter.sim.cdr_csv import CdrCsv
from callcenter.sim.channel import Channel, new_uuid, variable
from callcenter.sim.events import Clock, EventFactory, SimEvent

Dialplan = dict[str, "str | list[tuple[str, str]]"]
DEFAULT_DIALPLAN: Dialplan = {"5000": "127.0.0.1:8084 async full"}
STOCK_EXTENSIONS: dict[str, list[tuple[str, str]]] = {
    "9196": [("answer", ""), ("echo", "")],
    "9197": [("answer", ""), ("playback", "tone_stream://%(1000,1000,440);loops=-1")],
}


class Switch:
    """A FreeSWITCH stand-in: inbound ESL on ``port``, outbound sockets from the dialplan.

    ``dialplan`` maps dialled numbers to a ``socket`` target (``"host:port async full"``)
    or to a list of ``(application, argument)`` pairs. All durations (playback, ringing,
    linger, endpoint scripts) run ``time_scale`` times faster than real time.
    """

    def __init__(
        self,
        password: str = "ClueCon",
        host: str = "127.0.0.1",
        port: int = 0,
        dialplan: Dialplan | None = None,
        domain: str = "127.0.0.1",
        time_scale: float = 1.0,
        users: Iterable[str] | None = None,
    ) -> None:
        from callcenter.sim.api import Api

        self.password = password
        self.host = host
        self._port = port
        self.dialplan: Dialplan = dict(DEFAULT_DIALPLAN if dialplan is None else dialplan)
        self.domain = domain
        self.clock = Clock(time_scale)
        self.core_uuid = new_uuid()
        self.events = EventFactory(self.clock, self.core_uuid)
        self.channels: dict[str, Channel] = {}
        self.listeners: set[Any] = set()
        # the listeners an event can go to (``event`` on): at scale most listeners are the
        # socket app's connections before their ``myevents``, which take no event
        self.hearing: set[Any] = set()
        # connections after ``myevents``, by the uuid they follow: an event goes only to its
        # channel's (the others would drop it), so dispatch is not O(connections) per event
        self.own_listeners: dict[str, set[Any]] = {}
        self.subscribers: list[Callable[[SimEvent], None]] = []
        # in-process callbacks for one channel's events (endpoints): a dict lookup per event,
        # where a subscriber per endpoint would make every event O(calls)
        self.watchers: dict[str, list[Callable[[SimEvent], None]]] = {}
        self.users = set(users or (str(n) for n in range(1000, 1020)))
        self.registrations: dict[str, Any] = {}
        self.softphones: dict[str, Any] = {}
        self.conferences: dict[str, Any] = {}
        self.member_seq = 0  # mod_conference member ids (global)
        self.api = Api(self)
        self.log = logging.getLogger("callcenter.sim")
        self.started_at = time.time()
        self.sessions_since_start = 0
        self.session_seq = 0
        self.connect_map: dict[str, tuple[str, int]] = {}
        self.connect_wait_max = 0.0  # longest socket app connection -> its ``connect`` (s)
        self.cdr: CdrCsv | None = None  # mod_cdr_csv, when a test sets one (sim/cdr_csv.py)
        self._server: StreamServer | None = None
        self._timers: list[gevent.Greenlet] = []

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> Switch:
        """Listen for ESL clients (port 0 picks a free port, see :attr:`port`)."""
        from callcenter.sim.esl import serve_inbound

        self._server = StreamServer((self.host, self._port), lambda s, a: serve_inbound(self, s, a))
        self._server.start()
        self._timers.append(gevent.spawn(self._heartbeat))
        return self

    def stop(self) -> None:
        """Hang up every channel, close every connection and stop listening."""
        from callcenter.sim.session import hangup

        for ch in list(self.channels.values()):
            hangup(ch, "MANAGER_REQUEST")
        gevent.sleep(0.01)
        for conn in [*self.listeners, *(c for own in self.own_listeners.values() for c in own)]:
            conn.close()
        for ch in list(self.channels.values()):
            if ch.greenlet is not None:
                ch.greenlet.kill(block=False)
        for g in self._timers:
            g.kill(block=False)
        if self._server is not None:
            self._server.stop(timeout=1)
            self._server = None

    def __enter__(self) -> Switch:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The ESL port clients connect to."""
        if self._server is None:
            return self._port
        return self._server.server_port

    def _heartbeat(self) -> None:
        while True:
            gevent.sleep(self.clock.real(20.0))
            self.dispatch(self.events.build("HEARTBEAT", pre=self.api.heartbeat_headers()))

    # -- events ----------------------------------------------------------------------------
    def dispatch(self, ev: SimEvent) -> None:
        """Deliver an event to every ESL listener and in-process subscriber."""
        for conn in list(self.hearing):
            conn.offer(ev)
        own = self.own_listeners.get(ev.uuid)
        if own:
            for conn in list(own):
                conn.offer(ev)
        if self.subscribers:
            for sub in list(self.subscribers):
                sub(ev)
        if self.watchers and (mine := self.watchers.get(ev.uuid)):
            for callback in list(mine):
                callback(ev)

    def wanted(self, name: str, uuid: str) -> bool:
        """Whether an event ``name`` of channel ``uuid`` could reach anyone (a subscriber, a
        watcher of the channel, a connection that may take it); one nobody would get need not
        be built: at thousands of calls most channel events (CHANNEL_STATE, CODEC, PRESENCE_IN
        ...) go to no one, and building their header blocks was most of the simulator's CPU."""
        if self.subscribers or uuid in self.watchers:
            return True
        if any(conn.may_take(name) for conn in self.hearing):
            return True
        own = self.own_listeners.get(uuid)
        return bool(own) and any(conn.may_take(name) for conn in own)

    def skip_event(self) -> None:
        """An event nobody gets is not built, but it takes its Event-Sequence number."""
        self.events.seq += 1

    def follow(self, conn: Any, uuid: str | None) -> None:
        """File ``conn`` under the uuid it follows (``myevents``), or back with every
        listener (``None``); a closed connection leaves both."""
        old = getattr(conn, "myevents", None)
        if old is not None and (own := self.own_listeners.get(old)) is not None:
            own.discard(conn)
            if not own:
                del self.own_listeners[old]
        if conn.closed:
            self.listeners.discard(conn)
        elif uuid is None:
            self.listeners.add(conn)
        else:
            self.listeners.discard(conn)
            self.own_listeners.setdefault(uuid, set()).add(conn)
        self.hear(conn)

    def hear(self, conn: Any) -> None:
        """File ``conn`` among the connections every event is offered to, or take it out:
        in while it is a listener (not ``myevents``), open and has ``event`` on."""
        if conn.events_on and not conn.closed and conn in self.listeners:
            self.hearing.add(conn)
        else:
            self.hearing.discard(conn)

    def subscribe(self, callback: Callable[[SimEvent], None]) -> Callable[[], None]:
        """Call ``callback`` for every event; returns a function that unsubscribes."""
        self.subscribers.append(callback)
        return lambda: self.subscribers.remove(callback)

    def watch(self, uuid: str, callback: Callable[[SimEvent], None]) -> Callable[[], None]:
        """Call ``callback`` for every event of channel ``uuid``; returns the unwatch."""
        self.watchers.setdefault(uuid, []).append(callback)

        def unwatch() -> None:
            mine = self.watchers.get(uuid)
            if mine is not None and callback in mine:
                mine.remove(callback)
                if not mine:
                    del self.watchers[uuid]

        return unwatch

    def fire_api_event(self, command: str, arg: str) -> None:
        """The API event every api/bgapi command fires after it ran."""
        if not self.wanted("API", ""):
            self.skip_event()
            return
        pre = {"API-Command": command, "API-Command-Argument": arg or None}
        self.dispatch(self.events.build("API", pre=pre))

    # -- channels --------------------------------------------------------------------------
    def channel(self, uuid: str) -> Channel | None:
        """A live channel (not hung up) by uuid."""
        ch = self.channels.get(uuid)
        return ch if ch is not None and ch.up else None

    def next_session_id(self) -> str:
        """FreeSWITCH's session_id counter."""
        self.session_seq += 1
        self.sessions_since_start += 1
        return str(self.session_seq)

    def on_destroy(self, ch: Channel) -> None:
        """Hook: a channel left the switch."""

    def channel_data(self, ch: Channel) -> list[tuple[str, str]]:
        """The CHANNEL_DATA headers of the outbound ``connect`` reply (URL-encoded)."""
        from callcenter.sim.wire import fast_url_encode

        ev = self.events.build("CHANNEL_DATA", func="parse_command", variables=False)
        core = ev.pairs
        assert ch.profile is not None
        prof = self.events.profile_pairs(
            "Channel-", ch.profile.values(ch), self.events.caller_order
        )
        body = self.events.channel_block(ch)
        varpairs = [("variable_" + k, v) for k, v in ch.vars.items()]
        return [(k, fast_url_encode(v)) for k, v in core + prof + body + varpairs]

    def deliver_message(self, ch: Channel, msg: dict[str, Any]) -> None:
        """Queue a sendmsg for the session (it runs when the session parks or waits)."""
        ch.inbox.append(msg)
        ch.poke()

    # -- dialplan --------------------------------------------------------------------------
    def route(self, ch: Channel, number: str) -> list[tuple[str, str]] | None:
        """The public context: set/export for every call, then the extension's actions."""
        target = self.dialplan.get(number)
        actions: list[tuple[str, str]]
        if isinstance(target, str):
            actions = [("socket", target)]
        elif target is not None:
            actions = list(target)
        elif number in STOCK_EXTENSIONS:
            actions = STOCK_EXTENSIONS[number]
        else:
            return None
        date = "${strftime(%a, %d %b %Y %T %z)}"
        return [("set", "outside_call=true"), ("export", f"RFC2822_DATE={date}"), *actions]

    _FUNC = re.compile(r"\$\{(\w+)\(([^)]*)\)\}")
    _VAR = re.compile(r"\$\{(\w+)\}")

    def expand_needs_api(self, text: str) -> bool:
        """Whether ``text`` has ``${...}`` to expand."""
        return "${" in text

    def expand(self, ch: Channel | None, text: str) -> str:
        """Expand ``${api(args)}`` (firing API events) and ``${var}``."""

        def func(m: re.Match[str]) -> str:
            return self.api.execute(m.group(1), m.group(2), None)

        text = self._FUNC.sub(func, text)
        if ch is not None:
            text = self._VAR.sub(lambda m: variable(ch, m.group(1)), text)
        return text

    # -- endpoints -------------------------------------------------------------------------
    def place_call(self, caller_number: str, dialled: str, script: Iterable[Any] = (), **kw: Any):
        """A SIP caller dials ``dialled``; returns the :class:`~callcenter.sim.endpoints.Caller`."""
        from callcenter.sim.endpoints import Caller

        caller = Caller(self, caller_number, dialled, list(script), **kw)
        caller.start()
        return caller

    def add_softphone(self, user: str, **kw: Any):
        """Register an agent phone for directory user ``user`` (see :class:`Softphone`)."""
        from callcenter.sim.softphone import Softphone

        register = kw.pop("register", True)
        phone = Softphone(self, user, **kw)
        self.softphones[user] = phone
        if register == "quiet":
            phone.registered = True
            phone.expires_at = int(self.clock.now()) + 3600
            self.registrations[user] = phone
        elif register:
            phone.register()
        return phone

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait (real seconds) until no channel is left; True if it happened."""
        deadline = time.monotonic() + timeout
        while self.channels and time.monotonic() < deadline:
            gevent.sleep(0.01)
        return not self.channels
