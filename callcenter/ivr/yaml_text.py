"""Plain helpers for reading flow YAML: positions, suggestions, name patterns, the BAD mark."""

from __future__ import annotations

import difflib
import re
from typing import Any

from yaml.nodes import MappingNode, SequenceNode
from yaml.nodes import Node as YamlNode

from callcenter.ivr.errors import Pos

__all__ = [
    "BAD",
    "FIELD_PATH",
    "FLOW_NAME",
    "IDENT",
    "NODE_ID",
    "expr_pos",
    "one_line",
    "pos_of",
    "shape",
    "suggest",
]

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NODE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
FLOW_NAME = re.compile(r"[A-Za-z0-9_-]+")
FIELD_PATH = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*")
BAD: Any = object()  # marks a value that could not be read (a Problem was recorded)


def pos_of(node: YamlNode) -> Pos:
    """The 1-based position where a YAML node starts."""
    return Pos(node.start_mark.line + 1, node.start_mark.column + 1)


def suggest(word: str, choices: Any) -> str:
    """'; did you mean X?' for the closest choice, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def expr_pos(node: YamlNode, column: int) -> Pos:
    """Where column ``column`` of an expression scalar is in the file (exact on one line)."""
    start = pos_of(node)
    if not one_line(node):
        return start
    quote = 1 if getattr(node, "style", None) in ("'", '"') else 0
    return Pos(start.line, start.column + quote + column - 1)


def one_line(node: YamlNode) -> bool:
    """Whether a scalar stands on one line (so columns inside it are exact)."""
    style = getattr(node, "style", None)
    return node.start_mark.line == node.end_mark.line and style not in ("|", ">")


def shape(node: YamlNode) -> str:
    """What a YAML node is, for a message: mapping, list or value."""
    return (
        "mapping"
        if isinstance(node, MappingNode)
        else "list"
        if isinstance(node, SequenceNode)
        else "value"
    )
