"""The simulator's cheaper event rendering sends the same bytes as the shared encoder."""

from __future__ import annotations

import pytest

from callcenter.sim.wire import event_plain, fast_url_encode
from callcenter.switch.encode import encode_event_plain, url_encode

VALUES = [
    "",
    "plain-value_1.2~",
    "sofia/internal/13800138000@127.0.0.1:5070",
    "Mon, 07 Dec 2026 03:40:00 GMT",
    'a b%c&d+e:f;g<h=i>j?k@l[m\\n]o^p`q{r|s}t"u',
    "!$'()*,/ stays",
    "line\r\nbreak\ttab",
    "Zoë ☎ 中文",
    "${strftime(%a, %d %b %Y %T %z)}",
]


@pytest.mark.parametrize("value", VALUES)
def test_a_value_is_escaped_as_freeswitch_escapes_it(value: str) -> None:
    assert fast_url_encode(value) == url_encode(value)
    assert fast_url_encode(value) == url_encode(value)  # the second time from the cache


@pytest.mark.parametrize("body", [None, "", "+OK Job-UUID: 1\nline two ☎\n"])
def test_an_event_renders_byte_for_byte(body: str | None) -> None:
    pairs = [(f"Header-{n}", value) for n, value in enumerate(VALUES)]
    pairs.append(("Header-0", "repeated name"))
    assert event_plain(pairs, body) == encode_event_plain(pairs, body)
