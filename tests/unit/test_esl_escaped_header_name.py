"""A header *name* with %-escapes is not decoded: it cannot become another header (found by
benchmarks/fuzz_soak.py: the fast plain-event path decoded names as well as values)."""

from __future__ import annotations

import pytest

from callcenter.switch.protocol import parse_event_plain


@pytest.mark.parametrize(
    "body",
    [
        b"Event-Name: X\nUnique-ID: good\nUnique%2DID: evil\n\n",
        b"Event-Name: X\nUnique%2DID: evil\nUnique-ID: good\n\n",
        b"Event-Name: X\nUnique-ID: good\nUnique%2dID: evil%20too\n\n",
    ],
)
def test_escaped_name_cannot_replace_a_real_header(body: bytes) -> None:
    event = parse_event_plain(body)
    assert event.uuid == "good"
    assert event.headers["Event-Name"] == "X"
    assert any("%" in name for name in event.headers)


def test_escaped_newline_in_a_name_stays_escaped() -> None:
    event = parse_event_plain(b"Event-Name: X\nB%0AC: 2\n\n")
    assert event.headers == {"Event-Name": "X", "B%0AC": "2"}
