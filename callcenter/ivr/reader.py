"""Reads composed YAML nodes into typed field values, recording a Problem for each mistake."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.nodes import Node as YamlNode

from callcenter.ivr import schedule as sched
from callcenter.ivr.errors import ExpressionError, Pos, Problem
from callcenter.ivr.expr import parse_expression
from callcenter.ivr.limits import MAX_NUMBER_DIGITS
from callcenter.ivr.mapping_fields import (
    read_holidays,
    read_hours,
    read_results,
    read_targets,
    read_values,
)
from callcenter.ivr.model import PROMPT_SCHEMES, Expr, Prompt, Ref
from callcenter.ivr.yaml_text import (
    BAD,
    FLOW_NAME,
    IDENT,
    NODE_ID,
    expr_pos,
    one_line,
    pos_of,
    shape,
    suggest,
)

__all__ = ["BAD", "IDENT", "NODE_ID", "FLOW_NAME", "Reader", "expr_pos", "pos_of", "suggest"]

_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_LANGUAGE = re.compile(r"[a-z]{2,3}([-_][A-Za-z]{2,4})?")
_PHONE = re.compile(r"\+?[0-9*#]{1,24}")
_VAR_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_URL = re.compile(r"https?://\S+")
_CAUSE = re.compile(r"[A-Z_]+")
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)")
_LITERAL_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_LITERAL_FLOAT = re.compile(r"[-+]?(0|[1-9][0-9]*)\.[0-9]+")
_NULL_TAG = "tag:yaml.org,2002:null"


class Reader:
    """Turns composed YAML nodes into values, recording a Problem for each mistake."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.partial: list[Ref] = []  # refs read so far in the current node

    def problem(self, where: YamlNode | Pos, message: str) -> object:
        """Record a problem at ``where``; returns :data:`BAD` for the value."""
        pos = where if isinstance(where, Pos) else pos_of(where)
        self.problems.append(Problem.at(self.file, pos, message))
        return BAD

    def items(self, node: YamlNode, what: str) -> list[tuple[str, YamlNode, YamlNode]] | None:
        """A mapping's (key, key node, value node) list; duplicate keys are reported."""
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping of 'key: value' lines")
            return None
        out: list[tuple[str, YamlNode, YamlNode]] = []
        seen: dict[str, YamlNode] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.problem(key_node, f"keys in {what} must be plain text")
                continue
            key = key_node.value
            if key in seen:
                first = pos_of(seen[key])
                self.problem(
                    key_node, f"duplicate key '{key}' in {what} (first at line {first.line})"
                )
                continue
            seen[key] = key_node
            out.append((key, key_node, value_node))
        return out

    def text(self, node: YamlNode, what: str, *, allow_empty: bool = False) -> Any:
        """A scalar's text; null, a list or a mapping (or empty text) is a problem."""
        if isinstance(node, ScalarNode) and node.tag == _NULL_TAG and node.style is None:
            return self.problem(node, f"{what} has no value; give one or remove the line")
        if not isinstance(node, ScalarNode):
            return self.problem(node, f"{what} must be text, not a {shape(node)}")
        if not node.value.strip() and not allow_empty:
            return self.problem(node, f"{what} is empty")
        return node.value

    def literal(self, node: YamlNode, what: str) -> Any:
        """A scalar as a value, YAML 1.2 style: 0755 and 'no' stay text, true is a boolean."""
        if not isinstance(node, ScalarNode):
            return self.problem(node, f"{what} must be a single value, not a {shape(node)}")
        raw = node.value
        if node.style is not None:
            return raw
        lowered = raw.lower()
        if lowered in ("", "~", "null"):
            return None
        if lowered in ("true", "false"):
            return lowered == "true"
        if _LITERAL_INT.fullmatch(raw):
            if len(raw) > MAX_NUMBER_DIGITS:
                return self.problem(node, f"{what}: a number of {len(raw)} digits is too long")
            return int(raw)
        if _LITERAL_FLOAT.fullmatch(raw):
            return float(raw)
        return raw

    def ref(self, node: YamlNode, what: str, cross_flow: bool = False) -> Any:
        """A node id, or ``flow:node`` where ``cross_flow`` allows leaving the flow."""
        target = self.text(node, what)
        if target is BAD:
            return BAD
        target = target.strip()
        if ":" in target:
            flow, _, node_id = target.partition(":")
            if not cross_flow:
                return self.problem(
                    node,
                    f"{what} '{target}' names another flow; only a goto node can leave the flow",
                )
            if not FLOW_NAME.fullmatch(flow) or (node_id and not NODE_ID.fullmatch(node_id)):
                return self.problem(node, f"{what} '{target}' is not 'flow:node' or 'flow:'")
        elif not NODE_ID.fullmatch(target):
            return self.problem(
                node, f"{what} '{target}' is not a node id (letters, digits, _ and -)"
            )
        return Ref(target, pos_of(node))

    def prompt(self, node: YamlNode, what: str) -> Any:
        """A prompt: a known scheme, ``say:`` with text, or a file name."""
        text = self.text(node, what)
        if text is BAD:
            return BAD
        if "://" in text and not text.startswith(PROMPT_SCHEMES):
            scheme = text.split("://", 1)[0]
            known = ", ".join(PROMPT_SCHEMES)
            return self.problem(
                node, f"{what}: unknown prompt scheme '{scheme}://'; use {known} or a file"
            )
        if text.startswith("say:") and not text[4:].strip():
            return self.problem(node, f"{what}: say: needs the text to speak")
        return Prompt(text, pos_of(node))

    def expression(self, node: YamlNode, what: str) -> Any:
        """A parsed expression; a syntax error is reported at its column."""
        text = self.text(node, what)
        if text is BAD:
            return BAD
        try:
            start = expr_pos(node, 1)
            return Expr(parse_expression(text), start, exact=one_line(node))
        except ExpressionError as exc:
            return self.problem(
                expr_pos(node, exc.column), f"{what}: bad expression: {exc.message}"
            )

    def number(self, node: YamlNode, what: str, meta: dict[str, Any], integer: bool) -> Any:
        """A whole number or seconds within the field's ``min``/``max``."""
        raw = self.text(node, what)
        if raw is BAD:
            return BAD
        pattern = _INT if integer else _FLOAT
        unit = "a whole number" if integer else "a number of seconds"
        if not pattern.fullmatch(raw.strip()):
            return self.problem(node, f"{what} must be {unit}, got {raw!r}")
        if len(raw.strip()) > MAX_NUMBER_DIGITS:
            return self.problem(node, f"{what}: a number of {len(raw.strip())} digits is too long")
        value: int | float = int(raw) if integer else float(raw)
        low, high = meta.get("min"), meta.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            return self.problem(node, f"{what} must be between {low} and {high}, got {raw}")
        return value

    def matching(self, node: YamlNode, what: str, pattern: re.Pattern[str], hint: str) -> Any:
        """Text that matches ``pattern``; else a problem with ``hint``."""
        raw = self.text(node, what)
        if raw is BAD:
            return BAD
        if not pattern.fullmatch(raw):
            return self.problem(node, f"{what} {raw!r} is not valid; {hint}")
        return raw

    def checked(
        self,
        node: YamlNode,
        what: str,
        check: Callable[[str], object],
        errors: type[Exception],
        label: str = "",
    ) -> Any:
        """Text that ``check`` accepts; an ``errors`` exception it raises becomes a problem."""
        raw = self.text(node, what)
        if raw is BAD:
            return BAD
        try:
            check(raw)
        except errors as exc:
            return self.problem(node, f"{what}: {label}{exc}")
        return raw

    def field(self, kind: str, node: YamlNode, what: str, meta: dict[str, Any]) -> Any:
        """Read one node field of ``kind`` (see the specs in model.py)."""
        if kind == "prompt":
            return self.prompt(node, what)
        if kind == "target":
            return self.ref(node, what, bool(meta.get("cross_flow")))
        if kind == "targets":
            return read_targets(self, node, what, meta["keys"])
        if kind in ("int", "seconds"):
            return self.number(node, what, meta, kind == "int")
        if kind == "str":
            return self.text(node, what)
        if kind == "enum":
            raw = self.text(node, what)
            if raw is not BAD and raw not in meta["choices"]:
                choices = ", ".join(meta["choices"])
                return self.problem(
                    node,
                    f"{what} must be one of {choices}, got {raw!r}{suggest(raw, meta['choices'])}",
                )
            return raw
        if kind == "bool":
            raw = self.text(node, what)
            if raw is not BAD and raw.lower() not in ("true", "false", "yes", "no"):
                return self.problem(node, f"{what} must be true or false, got {raw!r}")
            return raw if raw is BAD else raw.lower() in ("true", "yes")
        if kind == "varname":
            return self.matching(node, what, IDENT, "use letters, digits and _ (not first a digit)")
        if kind == "name":
            return self.matching(node, what, _NAME, "use letters, digits, '.', '_' and '-'")
        if kind == "names":
            if not isinstance(node, SequenceNode):
                return self.problem(node, f"{what} must be a list, e.g. [english, billing]")
            names = [
                self.matching(item, what, _NAME, "use letters, digits, '.', '_' and '-'")
                for item in node.value
            ]
            return BAD if BAD in names else tuple(names)
        if kind == "language":
            return self.matching(
                node, what, _LANGUAGE, "use a language code such as en, zh or zh-CN"
            )
        if kind == "dtmf":
            raw = self.text(node, what, allow_empty=True)
            if raw is not BAD and not set(raw) <= set("0123456789*#"):
                return self.problem(
                    node, f"{what} may only hold the keys 0-9, * and #, got {raw!r}"
                )
            return raw
        if kind == "regex":
            return self.checked(node, what, re.compile, re.error, "bad regex: ")
        if kind == "url":
            return self.matching(node, what, _URL, "it must start with http:// or https://")
        if kind == "phone":
            raw = self.text(node, what)
            if raw is not BAD and not (_PHONE.fullmatch(raw) or _VAR_REF.fullmatch(raw)):
                return self.problem(
                    node, f"{what} {raw!r} must be digits (a leading + is allowed) or ${{variable}}"
                )
            return raw
        if kind == "cause":
            return self.matching(
                node, what, _CAUSE, "use a FreeSWITCH cause such as NORMAL_CLEARING"
            )
        if kind == "timezone":
            return self.checked(node, what, sched.check_timezone, ValueError)
        if kind == "expr":
            return self.expression(node, what)
        if kind == "hours":
            return read_hours(self, node, what)
        if kind == "holidays":
            return read_holidays(self, node, what)
        if kind == "results":
            return read_results(self, node, what)
        if kind == "values":
            return read_values(self, node, what)
        raise AssertionError(f"unknown field kind {kind}")  # pragma: no cover
