"""Conformance: replay the captured client traffic against the simulator and compare.

For every scenario of ``tests/fixtures/freeswitch-traces`` the simulator gets the endpoints
and dialplan the capture had (:mod:`callcenter.sim.scenarios`), the client's ``send`` records
are replayed on the same connections (each one when the messages that preceded it in the
trace have arrived, then after the client's own pause, scaled by ``time_scale``; a client that
closed its socket without ``exit`` closes it at the same point), and what the simulator sends
is compared with what FreeSWITCH sent (see :mod:`callcenter.sim.compare`).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gevent
from gevent import socket
from gevent.server import StreamServer

from callcenter.sim.compare import TIMER_EVENTS, Labels, Message, compare_connection, learn
from callcenter.sim.scenarios import DIALPLANS, MIN_SCALE, SCENARIOS
from callcenter.sim.switch import Switch
from callcenter.switch.protocol import FrameParser, decode_event

DEFAULT_TRACES = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "tests",
    "fixtures",
    "freeswitch-traces",
)


@dataclass
class TraceConn:
    """One connection of a captured scenario."""

    file: str
    kind: str
    opened: float
    records: list[dict]
    closed: float | None = None  # when the client closed it without ``exit`` (S09a/b/d)
    received: list[Message] = field(default_factory=list)


@dataclass
class Result:
    """The outcome of one scenario."""

    scenario: str
    ok: bool
    detail: str = ""
    seconds: float = 0.0


def load_scenario(sid: str, traces: str) -> list[TraceConn]:
    """The connections of a scenario, in the order they were opened."""
    with open(os.path.join(traces, "index.json"), encoding="utf-8") as fh:
        index = json.load(fh)[sid]
    conns = []
    for c in index["connections"]:
        with open(os.path.join(traces, c["file"]), encoding="utf-8") as fh:
            records = [json.loads(line) for line in fh]
        kind = records[0]["conn"] if records else "inbound"
        closed = None if _switch_closed(records) else c.get("closed_t")
        conns.append(TraceConn(c["file"], kind, c["opened_t"], records, closed))
    return conns


def _switch_closed(records: list[dict]) -> bool:
    """Whether FreeSWITCH ended the connection (its goodbye notice is the last message)."""
    last = records[-1]["raw"] if records else ""
    return records[-1]["dir"] == "recv" and "disconnect-notice" in last if records else True


def _frames(raw: str) -> Message:
    frame = next(FrameParser().feed(raw.encode("utf-8")))
    return Message(frame)


def _is_timer(msg: Message) -> bool:
    if not msg.is_event:
        return False
    ev = decode_event(msg.frame)
    return ev is not None and ev.name in TIMER_EVENTS


class Replayer:
    """Plays the client side of one trace connection on a live socket."""

    def __init__(self, tc: TraceConn, sock: Any, run: ScenarioRun) -> None:
        self.tc = tc
        self.sock = sock
        self.run = run
        self.got: list[Message] = []
        self.counted = 0
        self.closed = gevent.event.Event()

    def reader(self) -> None:
        parser = FrameParser()
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                for frame in parser.feed(data):
                    msg = Message(frame, self.run.elapsed())
                    self.got.append(msg)
                    learn(self.run.sim_labels, msg)
                    if not _is_timer(msg):
                        self.counted += 1
        except OSError:
            pass
        finally:
            self.closed.set()

    def writer(self) -> None:
        scale = self.run.scale
        seen = 0
        last_t = self.tc.opened
        for rec in self.tc.records:
            if rec["dir"] == "recv":
                if not _is_timer(_frames(rec["raw"])):
                    seen += 1
                last_t = rec["t"]
                continue
            gap = max(rec["t"] - last_t, 0.0)
            # wait for what preceded the send in the trace, at most until its time + slack
            deadline = max(time.monotonic(), self.run.t0 + rec["t"] * scale) + 1.0
            while self.counted < seen and time.monotonic() < deadline and not self.closed.is_set():
                gevent.sleep(0.002)
            gevent.sleep(gap * scale)
            if self.closed.is_set():
                break
            text = self.run.rewrite(rec["raw"])
            try:
                self.sock.sendall(text.encode("utf-8"))
            except OSError:
                break
            last_t = rec["t"]
        if self.tc.closed is not None:  # the client's abrupt close: FIN without ``exit``
            self._close_at(seen, max(self.tc.closed - last_t, 0.0))

    def _close_at(self, seen: int, gap: float) -> None:
        deadline = time.monotonic() + 1.0 + gap * self.run.scale
        while self.counted < seen and time.monotonic() < deadline and not self.closed.is_set():
            gevent.sleep(0.002)
        gevent.sleep(gap * self.run.scale)
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class ScenarioRun:
    """One replay of a scenario against a fresh simulator."""

    def __init__(self, sid: str, traces: str, scale: float) -> None:
        self.sid = sid
        self.scale = scale
        self.conns = load_scenario(sid, traces)
        self.exp_labels = Labels()
        self.sim_labels = Labels()
        self.t0 = time.monotonic()
        self.replayers: list[Replayer] = []
        chosen = set()
        for tc in self.conns:
            for rec in tc.records:
                if rec["dir"] == "send":
                    from callcenter.sim.compare import UUID_RE

                    chosen.update(UUID_RE.findall(rec["raw"]))
        # uuids the client made up itself (origination_uuid, Event-UUID, Job-UUID) stay as sent
        for tc in self.conns:
            for rec in tc.records:
                if rec["dir"] == "recv":
                    msg = _frames(rec["raw"])
                    msg.t = rec["t"]
                    tc.received.append(msg)
        self.exp_labels.chosen = set(chosen)
        self._learn_trace(chosen)
        self.sim_labels.chosen = set(self.exp_labels.chosen)

    def _learn_trace(self, chosen: set[str]) -> None:
        allmsgs = sorted((m for tc in self.conns for m in tc.received), key=lambda m: m.t)
        probe = Labels()
        for m in allmsgs:
            learn(probe, m)
        # a uuid the switch created (first seen in a received message) is not client-chosen
        self.exp_labels.chosen = {u for u in chosen if u not in probe.names or self._sent_first(u)}
        for m in allmsgs:
            learn(self.exp_labels, m)

    def _sent_first(self, uuid: str) -> bool:
        first_send = min((r["t"] for tc in self.conns for r in tc.records
                          if r["dir"] == "send" and uuid in r["raw"]), default=1e9)  # fmt: skip
        first_recv = min((r["t"] for tc in self.conns for r in tc.records
                          if r["dir"] == "recv" and uuid in r["raw"]), default=1e9)  # fmt: skip
        return first_send <= first_recv

    def elapsed(self) -> float:
        return (time.monotonic() - self.t0) / self.scale

    def rewrite(self, raw: str) -> str:
        """Trace uuids in a client command -> the simulator's uuids of the same channel/job."""
        from callcenter.sim.compare import UUID_RE

        by_label = {v: k for k, v in self.sim_labels.names.items()}
        by_label.update({v: k for k, v in self.sim_labels.jobs.items()})

        def sub(m: Any) -> str:
            u = m.group(0)
            label = self.exp_labels.names.get(u) or self.exp_labels.jobs.get(u)
            return by_label.get(label, u) if label else u

        return UUID_RE.sub(sub, raw)

    def run(self) -> Result:
        started = time.monotonic()
        outbound = [tc for tc in self.conns if tc.kind == "outbound"]
        server = StreamServer(("127.0.0.1", 0), self._accept(outbound))
        server.start()
        plan = DIALPLANS.get(self.sid, {"5000": "127.0.0.1:8084 async full"})
        sw = Switch(time_scale=self.scale, dialplan=plan)
        sw.connect_map["127.0.0.1:8084"] = ("127.0.0.1", server.server_port)
        refuser = socket.socket()  # bound, not listening: a connect is refused, like 8099 was
        refuser.bind(("127.0.0.1", 0))
        sw.connect_map["127.0.0.1:8099"] = refuser.getsockname()
        sw.start()
        greenlets = []
        try:
            for tc in self.conns:
                if tc.kind == "inbound":
                    greenlets.append(
                        gevent.spawn_later(tc.opened * self.scale, self._inbound, sw, tc)
                    )
            self._wait_subscribed()
            for t, action in SCENARIOS.get(self.sid, []):
                greenlets.append(gevent.spawn_later(t * self.scale, action, sw))
            total = max(r["t"] for tc in self.conns for r in tc.records) + 2.0
            deadline = time.monotonic() + total * self.scale + 8.0
            while time.monotonic() < deadline:
                if len(self.replayers) == len(self.conns) and all(
                    r.closed.is_set() for r in self.replayers
                ):
                    break
                gevent.sleep(0.02)
        finally:
            for r in self.replayers:
                r.sock.close()
            sw.stop()
            server.stop(timeout=1)
            refuser.close()
            gevent.killall(greenlets, block=False)
        detail = self.compare()
        return Result(self.sid, detail is None, detail or "", time.monotonic() - started)

    def _wait_subscribed(self) -> None:
        """The capture started its SIP endpoints once the inbound client had subscribed."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            inbound = [r for r in self.replayers if r.tc.kind == "inbound"]
            if inbound and all(r.counted >= 3 or r.closed.is_set() for r in inbound):
                break
            gevent.sleep(0.002)
        self.t0 = time.monotonic()

    def _accept(self, outbound: list[TraceConn]) -> Callable[[Any, Any], None]:
        queue = list(outbound)

        def handle(sock: Any, addr: Any) -> None:
            if not queue:
                sock.close()
                return
            tc = queue.pop(0)
            self._play(tc, sock)

        return handle

    def _inbound(self, sw: Switch, tc: TraceConn) -> None:
        sock = socket.create_connection(("127.0.0.1", sw.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._play(tc, sock)

    def _play(self, tc: TraceConn, sock: Any) -> None:
        rep = Replayer(tc, sock, self)
        self.replayers.append(rep)
        reader = gevent.spawn(rep.reader)
        rep.writer()
        reader.join()

    def compare(self) -> str | None:
        by_file = {r.tc.file: r for r in self.replayers}
        for tc in self.conns:
            rep = by_file.get(tc.file)
            if rep is None:
                return f"{tc.file}: the simulator never opened this connection"
            diff = compare_connection(
                tc.kind, tc.received, self.exp_labels, rep.got, self.sim_labels
            )
            if diff:
                return f"{tc.file}: {diff}"
        return None


def run(sid: str, traces: str = DEFAULT_TRACES, time_scale: float = 0.2) -> Result:
    """Replay one scenario; the Result says PASS/FAIL and the first difference."""
    if sid not in SCENARIOS:
        return Result(sid, False, f"unknown scenario {sid}")
    return ScenarioRun(sid, traces, max(time_scale, MIN_SCALE.get(sid, 0.0))).run()


def scenarios(traces: str = DEFAULT_TRACES) -> list[str]:
    """The scenario ids present in a trace folder."""
    with open(os.path.join(traces, "index.json"), encoding="utf-8") as fh:
        return [s for s in json.load(fh) if s in SCENARIOS]
