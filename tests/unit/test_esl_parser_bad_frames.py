"""Malformed ESL frames: only ProtocolError escapes, and no header is ever forged."""

from __future__ import annotations

import pytest

from callcenter.switch.protocol import (
    FrameParser,
    ProtocolError,
    parse_event_json,
    parse_event_plain,
)


def test_second_separator_cannot_forge_a_header() -> None:
    with pytest.raises(ProtocolError):
        parse_event_plain(b"Event-Name: X\nA: x: Forged\nB\n\n")


def test_encoded_newline_stays_in_its_own_header() -> None:
    event = parse_event_plain(b"Event-Name: X\nA: x%0AEvil%3A%20y\n\n")
    assert event.headers == {"Event-Name": "X", "A": "x\nEvil: y"}


@pytest.mark.parametrize(
    "body", [b"Event-Name: X\nA: x\x00y\n\n", b"Event-Name: X\nA: a\x00b\x00c\n\n"]
)
def test_nul_byte_stays_in_its_value(body: bytes) -> None:
    event = parse_event_plain(body)
    assert set(event.headers) == {"Event-Name", "A"}


def test_negative_inner_length_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        parse_event_plain(b"Event-Name: X\nContent-Length: -3\n\nabc")


@pytest.mark.parametrize(
    "body", [b"[" * 100000, b'{"a":' * 100000, b'{"A":{"b":1}}', b'{"_body":3}']
)
def test_bad_event_json_is_a_protocol_error(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_event_json(body)


@pytest.mark.parametrize("length", ["\u0665", "1_0", "+5"])
def test_content_length_takes_ascii_digits_only(length: str) -> None:
    frame = f"Content-Type: api/response\nContent-Length: {length}\n\n".encode()
    with pytest.raises(ProtocolError):
        list(FrameParser().feed(frame + b"0123456789"))


@pytest.mark.parametrize("name", [b"%0AEvent-Subclass", b"Event%2DName", b"A%41"])
def test_escape_in_a_header_name_stays_literal(name: bytes) -> None:
    event = parse_event_plain(b"Event-Name: X\n" + name + b": v%20w\n\n")
    assert event.headers == {"Event-Name": "X", name.decode(): "v w"}
