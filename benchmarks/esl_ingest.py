"""ESL ingest: events per second parsed and dispatched, against json.loads as the floor.

The stream is every event recorded from FreeSWITCH 1.10.12 (tests/fixtures/freeswitch-traces),
repeated; once as ``text/event-plain`` (the recorded bytes) and once as ``text/event-json``
(the same events in FreeSWITCH's JSON form, the engine's default subscription). On one core:

* parse: FrameParser + decode_event over the stream in 64 KiB chunks;
* dispatch: the real EslConnection reading a TCP socket on 127.0.0.1 (written by a greenlet
  in the same process), reader -> handler table -> ordered handler workers, with handlers
  registered for '*' and a few event names; timed until the '*' handler saw the last event;
* floor: ``json.loads`` of the same stream's JSON event bodies, nothing else.

The last line of output is one JSON object (``events_per_s`` is the dispatched JSON rate,
``floor_ratio`` that rate over the floor). Usage: ``python3 benchmarks/esl_ingest.py [N]``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

import gevent
import gevent.event
import structlog
from gevent import socket

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from callcenter.switch.connection import EslConnection  # noqa: E402
from callcenter.switch.encode import encode_event_json  # noqa: E402
from callcenter.switch.handlers import ALL  # noqa: E402
from callcenter.switch.protocol import (  # noqa: E402
    Event,
    FrameParser,
    decode_event,
)

TRACES = ROOT / "tests" / "fixtures" / "freeswitch-traces"
CHUNK = 65536


def recorded_events() -> list[tuple[bytes, Event]]:
    """(raw frame bytes, decoded event) for every event in every trace."""
    out = []
    for path in sorted(TRACES.glob("*.jsonl")):
        parser = FrameParser()
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["dir"] != "recv":
                continue
            raw = record["raw"].encode()
            for frame in parser.feed(raw):
                event = decode_event(frame)
                if event is not None:
                    out.append((raw, event))
    return out


def build_streams(total: int) -> tuple[bytes, bytes, list[bytes]]:
    events = recorded_events()
    plain_frames = []
    json_frames = []
    for raw, event in events:
        as_json = encode_event_json(list(event.headers.items()), event.body)
        json_frames.append(as_json)
        # The recorded bytes for plain events; the 22 recorded JSON events stay JSON.
        plain_frames.append(raw if b"text/event-plain" in raw[:80] else as_json)
    repeat = -(-total // len(events))
    plain = b"".join(plain_frames * repeat)
    js = b"".join(json_frames * repeat)
    bodies = [frame.split(b"\n\n", 1)[1] for frame in json_frames] * repeat
    return plain, js, bodies[: len(events) * repeat]


def bench_parse(stream: bytes) -> tuple[int, float]:
    start = time.perf_counter()
    parser = FrameParser()
    count = 0
    for i in range(0, len(stream), CHUNK):
        for frame in parser.feed(stream[i : i + CHUNK]):
            if decode_event(frame) is not None:
                count += 1
    return count, time.perf_counter() - start


def bench_floor(bodies: list[bytes]) -> tuple[int, float]:
    loads = json.loads
    start = time.perf_counter()
    for body in bodies:
        loads(body)
    return len(bodies), time.perf_counter() - start


def bench_dispatch(stream: bytes, expected: int) -> tuple[int, float]:
    """Through a real socket and the real connection: reader, handler table, workers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    conn = EslConnection(name="bench")
    seen = [0]
    done = gevent.event.Event()
    per_name: dict[str, int] = {}

    def count(_event: Event) -> None:
        seen[0] += 1
        if seen[0] == expected:
            done.set()

    def by_name(event: Event) -> None:
        per_name[event.name] = per_name.get(event.name, 0) + 1

    conn.on(ALL, count)
    for name in ("CHANNEL_STATE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP", "BACKGROUND_JOB"):
        conn.on(name, by_name)
    conn.on("CHANNEL_CALLSTATE", by_name, concurrent=True)

    def write() -> None:
        for i in range(0, len(stream), CHUNK):
            server.sendall(stream[i : i + CHUNK])

    start = time.perf_counter()
    conn.attach(client)
    writer = gevent.spawn(write)
    done.wait()
    elapsed = time.perf_counter() - start
    writer.join()
    conn.close("benchmark done")
    server.close()
    listener.close()
    return seen[0], elapsed


def best(runs: int, fn, *args) -> tuple[int, float]:
    results = [fn(*args) for _ in range(runs)]
    return min(results, key=lambda r: r[1])


def main() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})  # one core
    except (AttributeError, OSError):
        pass
    plain, js, bodies = build_streams(total)
    n = len(bodies)
    figures: dict[str, float] = {}
    floor_n, floor_t = best(3, bench_floor, bodies)
    floor = floor_n / floor_t
    print(f"stream: {n} events, plain {len(plain) / 1e6:.1f} MB, json {len(js) / 1e6:.1f} MB")
    print(f"floor   json.loads alone        {floor:10,.0f} events/s")
    for label, stream in (("json", js), ("plain", plain)):
        count, t = best(3, bench_parse, stream)
        assert count == n, (count, n)
        parse_rate = count / t
        count, t = best(3, bench_dispatch, stream, n)
        dispatch_rate = count / t
        figures[f"{label}_parse_events_per_s"] = round(parse_rate)
        figures[f"{label}_dispatch_events_per_s"] = round(dispatch_rate)
        print(f"{label:5}   parse (frame + decode)  {parse_rate:10,.0f} events/s")
        print(
            f"{label:5}   dispatched via socket   {dispatch_rate:10,.0f} events/s"
            f"   ratio to floor {dispatch_rate / floor:.2f}"
        )
    result = {
        "events_per_s": figures["json_dispatch_events_per_s"],
        "floor_ratio": round(figures["json_dispatch_events_per_s"] / floor, 3),
        "floor_events_per_s": round(floor),
        "plain_floor_ratio": round(figures["plain_dispatch_events_per_s"] / floor, 3),
        "events": n,
        **figures,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
