"""Event construction: FreeSWITCH's header blocks, filled from the simulator's channel state.

The header names, their order and the constant values come from ``data/events.json``, which
``scripts/extract_sim_templates.py`` derives from the captured traces.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from callcenter.sim.wire import event_plain
from callcenter.switch.encode import encode_event_json

if TYPE_CHECKING:
    from callcenter.sim.channel import Channel

STATE_NAMES = [
    "CS_NEW", "CS_INIT", "CS_ROUTING", "CS_SOFT_EXECUTE", "CS_EXECUTE", "CS_EXCHANGE_MEDIA",
    "CS_PARK", "CS_CONSUME_MEDIA", "CS_HIBERNATE", "CS_RESET", "CS_HANGUP", "CS_REPORTING",
    "CS_DESTROY", "CS_NONE",
]  # fmt: skip
CALLSTATES = [
    "DOWN",
    "DIALING",
    "RINGING",
    "EARLY",
    "ACTIVE",
    "HELD",
    "RING_WAIT",
    "HANGUP",
    "UNHELD",
]
TIME_FIELDS = [
    "Channel-Created-Time", "Channel-Answered-Time", "Channel-Progress-Time",
    "Channel-Progress-Media-Time", "Channel-Hangup-Time", "Channel-Transfer-Time",
    "Channel-Resurrect-Time", "Channel-Bridged-Time", "Channel-Last-Hold", "Channel-Hold-Accum",
]  # fmt: skip


@cache
def data(name: str) -> Any:
    """A JSON file of the simulator's package data."""
    text = resources.files("callcenter.sim").joinpath("data", name).read_text("utf-8")
    return json.loads(text)


_PLACEHOLDER = re.compile(r"\$\((\w+)\)")


def fill(template: str, ctx: dict[str, str]) -> str:
    """Replace ``$(name)`` placeholders with values from ``ctx`` (unknown ones stay)."""
    return _PLACEHOLDER.sub(lambda m: str(ctx.get(m.group(1), m.group(0))), template)


@dataclass
class SimEvent:
    """One event as fired: header pairs in wire order, optional body."""

    name: str
    pairs: list[tuple[str, str]]
    body: str | None = None
    subclass: str = ""
    _index: dict[str, str] = field(default_factory=dict, repr=False)
    _uuid: str | None = field(default=None, repr=False)

    def get(self, name: str, default: str | None = None) -> str | None:
        """First value of a header."""
        if not self._index:
            for k, v in self.pairs:
                self._index.setdefault(k, v)
        return self._index.get(name, default)

    @property
    def uuid(self) -> str:
        """Unique-ID of the event's channel, ``''`` if none."""
        if self._uuid is None:  # every dispatch asks: one scan, not the whole header index
            self._uuid = next((v for k, v in self.pairs if k == "Unique-ID"), "") or ""
        return self._uuid

    def encode(self, fmt: str = "plain") -> bytes:
        """Serialise as a ``text/event-plain`` or ``text/event-json`` frame."""
        if fmt == "json":
            return encode_event_json(self.pairs, self.body)
        return event_plain(self.pairs, self.body)


class Clock:
    """Simulated wall clock: real time, with durations stretched back by ``time_scale``.

    With ``time_scale=0.1`` a 3 s playback takes 0.3 s of real time but the event
    timestamps still advance by 3 s, so durations in events and CDR variables look real.
    """

    def __init__(self, time_scale: float = 1.0) -> None:
        self.scale = time_scale
        self._wall0 = time.time()
        self._mono0 = time.monotonic()

    def now(self) -> float:
        """Simulated epoch seconds."""
        return self._wall0 + (time.monotonic() - self._mono0) / self.scale

    def now_us(self) -> int:
        """Simulated epoch microseconds."""
        return int(self.now() * 1_000_000)

    def real(self, seconds: float) -> float:
        """Real seconds for a simulated duration."""
        return seconds * self.scale

    def work(self, seconds: float) -> float:
        """Real seconds for the switch's own processing (opening a file ...): shortened by a
        fast clock (tests), never stretched by a slow one - a benchmark's time scale makes
        calls last longer, not the machine slower (a synchronous api holds its connection
        that long, and ten times as long would throttle every command behind it)."""
        return seconds * min(self.scale, 1.0)

    def client_timeout(self, seconds: float) -> float:
        """Simulated seconds for a timeout the engine set (``call_timeout``): it lasts its real
        length under a slow clock - the engine's own timers run in real time, so a benchmark's
        time scale must not outlast them - and is shortened by a fast one, like every wait."""
        return seconds / max(self.scale, 1.0)


class EventFactory:
    """Builds events the way FreeSWITCH lays them out."""

    def __init__(self, clock: Clock, core_uuid: str) -> None:
        self.clock = clock
        self.core_uuid = core_uuid
        self.seq = 0
        spec = data("events.json")
        self.consts = spec["core"]
        self.specs = spec["events"]
        self.basic_order = spec["basic_order"]
        self.caller_order = spec["caller_order"]
        self.other_order = spec["other_order"]
        self.with_vars = set(spec["with_vars"])

    def core(self, name: str, func: str | None, subclass: str = "") -> list[tuple[str, str]]:
        """The leading block every event has (Event-Name ... Event-Sequence)."""
        key = name + ("/" + subclass if subclass else "")
        funcs = self.specs.get(key) or {}
        if func is None and funcs:
            func = next(iter(funcs))
        spec = funcs.get(func or "", {"file": "switch_event.c", "line": "0"})
        now = self.clock.now()
        self.seq += 1
        pairs = [("Event-Subclass", subclass)] if subclass else []
        pairs += [
            ("Event-Name", name),
            ("Core-UUID", self.core_uuid),
            ("FreeSWITCH-Hostname", self.consts["FreeSWITCH-Hostname"]),
            ("FreeSWITCH-Switchname", self.consts["FreeSWITCH-Switchname"]),
            ("FreeSWITCH-IPv4", self.consts["FreeSWITCH-IPv4"]),
            ("FreeSWITCH-IPv6", self.consts["FreeSWITCH-IPv6"]),
            ("Event-Date-Local", time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))),
            ("Event-Date-GMT", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now))),
            ("Event-Date-Timestamp", str(int(now * 1_000_000))),
            ("Event-Calling-File", spec["file"]),
            ("Event-Calling-Function", func or "unknown"),
            ("Event-Calling-Line-Number", spec["line"]),
            ("Event-Sequence", str(self.seq)),
        ]
        return pairs

    def _ordered(self, names: list[str], values: dict[str, str | None]) -> list[tuple[str, str]]:
        out = [(n, values[n]) for n in names if values.get(n) is not None]
        out += [(n, v) for n, v in values.items() if n not in names and v is not None]
        return [(n, str(v)) for n, v in out]

    def build(
        self,
        name: str,
        ch: Channel | None = None,
        *,
        func: str | None = None,
        subclass: str = "",
        pre: dict[str, str | None] | None = None,
        post: dict[str, str | None] | None = None,
        lead: list[tuple[str, str]] | None = None,
        body: str | None = None,
        variables: bool | None = None,
        pairs_after_channel: list[tuple[str, str]] | None = None,
    ) -> SimEvent:
        """An event: core block, ``pre`` headers, channel block, variables, ``post`` headers."""
        key = name + ("/" + subclass if subclass else "")
        funcs = self.specs.get(key) or {}
        if func is None and funcs:
            func = next(iter(funcs))
        spec = funcs.get(func or "", {"pre": [], "post": []})
        pairs = list(lead or [])
        pairs += self.core(name, func, subclass)
        if pre:
            pairs += self._ordered(spec["pre"], pre)
        if ch is not None:
            pairs += self.channel_block(ch)
            if pairs_after_channel:
                pairs += pairs_after_channel
            if variables is None:
                variables = key in self.with_vars
            if variables:
                pairs += [("variable_" + k, v) for k, v in ch.vars.items()]
        if post:
            pairs += self._ordered(spec["post"], post)
        return SimEvent(name, pairs, body, subclass)

    def channel_block(self, ch: Channel) -> list[tuple[str, str]]:
        """switch_channel_event_set_basic_data: channel, caller profile and other leg."""
        values: dict[str, str | None] = {
            "Channel-State": STATE_NAMES[ch.running_state],
            "Channel-Call-State": ch.callstate,
            "Channel-State-Number": str(ch.state),
            "Channel-Name": ch.name,
            "Unique-ID": ch.uuid,
            "Call-Direction": ch.direction,
            "Presence-Call-Direction": ch.direction,
            "Channel-HIT-Dialplan": "true" if ch.hit_dialplan else "false",
            "Channel-Presence-ID": ch.vars.get("presence_id"),
            "Channel-Call-UUID": ch.vars.get("call_uuid", ch.uuid),
            "Answer-State": ch.answer_state,
            "Hangup-Cause": ch.hangup_cause,
        }
        if ch.read_codec:
            values["Channel-Read-Codec-Name"] = ch.read_codec[0]
            values["Channel-Read-Codec-Rate"] = ch.read_codec[1]
            values["Channel-Read-Codec-Bit-Rate"] = ch.read_codec[2]
        if ch.write_codec:
            values["Channel-Write-Codec-Name"] = ch.write_codec[0]
            values["Channel-Write-Codec-Rate"] = ch.write_codec[1]
            values["Channel-Write-Codec-Bit-Rate"] = ch.write_codec[2]
        pairs = self._ordered(self.basic_order, values)
        if ch.profile is not None:
            pairs += self.profile_pairs("Caller-", ch.profile.values(ch), self.caller_order)
        if ch.other is not None:
            kind, profile_values = ch.other
            pairs.append(("Other-Type", kind))
            pairs += self.profile_pairs("Other-Leg-", profile_values, self.other_order)
        return pairs

    @staticmethod
    def profile_pairs(
        prefix: str, values: dict[str, str], order: list[str]
    ) -> list[tuple[str, str]]:
        """A caller profile block (``Caller-`` or ``Other-Leg-``), empty fields left out."""
        return [(prefix + n, values[n]) for n in order if values.get(n) not in (None, "")]
