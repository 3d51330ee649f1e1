"""One step of the screen-pop benchmark: the bus events of N calls, timed to the desktops."""

from __future__ import annotations

import random
import re
import socket
import time
import uuid

import gevent

from benchmarks._common import cpu_seconds
from benchmarks.screen_pop_desktop import HOST, Desktop
from callcenter.engine.bus import (
    AgentOffered,
    Bus,
    BusEvent,
    CallAnswered,
    CallArrived,
    CallEnded,
    CallQueued,
    IvrInput,
)
from callcenter.engine.desktop.call_mirror import CallMirror
from callcenter.live import LiveStore

__all__ = ["EngineSide", "RedisProbe", "call_events", "percentile", "run_step"]


class EngineSide:
    """The engine's bus with its own call mirror (:class:`CallMirror`) onto Redis."""

    def __init__(self, live: LiveStore) -> None:
        self.bus = Bus()
        CallMirror(self.bus, live, agent_of=lambda call_uuid: "")  # agents come on the events

    def publish(self, event: BusEvent) -> None:
        """Raise ``event`` on the engine's bus."""
        self.bus.publish(event)


# Seconds from a call's answer to its other events (jittered by +-25 %): arrived, IVR input,
# queued, offered (agent's phone rings), answered, ended. Each is one wallboard message.
LIFECYCLE = (("arrived", -4.0), ("ivr", -3.0), ("queued", -2.0), ("offered", -1.0), ("ended", 3.0))


def call_events(call_uuid: str, agent_id: str, caller: str) -> dict[str, BusEvent]:
    """The engine's bus events of one call, by lifecycle step."""
    leg = str(uuid.uuid4())
    return {
        "arrived": CallArrived(call_uuid=call_uuid, caller_number=caller, dialled_number="4000"),
        "ivr": IvrInput(call_uuid=call_uuid, node="menu", value="2"),
        "queued": CallQueued(call_uuid=call_uuid, queue="support"),
        "offered": AgentOffered(call_uuid=call_uuid, agent_id=agent_id, agent_leg_uuid=leg),
        "answered": CallAnswered(call_uuid=call_uuid, agent_id=agent_id, agent_leg_uuid=leg),
        "ended": CallEnded(call_uuid=call_uuid, hangup_cause="NORMAL_CLEARING", hangup_by="caller"),
    }


class RedisProbe:
    """A plain subscriber to the wallboard (raw socket, no parsing beyond the call uuid).

    Its latency is what Redis pub/sub alone costs; the rest of a pop is the console.
    """

    def __init__(self, port: int, channel: str) -> None:
        self.pending: dict[str, float] = {}
        self.latencies: list[float] = []
        self.sock = socket.create_connection((HOST, port))
        name = channel.encode()
        self.sock.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n" % (len(name), name))
        self.greenlet = gevent.spawn(self._read)

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = self.sock.recv(262144)
            if not chunk:
                return
            now = time.perf_counter()
            buffer += chunk
            lines = buffer.split(b"\r\n")
            buffer = lines.pop()
            for line in lines:
                if b'"state":"talking"' not in line:
                    continue
                match = re.search(rb'"call_uuid":"([0-9a-f-]{36})"', line)
                if match:
                    t0 = self.pending.pop(match.group(1).decode(), None)
                    if t0 is not None:
                        self.latencies.append((now - t0) * 1000)

    def close(self) -> None:
        """Stop reading and close the subscription."""
        self.greenlet.kill()
        self.sock.close()


def run_step(
    desktops: list[Desktop],
    engine: EngineSide,
    pending: dict[str, float],
    sink: list,
    answers: int,
    rate: float,
    lifecycle: bool,
    pids: dict[str, int],
    rng: random.Random,
    probe: RedisProbe | None = None,
) -> dict:
    """Play ``answers`` answered calls (with their other events) to the desktops; the figures."""
    sink.clear()
    pending.clear()
    publish_ms: list[float] = []
    if probe is not None:
        probe.pending.clear()
        probe.latencies.clear()
    # The timeline: answers are a Poisson process at ``rate``; with ``lifecycle`` each call's
    # other events are placed around its answer, so wallboard traffic is 6 x rate, spread out.
    timeline: list[tuple[float, int, str, str, BusEvent]] = []
    at = 0.0
    for index in range(answers):
        at += rng.expovariate(rate) if rate > 0 else 0.0
        desk = rng.choice(desktops)
        call_uuid = str(uuid.uuid4())
        events = call_events(call_uuid, desk.agent_id, f"1380000{rng.randrange(10000):04d}")
        timeline.append((at, index, "answered", call_uuid, events["answered"]))
        if lifecycle:
            for step, offset in LIFECYCLE:
                when = at + offset * rng.uniform(0.75, 1.25)
                timeline.append((when, index, step, call_uuid, events[step]))
    timeline.sort(key=lambda item: (item[0], item[1]))
    origin = timeline[0][0]
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    started = time.perf_counter()
    for when, _index, step, call_uuid, event in timeline:
        delay = started + (when - origin) - time.perf_counter()
        if delay > 0:
            gevent.sleep(delay)
        if step != "answered":
            engine.publish(event)
            continue
        t0 = time.perf_counter()  # the answer event is raised on the engine's bus
        pending[call_uuid] = t0
        if probe is not None:
            probe.pending[call_uuid] = t0
        engine.publish(event)
        publish_ms.append((time.perf_counter() - t0) * 1000)
    deadline = time.monotonic() + 10
    while pending and time.monotonic() < deadline:
        gevent.sleep(0.05)
    elapsed = time.perf_counter() - started
    cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
    latencies = [lat * 1000 for _agent, lat, _ in sink]
    wrong = sum(1 for agent, _lat, target in sink if target != agent)
    messages = len(timeline)
    return {
        "clients": len(desktops),
        "answers": answers,
        "received": len(latencies),
        "lost": len(pending),
        "wrong_desktop": wrong,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p90_ms": round(percentile(latencies, 90), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies, default=float("nan")), 2),
        "engine_publish_p50_ms": round(percentile(publish_ms, 50), 2),
        "engine_publish_p99_ms": round(percentile(publish_ms, 99), 2),
        "redis_probe_p50_ms": round(percentile(probe.latencies, 50), 2) if probe else None,
        "redis_probe_p99_ms": round(percentile(probe.latencies, 99), 2) if probe else None,
        "answer_rate_per_s": round(answers / (at or 1), 1),
        "wallboard_msgs_per_s": round(messages / elapsed, 1),
        "wallboard_msgs": messages,
        "console_deliveries": messages * len(desktops),
        "console_cpu_pct": round(100 * cpu["console"] / elapsed, 1),
        "console_cpu_ms_per_answer": round(1000 * cpu["console"] / answers, 2),
        "console_cpu_us_per_delivery": round(1e6 * cpu["console"] / (messages * len(desktops)), 1),
        "redis_cpu_ms_per_answer": round(1000 * cpu["redis"] / answers, 3),
        "bench_cpu_ms_per_answer": round(1000 * cpu["bench"] / answers, 3),
    }


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100, nearest rank); NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
