"""The ESL frame parser and event decoders against every recorded FreeSWITCH message."""

from __future__ import annotations

import json
import random

import pytest

from callcenter.switch.encode import encode_event_json, encode_event_plain
from callcenter.switch.protocol import (
    Frame,
    FrameParser,
    ProtocolError,
    _plain_headers,
    _split_header_block,
    decode_event,
    parse_event_plain,
)
from tests.support.trace_replay import TRACES, load_trace

TRACE_NAMES = sorted(path.stem for path in TRACES.glob("*.jsonl"))


def received(name: str) -> list[bytes]:
    return [r.raw.encode() for r in load_trace(name) if r.dir == "recv"]


def frames_of(chunks: list[bytes]) -> list[tuple[dict[str, str], bytes]]:
    parser = FrameParser()
    out = [(f.headers, f.body) for chunk in chunks for f in parser.feed(chunk)]
    assert parser.buffered == 0
    return out


def reference(name: str) -> list[tuple[dict[str, str], bytes]]:
    """Each recorded message, split by hand: headers up to the first blank line, the rest body."""
    out = []
    for raw in received(name):
        head, _, body = raw.partition(b"\n\n")
        headers = _split_header_block(head)
        assert len(body) == int(headers.get("Content-Length", 0)), raw[:80]
        out.append((headers, body))
    return out


def chunked(data: bytes, rng: random.Random, largest: int) -> list[bytes]:
    chunks, i = [], 0
    while i < len(data):
        size = rng.randint(1, largest)
        chunks.append(data[i : i + size])
        i += size
    return chunks


@pytest.mark.parametrize("name", TRACE_NAMES)
def test_random_chunks_give_the_same_frames(name: str) -> None:
    expected = reference(name)
    stream = b"".join(received(name))
    rng = random.Random(name)
    assert frames_of([stream]) == expected
    for largest in (7, 300, 5000):
        assert frames_of(chunked(stream, rng, largest)) == expected


@pytest.mark.parametrize("name", TRACE_NAMES)
def test_one_byte_chunks_give_the_same_frames(name: str) -> None:
    stream = b"".join(received(name))
    assert frames_of([stream[i : i + 1] for i in range(len(stream))]) == reference(name)


@pytest.mark.parametrize("name", TRACE_NAMES)
def test_every_event_decodes_and_round_trips(name: str) -> None:
    for headers, body in reference(name):
        content_type = headers.get("Content-Type", "")
        if not content_type.startswith("text/event-"):
            continue
        event = decode_event(_frame(headers, body))
        assert event is not None and event.name, body[:80]
        if content_type == "text/event-plain":
            block = body.split(b"\n\n", 1)[0]
            exact = _plain_headers(block)
            exact.pop("Content-Length", None)
            assert event.headers == exact  # the fast path equals the line-by-line decoder
            again = encode_event_plain(list(event.headers.items()), event.body)
        else:
            again = encode_event_json(list(event.headers.items()), event.body)
        (frame,) = FrameParser().feed(again)
        decoded = decode_event(frame)
        assert decoded is not None
        assert decoded.headers == event.headers and decoded.body == event.body


def _frame(headers: dict[str, str], body: bytes) -> Frame:
    return Frame(headers, body)


def test_background_job_body_is_split_from_its_headers() -> None:
    jobs = [
        decode_event(_frame(h, b))
        for h, b in reference("S01-inbound")
        if h.get("Content-Type") == "text/event-plain"
        and b.startswith(b"Event-Name: BACKGROUND_JOB")
    ]
    assert len(jobs) == 3
    failed = jobs[2]
    assert failed.job_uuid == "7d307e6e-3605-4edf-8859-3523295f7b1f"
    assert failed.body == "-ERR no_such_command Command not found!\n"
    assert failed["Job-Command"] == "no_such_command"
    assert "Content-Length" not in failed.headers
    assert jobs[0].body.startswith("UP 0 years") and jobs[0].body.endswith("8192K\n")


def test_json_events_carry_the_body_under_body_key() -> None:
    events = [
        decode_event(_frame(h, b))
        for h, b in reference("S01-inbound")
        if h.get("Content-Type") == "text/event-json"
    ]
    assert events and all(e.content_type == "text/event-json" for e in events)
    job = next(e for e in events if e.name == "BACKGROUND_JOB")
    assert job.body.startswith("UP 0 years")
    assert "_body" not in job.headers and "Content-Length" not in job.headers
    create = next(e for e in events if e.name == "CHANNEL_CREATE")
    assert create.uuid == "a4e1648a-aed0-4d6b-bbb3-1ed0fb3b6d8f"
    raw = next(b for h, b in reference("S01-inbound") if b"CHANNEL_CREATE" in b[:40])
    assert json.loads(raw)["Unique-ID"] == create.uuid


def test_plain_values_are_url_decoded() -> None:
    (create,) = [
        decode_event(_frame(h, b))
        for h, b in reference("S03-inbound")
        if b.startswith(b"Event-Name: CHANNEL_CREATE") and b"fd669dca" in b[:2000]
    ][:1]
    assert create["Event-Date-Local"].count(":") == 2  # 2026-11-22%2010%3A40%3A25
    assert create["FreeSWITCH-IPv6"] == "fd00::2"


def test_connect_reply_is_one_frame_with_the_channel_as_headers() -> None:
    connect = reference("S02-outbound")[0]
    headers, body = connect
    assert body == b""
    assert headers["Content-Type"] == "command/reply"
    assert headers["Event-Name"] == "CHANNEL_DATA"
    assert _frame(headers, body).reply_text == "+OK\n"
    assert len([k for k in headers if k.startswith("variable_")]) >= 50


def test_fast_path_falls_back_for_unusual_blocks() -> None:
    odd = b"Event-Name: CUSTOM\nX-Weird: a=b%20c\nX-Pct: 100%\nX-Nul: %00\n\n"
    event = parse_event_plain(odd)
    assert event["X-Weird"] == "a=b c"
    assert event["X-Pct"] == "100%"
    assert event["X-Nul"] == "\x00"


@pytest.mark.parametrize(
    "garbage",
    [
        b"this is not esl\n\n",
        b"\x00\x01\x02\xff\xfe\n\n",
        b"Content-Type: api/response\nContent-Length: many\n\n",
        b"Content-Type: api/response\nContent-Length: -5\n\n",
        b"Content-Type: api/response\nContent-Length: 999999999999\n\n",
    ],
)
def test_garbage_raises_protocol_error(garbage: bytes) -> None:
    with pytest.raises(ProtocolError):
        list(FrameParser().feed(garbage))


def test_garbage_event_body_raises_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        parse_event_plain(b"Event-Name: X\nno separator here\n\n")
    bad_json = b"Content-Length: 5\nContent-Type: text/event-json\n\n{nope"
    (frame,) = FrameParser().feed(bad_json)
    with pytest.raises(ProtocolError):
        decode_event(frame)


def test_truncated_frame_stays_buffered() -> None:
    parser = FrameParser()
    assert list(parser.feed(b"Content-Type: api/response\nContent-Length: 500\n\nUP 0 y")) == []
    assert parser.buffered == 6
    assert list(parser.feed(b"Content-Type: api/resp")) == []
    assert parser.buffered > 0


def test_who_hung_up_reads_the_same_on_channel_hangup_as_on_hangup_complete() -> None:
    # CHANNEL_HANGUP has no sip_hangup_disposition yet; the handler falls back on it when
    # HANGUP_COMPLETE is late (a stalled switch), so both must agree on every recorded leg.
    seen: dict[tuple[str, str], dict[str, bool]] = {}
    for name in TRACE_NAMES:
        chunks = received(name)
        for frame in FrameParser().feed(b"".join(chunks)):
            if frame.content_type not in ("text/event-plain", "text/event-json"):
                continue
            event = decode_event(frame)
            if event.name in ("CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE"):
                leg = seen.setdefault((name, event.uuid), {})
                leg[event.name] = event.far_end_hung_up
    both = [leg for leg in seen.values() if len(leg) == 2]
    assert len(both) >= 30 and {True, False} <= {leg["CHANNEL_HANGUP"] for leg in both}
    assert [leg for leg in both if leg["CHANNEL_HANGUP"] != leg["CHANNEL_HANGUP_COMPLETE"]] == []
