"""Limits on a flow file, checked before the full parse: size, characters, nesting, YAML nodes.

Every check turns a hostile or broken file into one :class:`Problem` with its position,
cheaply (a size check needs no read; the event scan stops at the first limit passed), so a
file nobody should load never costs a call more than a bounded amount of work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from callcenter.ivr.errors import Pos, Problem

__all__ = ["FlowLimits", "SCAN_LOADER", "decode", "position_in", "screen_text"]

# libyaml when installed for the first scan (25x faster); the composer stays pure Python
SCAN_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# What YAML 1.1 (the pure-Python reader) refuses; reported here with a position and a name
_NOT_ALLOWED = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
MAX_NUMBER_DIGITS = 100  # an integer literal longer than this is refused (Python stops at 4300)


@dataclass(frozen=True)
class FlowLimits:
    """How big one flow file may be (settings ivr.max_flow_bytes, _nodes and _depth)."""

    max_bytes: int = 1_000_000
    max_nodes: int = 2_000  # flow nodes under 'nodes:'
    max_depth: int = 64  # nested mappings and lists

    @classmethod
    def of(cls, ivr: Any) -> FlowLimits:
        """The limits in the ``ivr`` settings section (max_flow_bytes, _nodes, _depth)."""
        return cls(ivr.max_flow_bytes, ivr.max_flow_nodes, ivr.max_flow_depth)

    @property
    def max_yaml_nodes(self) -> int:
        """Scalars, mappings and lists in the whole file (10 per flow node on average)."""
        return max(10_000, 10 * self.max_nodes)


def position_in(text: str, offset: int) -> Pos:
    """The 1-based line and column of character ``offset`` of ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Pos(line, column)


def decode(data: bytes, file: str) -> tuple[str | None, Problem | None]:
    """The file's text as UTF-8, or a problem at the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", errors="replace")
        message = (
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded ({exc.reason}); "
            "save the file as UTF-8"
        )
        return None, Problem.at(file, position_in(good, len(good)), message)


def screen_text(text: str, file: str, limits: FlowLimits) -> Problem | None:
    """The first reason not to compose ``text`` (bad character, size, depth, aliases), or None."""
    if len(text.encode("utf-8", errors="surrogatepass")) > limits.max_bytes:
        return Problem(
            file, 1, 1,
            f"the file is larger than {limits.max_bytes} bytes (setting ivr.max_flow_bytes)",
        )  # fmt: skip
    bad = _NOT_ALLOWED.search(text)
    if bad is not None:
        char = bad.group()
        name = "a NUL byte" if char == "\0" else "a control character"
        return Problem.at(
            file,
            position_in(text, bad.start()),
            f"{name} (U+{ord(char):04X}) is not allowed in a flow file; remove it",
        )
    try:
        return _scan_events(text, file, limits, SCAN_LOADER)
    except yaml.YAMLError:  # scanned again as the composer will read it: a limit may come first
        try:
            return _scan_events(text, file, limits, yaml.SafeLoader)
        except yaml.YAMLError:
            return None  # the composer reports it with its position


def _scan_events(text: str, file: str, limits: FlowLimits, loader: type) -> Problem | None:
    depth = count = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            return _at(
                file, event, "aliases (*name) are not allowed in flow files; "
                "write the value out where it is used",
            )  # fmt: skip
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > limits.max_depth:
                return _at(
                    file, event,
                    f"nested deeper than {limits.max_depth} levels (setting ivr.max_flow_depth)",
                )  # fmt: skip
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            count += 1
            if count > limits.max_yaml_nodes:
                return _at(
                    file, event, f"more than {limits.max_yaml_nodes} values in one file "
                    f"(a flow may have at most {limits.max_nodes} nodes, "
                    "setting ivr.max_flow_nodes)",
                )  # fmt: skip
    return None


def _at(file: str, event: yaml.Event, message: str) -> Problem:
    mark = event.start_mark
    pos = Pos(mark.line + 1, mark.column + 1) if mark is not None else Pos(1, 1)
    return Problem.at(file, pos, message)
