"""Play FreeSWITCH's side of a recorded ESL trace over a real local socket.

A script is a list of :class:`Record` s from tests/fixtures/freeswitch-traces (plus synthetic
ones: raw bytes, a close). The player walks it in order:

* ``send`` (what the client sent in the recording): read the client's next command and check
  it loosely (same verb; for api/bgapi also the same api command). Mismatches go to
  ``errors``.
* ``recv``: send the recorded bytes after the recorded gap since the previous record,
  multiplied by ``time_scale`` and capped at ``max_gap`` (fast, order preserved).

The client's own uuids are patched into the stream (same length, so every Content-Length
stays right): a bgapi's ``Job-UUID`` replaces the recorded job uuid, and a sendmsg's
``Event-UUID`` replaces the recorded one, or, when the recording sent none, the random
``Application-UUID`` FreeSWITCH made up for that app.

``ReplayServer`` plays the inbound role (listens on 127.0.0.1:0; each accepted connection
gets a fresh run of its script); :func:`play_outbound` plays the outbound role (connects to
our OutboundServer like the dialplan ``socket`` app).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import gevent
import gevent.event
from gevent import socket
from gevent.server import StreamServer

TRACES = Path(__file__).resolve().parent.parent / "fixtures" / "freeswitch-traces"


@dataclass(frozen=True)
class Record:
    """One recorded message (``send``/``recv``) or a synthetic step (``raw``/``close``)."""

    t: float
    dir: str
    raw: str = ""
    data: bytes = b""


def load_trace(name: str) -> list[Record]:
    """The records of ``<name>.jsonl`` (e.g. ``"S02-outbound"``)."""
    path = TRACES / f"{name}.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [Record(r["t"], r["dir"], r["raw"]) for r in map(json.loads, handle)]


def raw_step(data: bytes, t: float | None = None) -> Record:
    """Send arbitrary bytes (garbage, a truncated frame...)."""
    return Record(t if t is not None else -1.0, "raw", data=data)


def pause_step(seconds: float) -> Record:
    """Do nothing for ``seconds`` (a switch that does not answer)."""
    return Record(-1.0, "pause", data=str(seconds).encode())


def close_step() -> Record:
    """Close the socket (FreeSWITCH vanishing)."""
    return Record(-1.0, "close")


def until(records: Sequence[Record], predicate: Callable[[Record], bool]) -> list[Record]:
    """Records up to and including the first one matching ``predicate``."""
    out: list[Record] = []
    for record in records:
        out.append(record)
        if predicate(record):
            return out
    raise ValueError("no record matches")


@dataclass
class Command:
    """One command the client sent."""

    line: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def verb(self) -> str:
        """The first word (``api``, ``sendmsg``, ``event``...)."""
        return self.line.split(" ", 1)[0]


def _expected(raw: str) -> Command:
    head, _, body = raw.partition("\n\n")
    lines = head.split("\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return Command(lines[0], headers, body.encode())


def _same(expected: Command, got: Command) -> bool:
    if expected.verb != got.verb:
        return False
    if expected.verb in ("api", "bgapi"):
        return expected.line.split(" ")[1:2] == got.line.split(" ")[1:2]
    return True


class _CommandReader:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def next(self) -> Command | None:
        while b"\n\n" not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buffer += data
        head, _, self.buffer = self.buffer.partition(b"\n\n")
        lines = head.decode().split("\n")
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        body = b""
        length = int(headers.get("Content-Length", "0"))
        while len(self.buffer) < length:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buffer += data
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return Command(lines[0], headers, body)


_APP_UUID = re.compile(r'Application-UUID(?:: |":")([0-9a-f-]{36})')
_JOB_UUID = re.compile(r"Job-UUID: ([0-9a-f-]{36})")


@dataclass
class Player:
    """Plays one script on one socket; see the module docstring."""

    records: Sequence[Record]
    time_scale: float = 0.01
    max_gap: float = 0.05
    errors: list[str] = field(default_factory=list)
    received: list[Command] = field(default_factory=list)
    finished: bool = False
    substitutions: dict[str, str] = field(default_factory=dict)

    def play(self, sock: socket.socket) -> None:
        """Run the script to its end (or until the client goes away)."""
        reader = _CommandReader(sock)
        last_t: float | None = None
        try:
            for index, record in enumerate(self.records):
                if record.dir == "send":
                    if not self._expect(reader, index):
                        return
                elif record.dir == "recv":
                    if last_t is not None and record.t >= 0:
                        gap = max(record.t - last_t, 0.0) * self.time_scale
                        gevent.sleep(min(gap, self.max_gap))
                    sock.sendall(self._patch(record.raw).encode())
                elif record.dir == "raw":
                    sock.sendall(record.data)
                elif record.dir == "pause":
                    gevent.sleep(float(record.data))
                elif record.dir == "close":
                    break
                if record.t >= 0:
                    last_t = record.t
            self.finished = True
        except OSError:
            pass  # the client closed; whatever is left of the script is moot
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def _expect(self, reader: _CommandReader, index: int) -> bool:
        expected = _expected(self.records[index].raw)
        got = reader.next()
        if got is None:
            return False
        self.received.append(got)
        if not _same(expected, got):
            self.errors.append(f"record {index}: expected {expected.line!r}, got {got.line!r}")
            return False
        self._learn(expected, got, index)
        return True

    def _learn(self, expected: Command, got: Command, index: int) -> None:
        if got.verb == "bgapi" and "Job-UUID" in got.headers:
            recorded = expected.headers.get("Job-UUID") or self._find(_JOB_UUID, index)
            if recorded:
                self._substitute(recorded, got.headers["Job-UUID"])
        elif got.verb == "sendmsg" and "Event-UUID" in got.headers:
            recorded = expected.headers.get("Event-UUID")
            if not recorded:
                app = expected.headers.get("execute-app-name", "")
                recorded = self._find(_APP_UUID, index, must_contain=f"Application: {app}\n")
            if recorded:
                self._substitute(recorded, got.headers["Event-UUID"])

    def _find(self, pattern: re.Pattern[str], index: int, must_contain: str = "") -> str:
        for record in self.records[index + 1 :]:
            if record.dir != "recv" or must_contain not in record.raw:
                continue
            match = pattern.search(record.raw)
            if match:
                return match.group(1)
        return ""

    def _substitute(self, old: str, new: str) -> None:
        if len(old) != len(new):
            self.errors.append(f"cannot patch {old} with {new!r}: lengths differ")
            return
        self.substitutions[old] = new

    def _patch(self, raw: str) -> str:
        for old, new in self.substitutions.items():
            if old in raw:
                raw = raw.replace(old, new)
        return raw


class ReplayServer:
    """Inbound role: plays a script to every client that connects (127.0.0.1:0)."""

    def __init__(
        self,
        script: Sequence[Record] | Callable[[int], Sequence[Record]],
        *,
        time_scale: float = 0.01,
        max_gap: float = 0.05,
        port: int = 0,
    ) -> None:
        self.script = script
        self.time_scale = time_scale
        self.max_gap = max_gap
        self.port = port
        self.players: list[Player] = []
        self.connected = gevent.event.Event()
        self._sockets: set[socket.socket] = set()
        self._server: StreamServer | None = None

    def start(self) -> ReplayServer:
        """Listen (again, on the same port after a stop)."""
        self._server = StreamServer(("127.0.0.1", self.port), self._handle)
        self._server.start()
        self.port = self._server.address[1]
        return self

    def stop(self) -> None:
        """Stop listening and drop every open connection (FreeSWITCH going down)."""
        if self._server is not None:
            self._server.close()
        for sock in list(self._sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._server is not None:
            self._server.stop(timeout=1)
            self._server = None

    @property
    def errors(self) -> list[str]:
        """Mismatches between the client's commands and the recording, all connections."""
        return [error for player in self.players for error in player.errors]

    def _handle(self, sock: socket.socket, _address: object) -> None:
        script = self.script(len(self.players)) if callable(self.script) else self.script
        player = Player(script, self.time_scale, self.max_gap)
        self.players.append(player)
        self._sockets.add(sock)
        self.connected.set()
        try:
            player.play(sock)
        finally:
            self._sockets.discard(sock)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def play_outbound(
    records: Sequence[Record],
    address: tuple[str, int],
    *,
    time_scale: float = 0.01,
    max_gap: float = 0.05,
) -> tuple[Player, gevent.Greenlet]:
    """Outbound role: connect to ``address`` like FreeSWITCH's socket app and play."""
    player = Player(records, time_scale, max_gap)

    def run() -> None:
        sock = socket.create_connection(address)
        player.play(sock)

    return player, gevent.spawn(run)
