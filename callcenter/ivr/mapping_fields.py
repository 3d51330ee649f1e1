"""Reading the mapping- and list-shaped node fields: targets, hours, holidays, results, values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from yaml.nodes import MappingNode, SequenceNode
from yaml.nodes import Node as YamlNode

from callcenter.ivr import schedule as sched
from callcenter.ivr.model import Ref
from callcenter.ivr.yaml_text import BAD, FIELD_PATH, IDENT

if TYPE_CHECKING:
    from callcenter.ivr.reader import Reader

__all__ = ["read_holidays", "read_hours", "read_results", "read_targets", "read_values"]


def read_targets(reader: Reader, node: YamlNode, what: str, keys: str) -> Any:
    """A mapping of keys (DTMF keys or phrases) to node refs."""
    items = reader.items(node, what)
    if items is None:
        return BAD
    out: dict[str, Ref] = {}
    ok = True
    for key, key_node, value_node in items:
        if keys == "digit" and (len(key) != 1 or key not in "0123456789*#"):
            reader.problem(
                key_node, f"{what}: '{key}' is not one DTMF key (0-9, * or #; quote * and #)"
            )
            ok = False
        ref = reader.ref(value_node, f"{what} '{key}'")
        if ref is BAD:
            ok = False
        else:
            out[key] = ref
    if not out and ok:
        return reader.problem(node, f"{what} is empty; map at least one {keys} to a node")
    reader.partial.extend(out.values())
    return out if ok else BAD


def read_hours(reader: Reader, node: YamlNode, what: str) -> Any:
    """Opening hours: day keys (mon-fri, sat, ...) to time ranges, as a week."""
    items = reader.items(node, what)
    if items is None:
        return BAD
    week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    seen: dict[int, int] = {}
    ok = True
    for key, key_node, value_node in items:
        try:
            days = sched.parse_day_key(key)
        except ValueError as exc:
            reader.problem(key_node, f"{what}: {exc}")
            ok = False
            continue
        for day in days:
            if day in seen:
                day_name = sched.WEEKDAYS[day]
                reader.problem(key_node, f"{what}: {day_name} is given twice (line {seen[day]})")
                ok = False
            seen[day] = key_node.start_mark.line + 1
        entries = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        for entry in entries:
            raw = reader.text(entry, f"{what} {key}")
            if raw is BAD:
                ok = False
                continue
            try:
                for day in days:
                    week[day].extend(sched.parse_ranges(raw))
            except ValueError as exc:
                reader.problem(entry, f"{what} {key}: {exc}")
                ok = False
    return tuple(tuple(sorted(day)) for day in week) if ok else BAD


def read_holidays(reader: Reader, node: YamlNode, what: str) -> Any:
    """A list of holiday dates and date ranges."""
    if not isinstance(node, SequenceNode):
        return reader.problem(
            node, f"{what} must be a list of dates, e.g. [2025-10-01..2025-10-07, 01-01]"
        )
    out = []
    for entry in node.value:
        raw = reader.text(entry, what)
        if raw is BAD:
            out.append(BAD)
            continue
        try:
            out.append(sched.parse_holiday(raw))
        except ValueError as exc:
            out.append(reader.problem(entry, f"{what}: {exc}"))
    return BAD if BAD in out else tuple(out)


def read_results(reader: Reader, node: YamlNode, what: str) -> Any:
    """Variable name -> field path of a lookup's result."""
    items, complete = _variable_items(reader, node, what)
    out: dict[str, str] = {}
    for key, value_node in items:
        value = reader.matching(
            value_node,
            f"{what} {key}",
            FIELD_PATH,
            "write a field name, e.g. name or data.level",
        )
        if value is not BAD:
            out[key] = value
    return out if complete and len(out) == len(items) else BAD


def read_values(reader: Reader, node: YamlNode, what: str) -> Any:
    """Variable name -> a literal value or ``{expr: ...}``."""
    items, complete = _variable_items(reader, node, what)
    out: dict[str, Any] = {}
    for key, value_node in items:
        if isinstance(value_node, MappingNode):
            inner = reader.items(value_node, f"{what} {key}")
            if inner is None or [k for k, _, _ in inner] != ["expr"]:
                reader.problem(
                    value_node, f"{what} {key}: write a value, or {{expr: 'an expression'}}"
                )
                continue
            value = reader.expression(inner[0][2], f"{what} {key}")
        else:
            value = reader.literal(value_node, f"{what} {key}")
        if value is not BAD:
            out[key] = value
    return out if complete and len(out) == len(items) else BAD


def _variable_items(
    reader: Reader, node: YamlNode, what: str
) -> tuple[list[tuple[str, YamlNode]], bool]:
    """A mapping's (variable name, value node) pairs, and whether every key was one.

    A key that is no variable name is reported; not a mapping: ([], False).
    """
    items = reader.items(node, what)
    if items is None:
        return [], False
    out: list[tuple[str, YamlNode]] = []
    for key, key_node, value_node in items:
        if IDENT.fullmatch(key):
            out.append((key, value_node))
        else:
            reader.problem(key_node, f"{what}: '{key}' is not a variable name")
    return out, len(out) == len(items)
