"""ESL wire format: incremental frame parser and event decoding (serialisers: :mod:`.encode`).

This module and :mod:`callcenter.switch.encode` are the only ones that know how Event Socket
bytes look: the engine's client connections parse what FreeSWITCH sends here, and the
simulator serialises what FreeSWITCH would send there. The rules follow the captures in
shared/freeswitch-traces (README, "Wire-level rules"):

* a frame is header lines, a blank line, then exactly ``Content-Length`` bytes of body
  (no Content-Length means no body);
* ``text/event-plain`` bodies are themselves header blocks with URL-encoded values, and may
  carry their own ``Content-Length`` and body (BACKGROUND_JOB);
* ``text/event-json`` bodies are compact JSON, every value a string, the event body under
  ``_body``;
* the outbound ``connect`` reply is a ``command/reply`` whose headers are the whole channel,
  URL-encoded.
"""

from __future__ import annotations

import json
import re
from binascii import a2b_qp
from collections.abc import Iterator
from dataclasses import dataclass, field
from sys import intern
from urllib.parse import unquote, unquote_to_bytes

__all__ = [
    "Event",
    "Frame",
    "FrameParser",
    "LEG_END_HEADERS",
    "ProtocolError",
    "decode_event",
    "parse_event_json",
    "parse_event_plain",
]

LEG_END_HEADERS = ("Event-Name", "Unique-ID", "Hangup-Cause", "variable_sip_hangup_disposition")
"""What a handler of a leg's CHANNEL_HANGUP_COMPLETE needs: whose, why, which side hung up
(:attr:`Event.far_end_hung_up`); see ``headers=`` of the connections' ``on``."""

MAX_HEADER_BYTES = 1 << 20
MAX_BODY_BYTES = 64 << 20


class ProtocolError(Exception):
    """Bytes on an ESL socket that cannot be a frame (garbage, bad length, oversize).

    It is the only exception the parser and the event decoders raise, whatever the bytes.
    """


def _content_length(text: str, what: str, limit: int) -> int:
    """A Content-Length value: ASCII digits only (no sign, ``_`` or other scripts' digits)."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 12:
        raise ProtocolError(f"bad {what} {text[:40]!r}")
    length = int(digits)
    if length > limit:
        raise ProtocolError(f"{what} out of range: {length}")
    return length


@dataclass(slots=True)
class Frame:
    """One ESL message: outer headers in wire order and the raw body (``b''`` if none)."""

    headers: dict[str, str]
    body: bytes = b""

    @property
    def content_type(self) -> str:
        """The frame's Content-Type, ``''`` if it has none."""
        return self.headers.get("Content-Type", "")

    @property
    def reply_text(self) -> str:
        """Reply-Text of a command/reply, URL-decoded (the connect reply encodes it)."""
        value = self.headers.get("Reply-Text", "")
        return unquote(value) if "%" in value else value

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", "replace")


@dataclass(slots=True)
class Event:
    """A decoded FreeSWITCH event: header values URL-decoded, the event's own body apart."""

    headers: dict[str, str]
    body: str | None = None
    content_type: str = "text/event-plain"
    _variables: dict[str, str] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """Event-Name (``CUSTOM`` events keep their subclass in :attr:`subclass`)."""
        return self.headers.get("Event-Name", "")

    @property
    def subclass(self) -> str:
        """Event-Subclass of CUSTOM events, ``''`` otherwise."""
        return self.headers.get("Event-Subclass", "")

    @property
    def uuid(self) -> str:
        """Unique-ID of the channel the event is about, ``''`` for global events."""
        return self.headers.get("Unique-ID", "")

    @property
    def job_uuid(self) -> str:
        """Job-UUID of a BACKGROUND_JOB, ``''`` otherwise."""
        return self.headers.get("Job-UUID", "")

    def get(self, name: str, default: str | None = None) -> str | None:
        """A header value by name."""
        return self.headers.get(name, default)

    def __getitem__(self, name: str) -> str:
        return self.headers[name]

    def __contains__(self, name: object) -> bool:
        return name in self.headers

    def variable(self, name: str, default: str | None = None) -> str | None:
        """A channel variable carried as ``variable_<name>``."""
        return self.headers.get("variable_" + name, default)

    @property
    def far_end_hung_up(self) -> bool:
        """The channel's far end hung up (``sip_hangup_disposition`` recv_bye / recv_cancel),
        not FreeSWITCH or the engine (send_bye ...).

        CHANNEL_HANGUP comes before the disposition is set; there, sofia's
        ``sip_term_status`` says it: in every capture (S02-S11) it is on the event exactly
        when the disposition that follows is ``recv_*`` (200 for a BYE, 487 a CANCEL...).
        """
        disposition = self.variable("sip_hangup_disposition")
        if disposition is None and self.name == "CHANNEL_HANGUP":
            return bool(self.variable("sip_term_status"))
        return (disposition or "").startswith("recv_")

    def only(self, names: tuple[str, ...]) -> Event:
        """A copy with only the headers called ``names`` (and the body)."""
        headers = self.headers
        return Event({k: headers[k] for k in names if k in headers}, self.body, self.content_type)

    @property
    def variables(self) -> dict[str, str]:
        """All channel variables on the event (without the ``variable_`` prefix)."""
        if self._variables is None:
            self._variables = {
                intern(k[9:]): v for k, v in self.headers.items() if k.startswith("variable_")
            }
        return self._variables


def _split_header_block(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_line in block.split(b"\n"):
        if not raw_line:
            continue
        line = raw_line.decode("utf-8", "replace")
        name, sep, value = line.partition(":")
        if not sep:
            raise ProtocolError(f"header line without a colon: {line[:80]!r}")
        headers[intern(name.strip())] = value[1:] if value.startswith(" ") else value
    return headers


def _event_frame_headers(buf: bytearray, start: int, end: int) -> dict[str, str] | None:
    """The two outer headers of an event frame, read without a loop; None if not that shape.

    Every event frame starts ``Content-Length: N\\nContent-Type: text/event-...`` (README,
    wire rules), so this is the common case on a busy connection.
    """
    if not buf.startswith(b"Content-Length: ", start):
        return None
    newline = buf.find(b"\n", start, end)
    if newline < 0 or not buf.startswith(b"Content-Type: text/event-", newline + 1):
        return None
    if buf.find(b"\n", newline + 1, end) >= 0:
        return None
    return {
        "Content-Length": buf[start + 16 : newline].decode("ascii", "replace").strip(),
        "Content-Type": buf[newline + 15 : end].decode("utf-8", "replace"),
    }


class FrameParser:
    """Incremental parser: feed it bytes as they arrive, iterate complete :class:`Frame` s.

    Raises :class:`ProtocolError` on garbage (a header block without ``name: value`` lines, a
    non-numeric or oversized Content-Length). After an error the connection is unusable,
    as it is for FreeSWITCH itself.
    """

    __slots__ = ("_buffer", "_pending")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._pending: tuple[dict[str, str], int] | None = None

    def feed(self, data: bytes) -> Iterator[Frame]:
        """Add received bytes and yield every frame they complete (ProtocolError on garbage)."""
        try:
            yield from self._feed(data)
        except ProtocolError:
            raise
        except Exception as exc:  # whatever the bytes, only ProtocolError leaves the parser
            raise ProtocolError(f"unreadable ESL frame: {exc!r}") from exc

    def _feed(self, data: bytes) -> Iterator[Frame]:
        buf = self._buffer
        buf += data
        pos = 0  # consumed bytes are dropped once, at the end, not per frame
        size = len(buf)
        try:
            while True:
                if self._pending is None:
                    # Leading blank lines between frames are tolerated, as FreeSWITCH does.
                    while pos < size and buf[pos] == 10:
                        pos += 1
                    end = buf.find(b"\n\n", pos)
                    if end < 0:
                        if size - pos > MAX_HEADER_BYTES:
                            raise ProtocolError("header block longer than 1 MiB")
                        return
                    headers = _event_frame_headers(buf, pos, end) or _split_header_block(
                        bytes(buf[pos:end])
                    )
                    pos = end + 2
                    length_text = headers.get("Content-Length")
                    if length_text is None:
                        yield Frame(headers)
                        continue
                    length = _content_length(length_text, "Content-Length", MAX_BODY_BYTES)
                    self._pending = (headers, length)
                headers, length = self._pending
                if size - pos < length:
                    return
                body = bytes(buf[pos : pos + length])
                pos += length
                self._pending = None
                yield Frame(headers, body)
        finally:
            del buf[:pos]

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete frame."""
        return len(self._buffer)


def parse_event_plain(body: bytes) -> Event:
    """Decode a ``text/event-plain`` body into an :class:`Event` (ProtocolError if garbled)."""
    try:
        return _parse_event_plain(body)
    except ProtocolError:
        raise
    except Exception as exc:  # whatever the bytes, only ProtocolError leaves the decoder
        raise ProtocolError(f"unreadable event-plain body: {exc!r}") from exc


def _parse_event_plain(body: bytes) -> Event:
    end = body.find(b"\n\n")
    if end < 0:
        block, rest = body, b""
    else:
        block, rest = body[:end], body[end + 2 :]
    headers = _fast_plain_headers(block)
    if headers is None:
        headers = _plain_headers(block)
    event_body = None
    length_text = headers.pop("Content-Length", None)
    if length_text is not None:
        length = _content_length(length_text, "inner Content-Length", MAX_BODY_BYTES)
        event_body = rest[:length].decode("utf-8", "replace")
    return Event(headers, event_body, "text/event-plain")


def _plain_headers(block: bytes) -> dict[str, str]:
    """Reference decoder: one ``name: url-encoded value`` per line (the slow, exact path).

    A line is split at its first ``': '``; the value's escapes are decoded to bytes and only
    then to text, so an escape like ``%0A`` stays inside its own value.
    """
    headers: dict[str, str] = {}
    for line in block.split(b"\n"):
        if not line:
            continue
        name, sep, value = line.partition(b": ")
        if not sep:
            text = line.decode("utf-8", "replace")
            raise ProtocolError(f"event header line without ': ': {text[:80]!r}")
        raw = unquote_to_bytes(value) if b"%" in value else value
        headers[intern(name.decode("utf-8", "replace"))] = intern(raw.decode("utf-8", "replace"))
    return headers


# A '%' that is not an escape: the fast path leaves such a block to the exact decoder, as it
# does one with a literal '=' (quoted-printable would read it as an escape), a NUL, literal or
# encoded (the fast path's separator), or a line with a second ': ' (FreeSWITCH encodes ':'
# in values, so only a malformed frame has one; counting alone would then pair names with
# the wrong values).
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_SECOND_SEPARATOR = re.compile(rb": [^\n]*: ")
_QP_TABLE = bytes.maketrans(b"\n%", b"\x00=")


def _fast_plain_headers(block: bytes) -> dict[str, str] | None:
    """Decode every header of a plain event at once, in C; ``None`` if the block is unusual.

    FreeSWITCH URL-encodes values (``switch_url_encode`` escapes ':', '=', newlines, ...), so
    each line holds exactly one ``': '`` (checked: as many as lines, none with two).
    Lines and name/value pairs become NUL-separated,
    ``%XX`` becomes ``=XX`` and ``binascii.a2b_qp`` decodes every escape in one call. Gives
    the same dict as :func:`_plain_headers` (checked on every trace event by the tests).
    """
    if block[:1] == b"\n":
        block = block.lstrip(b"\n")
    if (
        block.count(b": ") != block.count(b"\n") + 1
        or b"=" in block
        or b"\x00" in block
        or b"%00" in block
        or _BAD_ESCAPE.search(block)
        or _SECOND_SEPARATOR.search(block)
    ):
        return None
    raw = block.replace(b": ", b"\x00").translate(_QP_TABLE)
    if b"%" in block:
        if b"=" in b"".join(raw.split(b"\x00")[::2]):
            return None  # an escape in a name: names are literal (only values are encoded)
        raw = a2b_qp(raw)
    parts = raw.decode("utf-8", "replace").split("\x00")
    # Interned: names are the same on every event; most values are the same on every event of
    # a channel (its variables), so the events a call holds at once share one copy of each
    return dict(zip(map(intern, parts[::2]), map(intern, parts[1::2]), strict=True))


_scan_json = json.JSONDecoder().scan_once


def parse_event_json(body: bytes) -> Event:
    """Decode a ``text/event-json`` body into an :class:`Event` (ProtocolError if garbled)."""
    try:
        return _parse_event_json(body)
    except ProtocolError:
        raise
    except Exception as exc:  # whatever the bytes, only ProtocolError leaves the decoder
        raise ProtocolError(f"unreadable event-json body: {exc!r}") from exc


def _parse_event_json(body: bytes) -> Event:
    # FreeSWITCH sends one compact object and nothing after it, so the C scanner is called
    # directly (json.loads adds encoding detection and two whitespace regexes per event).
    try:
        text = body.decode("utf-8")
        if text[:1] == "{":
            data, end = _scan_json(text, 0)
            if end != len(text) and text[end:].strip():
                raise ValueError("extra data after the JSON object")
        else:
            data = json.loads(text)
    except (ValueError, StopIteration, RecursionError) as exc:
        raise ProtocolError(f"event-json body is not JSON: {exc!r}"[:200]) from None
    if not isinstance(data, dict):
        raise ProtocolError("event-json body is not an object")
    event_body = data.pop("_body", None)
    if event_body is not None and not isinstance(event_body, str):
        raise ProtocolError("event-json _body is not a string")
    data.pop("Content-Length", None)
    headers = {  # names and values interned, as in _fast_plain_headers
        intern(name): intern(value) if type(value) is str else _json_array(name, value)
        for name, value in data.items()
    }
    return Event(headers, event_body, "text/event-json")


def _json_array(name: str, value: object) -> str:
    """An array header (FreeSWITCH's JSON for ``ARRAY::a|:b``) back in its plain form."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "ARRAY::" + "|:".join(value)
    raise ProtocolError(f"event-json header {name[:60]!r} is not a string")


def decode_event(frame: Frame) -> Event | None:
    """The :class:`Event` in an event frame, or ``None`` if the frame is not an event."""
    content_type = frame.content_type
    if content_type == "text/event-plain":
        return parse_event_plain(frame.body)
    if content_type == "text/event-json":
        return parse_event_json(frame.body)
    return None
