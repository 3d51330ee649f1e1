"""The expression language's syntax tree, values, functions and evaluation."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from callcenter.ivr.errors import EvaluationError

__all__ = [
    "FUNCTIONS",
    "Ast",
    "Call",
    "ListLit",
    "Lit",
    "Op",
    "Value",
    "Var",
    "evaluate",
    "names_in",
    "truth",
]

Value = str | int | float | bool | None | list
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")


# -- syntax tree ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lit:
    value: Value
    column: int


@dataclass(frozen=True, slots=True)
class Var:
    name: str
    column: int


@dataclass(frozen=True, slots=True)
class ListLit:
    items: tuple[Ast, ...]
    column: int


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Ast, ...]
    column: int


@dataclass(frozen=True, slots=True)
class Op:
    op: str
    args: tuple[Ast, ...]
    column: int


Ast = Lit | Var | ListLit | Call | Op


# -- evaluation -------------------------------------------------------------------------------


def _kind(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    return "list"


def _is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_number(value: Value) -> int | float | None:
    if _is_number(value):
        return value  # type: ignore[return-value]
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        text = value.strip()
        return float(text) if "." in text else int(text)
    return None


def _coerce(left: Value, right: Value) -> tuple[Value, Value]:
    """A number compared with a numeric text compares as numbers ('5' == 5)."""
    if _is_number(left) and isinstance(right, str):
        number = _as_number(right)
        return (left, number) if number is not None else (left, right)
    if isinstance(left, str) and _is_number(right):
        number = _as_number(left)
        return (number, right) if number is not None else (left, right)
    return left, right


def _compare(op: str, left: Value, right: Value) -> bool:
    left, right = _coerce(left, right)
    if op in ("==", "!="):
        same = _kind(left) == _kind(right) and left == right
        return same if op == "==" else not same
    comparable = (_is_number(left) and _is_number(right)) or (
        isinstance(left, str) and isinstance(right, str)
    )
    if not comparable:
        raise EvaluationError(
            f"cannot compare {_kind(left)} {left!r} with {_kind(right)} {right!r} using '{op}'"
        )
    a, b = left, right  # type: ignore[assignment]
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]  # type: ignore[operator]


def _contains(item: Value, container: Value) -> bool:
    if isinstance(container, list):
        return any(_compare("==", item, element) for element in container)
    if isinstance(container, str):
        if not isinstance(item, str):
            raise EvaluationError(f"'in' text needs text on the left, got {_kind(item)}")
        return item in container
    raise EvaluationError(f"'in' needs a list or text on the right, got {_kind(container)}")


def truth(value: Value) -> bool:
    return bool(value)


def _text(value: Value, func: str) -> str:
    if not isinstance(value, str):
        raise EvaluationError(f"{func}() needs text, got {_kind(value)} {value!r}")
    return value


def _len(value: Value) -> int:
    if isinstance(value, str | list):
        return len(value)
    raise EvaluationError(f"len() needs text or a list, got {_kind(value)}")


def _number(value: Value) -> int | float:
    number = _as_number(value)
    if number is None:
        raise EvaluationError(f"number() cannot read {value!r} as a number")
    return number


def _to_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _between(value: Value, low: Value, high: Value) -> bool:
    return _compare("<=", low, value) and _compare("<=", value, high)


@dataclass(frozen=True, slots=True)
class _Function:
    arity: tuple[int, int | None]
    impl: Callable[..., Value]
    doc: str


FUNCTIONS: dict[str, _Function] = {
    "len": _Function((1, 1), _len, "len(x): length of a text or list"),
    "startswith": _Function(
        (2, None),
        lambda s, *p: any(_text(s, "startswith").startswith(_text(x, "startswith")) for x in p),
        "startswith(text, prefix, ...): text starts with any of the prefixes",
    ),
    "endswith": _Function(
        (2, None),
        lambda s, *p: any(_text(s, "endswith").endswith(_text(x, "endswith")) for x in p),
        "endswith(text, suffix, ...): text ends with any of the suffixes",
    ),
    "contains": _Function(
        (2, 2),
        lambda s, x: _text(x, "contains") in _text(s, "contains"),
        "contains(text, part): part occurs in text",
    ),
    "lower": _Function((1, 1), lambda s: _text(s, "lower").lower(), "lower(text)"),
    "upper": _Function((1, 1), lambda s: _text(s, "upper").upper(), "upper(text)"),
    "number": _Function((1, 1), _number, "number(x): text such as '42' as a number"),
    "text": _Function((1, 1), _to_text, "text(x): x as text (null is '')"),
    "matches": _Function(
        (2, 2),
        lambda s, p: re.fullmatch(p, _text(s, "matches")) is not None,
        "matches(text, 'regex'): the whole text matches the regex (a string literal)",
    ),
    "between": _Function(
        (3, 3), _between, "between(x, low, high): low <= x <= high (numbers or texts like times)"
    ),
}


def evaluate(node: Ast, variables: Mapping[str, Value]) -> Value:
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Var):
        if node.name not in variables:
            raise EvaluationError(f"variable '{node.name}' is not set")
        return variables[node.name]
    if isinstance(node, ListLit):
        return [evaluate(item, variables) for item in node.items]
    if isinstance(node, Call):
        args = [evaluate(arg, variables) for arg in node.args]
        return FUNCTIONS[node.func].impl(*args)
    op, args = node.op, node.args
    if op == "and":
        return truth(evaluate(args[0], variables)) and truth(evaluate(args[1], variables))
    if op == "or":
        return truth(evaluate(args[0], variables)) or truth(evaluate(args[1], variables))
    if op == "not":
        return not truth(evaluate(args[0], variables))
    values = [evaluate(arg, variables) for arg in args]
    if op == "neg":
        if not _is_number(values[0]):
            raise EvaluationError(f"'-' needs a number, got {_kind(values[0])}")
        return -values[0]  # type: ignore[operator]
    left, right = values
    if op == "in":
        return _contains(left, right)
    if op == "not in":
        return not _contains(left, right)
    if op in ("+", "-"):
        if _is_number(left) and _is_number(right):
            return left + right if op == "+" else left - right  # type: ignore[operator]
        if op == "+" and isinstance(left, str) and isinstance(right, str):
            return left + right
        raise EvaluationError(f"cannot apply '{op}' to {_kind(left)} and {_kind(right)}")
    return _compare(op, left, right)


def names_in(node: Ast) -> list[tuple[str, int]]:
    if isinstance(node, Var):
        return [(node.name, node.column)]
    children: Sequence[Ast] = ()
    if isinstance(node, ListLit):
        children = node.items
    elif isinstance(node, Call | Op):
        children = node.args
    return [name for child in children for name in names_in(child)]
