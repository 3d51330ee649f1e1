"""Fuzzed ESL frames (real captures, mutated): the parser refuses cleanly and never forges.

Every frame FreeSWITCH sent in tests/fixtures/freeswitch-traces is a seed; a strategy applies
byte mutations to it (insert, delete, replace, duplicate a line, ``": "`` and newlines inside
a value, NUL, huge or non-ASCII Content-Length, truncation, deeply nested JSON). Properties:

* only :class:`ProtocolError` leaves the parser and the event decoders;
* the fast paths (outer event frame, plain event headers) agree with the line-by-line
  decoders whenever they answer;
* encoding a valid event and parsing it back gives the same event;
* no decoded header name was not the start of a line in the input (no forged headers).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.switch.encode import encode_event_json, encode_event_plain, encode_frame
from callcenter.switch.protocol import (
    Event,
    FrameParser,
    ProtocolError,
    _content_length,
    _event_frame_headers,
    _fast_plain_headers,
    _plain_headers,
    _split_header_block,
    decode_event,
    parse_event_json,
    parse_event_plain,
)
from tests.support.trace_replay import TRACES, load_trace

FUZZ = settings(max_examples=300, deadline=None)


def _recorded_frames() -> list[bytes]:
    frames = []
    for path in sorted(TRACES.glob("*.jsonl")):
        frames += [r.raw.encode() for r in load_trace(path.stem) if r.dir == "recv"]
    return frames


FRAMES = _recorded_frames()
EVENT_FRAMES = [f for f in FRAMES if b"\nContent-Type: text/event-" in f.partition(b"\n\n")[0]]
PLAIN_BODIES = [f.partition(b"\n\n")[2] for f in EVENT_FRAMES if b"text/event-plain" in f[:80]]
assert len(FRAMES) > 500 and len(PLAIN_BODIES) > 300  # the captures are all there

TOKENS = [
    b": ", b"\n", b": x\nForged-Header: y", b"\x00", b"%00", b"%", b"%0A", b"%3A%20", b"=",
    b"\n\n", b"\r", b"\r\n", "\u00b2".encode(), "\u0665".encode(), b"\xff\xfe", b"%41",
    b"Content-Length: 99999999999999\n", b"Content-Length: 5\n", b"Event-Name: FORGED\n",
]  # fmt: skip
LENGTHS = [
    b"99999999999999999999", b"68719476737", "\u00b2".encode(), "\u0661\u0662".encode(),
    b"-1", b"+5", b"1_0", b" 5", b"5 ", b"0", b"", b"0x10",
]  # fmt: skip


def _line_bounds(data: bytearray, pos: int) -> tuple[int, int]:
    start = data.rfind(b"\n", 0, pos) + 1
    end = data.find(b"\n", pos)
    return start, len(data) if end < 0 else end


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed frame with one to four byte-level mutations."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(
            st.sampled_from(
                ["insert", "token", "delete", "replace", "dup_line", "in_value", "length",
                 "truncate", "nest"]
            )
        )  # fmt: skip
        pos = draw(st.integers(0, len(data)))
        if op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "token":
            data[pos:pos] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 16))]
        elif op == "replace" and pos < len(data):
            data[pos] = draw(st.integers(0, 255))
        elif op == "dup_line":
            start, end = _line_bounds(data, pos)
            data[end:end] = b"\n" + data[start:end]
        elif op == "in_value":
            start, end = _line_bounds(data, pos)
            colon = data.find(b": ", start, end)
            if colon >= 0:
                at = draw(st.integers(colon + 2, end))
                data[at:at] = draw(st.sampled_from([b": ", b"\n", b": a\nB: c", b"\n: \n"]))
        elif op == "length":
            at = data.find(b"Content-Length: ", draw(st.sampled_from([0, pos])))
            if at >= 0:
                start, end = _line_bounds(data, at)
                data[at + 16 : end] = draw(st.sampled_from(LENGTHS))
        elif op == "truncate":
            del data[pos:]
        elif op == "nest":
            depth = draw(st.integers(1, 20000))
            body = draw(st.sampled_from([b"[" * depth, b'{"a":' * depth, b'{"A":[' * depth]))
            kind = draw(st.sampled_from([b"text/event-json", b"text/event-plain"]))
            data[:] = b"Content-Length: %d\nContent-Type: %s\n\n%s" % (len(body), kind, body)
    return bytes(data)


def _parse_all(data: bytes, split: int) -> list[Event | None]:
    """Feed ``data`` in two chunks and decode every frame (ProtocolError may escape)."""
    parser = FrameParser()
    frames = [*parser.feed(data[:split]), *parser.feed(data[split:])]
    return [decode_event(frame) for frame in frames]


def _line_starts(block: bytes, separator: bytes) -> set[str]:
    return {line.partition(separator)[0].decode("utf-8", "replace") for line in block.split(b"\n")}


@FUZZ
@given(data=mutated(FRAMES), split=st.integers(0, 1 << 16))
def test_only_protocol_error_leaves_the_frame_parser(data: bytes, split: int) -> None:
    try:
        _parse_all(data, split)
    except ProtocolError:
        pass


@FUZZ
@given(body=mutated(PLAIN_BODIES))
def test_only_protocol_error_leaves_the_event_decoders(body: bytes) -> None:
    for decode in (parse_event_plain, parse_event_json):
        try:
            decode(body)
        except ProtocolError:
            pass


@FUZZ
@given(body=mutated(PLAIN_BODIES))
def test_plain_fast_path_agrees_with_the_line_decoder(body: bytes) -> None:
    block = body.partition(b"\n\n")[0]
    fast = _fast_plain_headers(block)
    if fast is None:
        return  # the fast path left this block to the exact decoder
    assert fast == _plain_headers(block.lstrip(b"\n"))


def _normalised(headers: dict[str, str]) -> dict[str, str]:
    out = dict(headers)
    if "Content-Length" in out:
        try:
            out["Content-Length"] = str(_content_length(out["Content-Length"], "CL", 1 << 40))
        except ProtocolError:
            out["Content-Length"] = "refused"
    return out


@FUZZ
@given(data=mutated(EVENT_FRAMES))
def test_event_frame_fast_path_agrees_with_the_line_decoder(data: bytes) -> None:
    start = len(data) - len(data.lstrip(b"\n"))
    end = data.find(b"\n\n", start)
    if end < 0:
        return
    fast = _event_frame_headers(bytearray(data), start, end)
    if fast is None:
        return
    assert _normalised(fast) == _normalised(_split_header_block(data[start:end]))


@FUZZ
@given(data=mutated(FRAMES))
def test_no_header_name_that_was_not_a_line_start(data: bytes) -> None:
    parser = FrameParser()
    try:
        frames = list(parser.feed(data))
    except ProtocolError:
        return
    head = data.lstrip(b"\n").partition(b"\n\n")[0]
    if frames:
        names = {name.strip() for name in _line_starts(head, b":")}
        assert set(frames[0].headers) <= names
    for frame in frames:
        if frame.content_type != "text/event-plain":
            continue
        try:
            event = parse_event_plain(frame.body)
        except ProtocolError:
            continue
        block = frame.body.partition(b"\n\n")[0]
        assert set(event.headers) <= _line_starts(block, b": ")


# -- round trip of valid events ------------------------------------------------------------

_NAME = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters=":\n\r\x00"),
    min_size=1,
    max_size=24,
).filter(lambda name: name.strip() == name and name != "Content-Length")
_VALUE = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_HEADERS = st.dictionaries(_NAME, _VALUE, min_size=1, max_size=12)
_BODY = st.none() | st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@FUZZ
@given(headers=_HEADERS, body=_BODY)
def test_event_plain_round_trip(headers: dict[str, str], body: str | None) -> None:
    (frame,) = FrameParser().feed(encode_event_plain(headers, body))
    event = decode_event(frame)
    assert event is not None
    assert (event.headers, event.body) == (headers, body)


@FUZZ
@given(headers=_HEADERS, body=_BODY)
def test_event_json_round_trip(headers: dict[str, str], body: str | None) -> None:
    headers.pop("_body", None)
    (frame,) = FrameParser().feed(encode_event_json(headers, body))
    event = decode_event(frame)
    assert event is not None
    assert (event.headers, event.body) == (headers, body)


@FUZZ
@given(headers=_HEADERS, body=st.binary(max_size=300), chunk=st.integers(1, 64))
def test_outer_frame_round_trip_in_chunks(headers: dict[str, str], body: bytes, chunk: int) -> None:
    pairs = [(k, v) for k, v in headers.items() if "\n" not in v and not v.startswith(" ")]
    pairs = [("Content-Type", "api/response"), *pairs, ("Content-Length", str(len(body)))]
    data = encode_frame(pairs, body)
    parser = FrameParser()
    frames = [f for i in range(0, len(data), chunk) for f in parser.feed(data[i : i + chunk])]
    assert len(frames) == 1 and frames[0].body == body
    assert frames[0].headers == dict(pairs)


def test_the_seeds_parse() -> None:
    """Sanity: the unmutated captures decode (so the properties test mutations, not seeds)."""
    for data in FRAMES[:50]:
        assert all(event is None or event.name for event in _parse_all(data, len(data) // 2))
