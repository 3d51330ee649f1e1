"""ESL wire format, the writing side: frames, events and commands serialised to bytes.

The simulator uses it to send what FreeSWITCH would send, the engine to send its commands,
and tests to play FreeSWITCH's part. The reading side is :mod:`callcenter.switch.protocol`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from urllib.parse import quote

__all__ = [
    "HeaderItems",
    "encode_command",
    "encode_event_json",
    "encode_event_plain",
    "encode_frame",
    "url_encode",
]

HeaderItems = Mapping[str, str] | list[tuple[str, str]]

# switch_url_encode escapes controls, non-ASCII and SWITCH_URL_UNSAFE
# ("\r\n #%&+:;<=>?@[\\]^`{|}\""); the rest of printable ASCII stays as it is.
_SAFE = "!$'()*,/"


def url_encode(value: str) -> str:
    """URL-encode a header value the way FreeSWITCH's ``switch_url_encode`` does."""
    return quote(value, safe=_SAFE)


def encode_frame(headers: HeaderItems, body: bytes | str = b"") -> bytes:
    """Serialise an outer frame; headers are written in the given order, unencoded."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    text = "".join(f"{name}: {value}\n" for name, value in _items(headers))
    return text.encode("utf-8") + b"\n" + body


def _items(headers: HeaderItems) -> Iterable[tuple[str, str]]:
    return headers.items() if isinstance(headers, Mapping) else headers


def encode_event_plain(headers: HeaderItems, body: str | None = None) -> bytes:
    """Serialise an event as a complete ``text/event-plain`` frame (Content-Length first).

    ``headers`` may be a list of pairs: real events repeat some headers (CODEC repeats
    Channel-Write-Codec-Name, HANGUP_COMPLETE repeats Hangup-Cause).
    """
    lines = [f"{name}: {url_encode(value)}\n" for name, value in _items(headers)]
    if body is not None:
        body_bytes = body.encode("utf-8")
        lines.append(f"Content-Length: {len(body_bytes)}\n\n")
        inner = "".join(lines).encode("utf-8") + body_bytes
    else:
        lines.append("\n")
        inner = "".join(lines).encode("utf-8")
    return f"Content-Length: {len(inner)}\nContent-Type: text/event-plain\n\n".encode() + inner


def encode_event_json(headers: HeaderItems, body: str | None = None) -> bytes:
    """Serialise an event as a complete ``text/event-json`` frame (compact, no newline)."""
    data = dict(_items(headers))
    if body is not None:
        data["Content-Length"] = str(len(body.encode("utf-8")))
        data["_body"] = body
    inner = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return f"Content-Length: {len(inner)}\nContent-Type: text/event-json\n\n".encode() + inner


def encode_command(command: str, headers: Mapping[str, str] | None = None, body: str = "") -> bytes:
    """Serialise a client command (``api status``, ``sendmsg <uuid>`` plus headers, ...)."""
    text = command.rstrip("\n") + "\n"
    if headers:
        text += "".join(f"{name}: {value}\n" for name, value in headers.items())
    if body:
        data = body.encode("utf-8")
        return (text + f"Content-Length: {len(data)}\n\n").encode("utf-8") + data
    return (text + "\n").encode("utf-8")
