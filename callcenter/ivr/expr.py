"""A small safe expression language for ``condition`` nodes: own tokenizer and parser, no eval."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from callcenter.ivr.errors import EvaluationError, ExpressionError
from callcenter.ivr.evaluate import (
    FUNCTIONS,
    Ast,
    Call,
    ListLit,
    Lit,
    Op,
    Value,
    Var,
    evaluate,
    names_in,
    truth,
)

__all__ = ["FUNCTIONS", "Expression", "Value", "parse_expression"]


MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_TOKENS = 300

_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null", "True", "False", "None"}
_REFUSED_WORDS = {
    "lambda": "lambda functions are not allowed",
    "import": "'import' is not allowed",
    "is": "'is' is not supported; compare with '==' or '!='",
    "if": "'x if c else y' is not supported; use a condition node's then/else",
    "else": "'else' is not supported; use a condition node's then/else",
    "for": "comprehensions are not supported",
    "def": "'def' is not allowed",
    "class": "'class' is not allowed",
    "while": "loops are not supported",
    "await": "'await' is not allowed",
    "yield": "'yield' is not allowed",
}
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "(", ")", "[", "]", ",")
_REFUSED_CHARS = {
    ".": "attribute access ('.') is not allowed",
    "=": "'=' is assignment; compare with '=='",
    "&": "use 'and' instead of '&'",
    "|": "use 'or' instead of '|'",
    "!": "use 'not' instead of '!'",
    "{": "'{' is not supported; write lists as [a, b]",
    "}": "'}' is not supported",
    ":": "':' is not supported (no slices, lambdas or dicts)",
}
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # num, str, name, kw, op, end
    text: str
    column: int
    value: Value = None


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        col = i + 1
        if ch in " \t\r\n":
            i += 1
            continue
        if ch in "0123456789":
            match = _NUMBER.match(text, i)
            assert match is not None
            raw = match.group()
            end = match.end()
            if end < len(text) and (_NAME.match(text[end]) or text[end].isdigit()):
                raise ExpressionError(f"bad number {text[i : end + 1]!r}", col, text)
            if end < len(text) and text[end] == ".":
                raise ExpressionError("bad number: attribute access is not allowed", end + 1, text)
            number: int | float = float(raw) if "." in raw else int(raw)
            tokens.append(_Token("num", raw, col, number))
            i = end
        elif ch in "'\"":
            i, value = _read_string(text, i)
            tokens.append(_Token("str", text[col - 1 : i], col, value))
        elif _NAME.match(ch):
            match = _NAME.match(text, i)
            assert match is not None
            word = match.group()
            if word in _REFUSED_WORDS:
                raise ExpressionError(_REFUSED_WORDS[word], col, text)
            if word.startswith("__"):
                raise ExpressionError(
                    f"names starting with '__' are not allowed: {word}", col, text
                )
            tokens.append(_Token("kw" if word in _KEYWORDS else "name", word, col))
            i = match.end()
        else:
            op = next((op for op in _OPERATORS if text.startswith(op, i)), None)
            if op is None:
                hint = _REFUSED_CHARS.get(ch, f"unexpected character {ch!r}")
                raise ExpressionError(hint, col, text)
            tokens.append(_Token("op", op, col))
            i += len(op)
        if len(tokens) > MAX_TOKENS:
            raise ExpressionError(
                f"expression has more than {MAX_TOKENS} parts; split it across condition nodes",
                col,
                text,
            )
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"'}


def _read_string(text: str, start: int) -> tuple[int, str]:
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            return i + 1, "".join(out)
        if ch == "\\":
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt not in _ESCAPES:
                raise ExpressionError(
                    "unknown escape in string; use \\\\ \\' \\\" \\n or \\t", i + 1, text
                )
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise ExpressionError(f"string not closed; add the closing {quote}", start + 1, text)


class _Parser:
    """Recursive descent: or > and > not > comparison > sum > unary > primary."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    def error(self, message: str, token: _Token | None = None) -> ExpressionError:
        return ExpressionError(message, (token or self.peek()).column, self.text)

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at(self, kind: str, text: str) -> bool:
        token = self.peek()
        return token.kind == kind and token.text == text

    def expect_op(self, text: str, what: str) -> _Token:
        if not self.at("op", text):
            raise self.error(f"expected '{text}' {what}, got {_describe(self.peek())}")
        return self.take()

    def parse(self) -> Ast:
        if self.peek().kind == "end":
            raise self.error("empty expression")
        tree = self.or_expr()
        token = self.peek()
        if token.kind != "end":
            if token.kind == "op" and token.text == "[":
                raise self.error("indexing with [...] is not allowed")
            if token.kind == "op" and token.text == "(":
                raise self.error("only named functions can be called, e.g. len(x)")
            raise self.error(f"expected an operator or the end, got {_describe(token)}")
        return tree

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression nested deeper than {MAX_DEPTH} levels")

    def or_expr(self) -> Ast:
        left = self.and_expr()
        while self.at("kw", "or"):
            token = self.take()
            left = Op("or", (left, self.and_expr()), token.column)
        return left

    def and_expr(self) -> Ast:
        left = self.not_expr()
        while self.at("kw", "and"):
            token = self.take()
            left = Op("and", (left, self.not_expr()), token.column)
        return left

    def not_expr(self) -> Ast:
        if self.at("kw", "not"):
            return self.prefix("not", self.not_expr)
        return self.comparison()

    def comparison(self) -> Ast:
        left = self.sum_expr()
        token = self.peek()
        op = None
        if token.kind == "op" and token.text in ("==", "!=", "<", "<=", ">", ">="):
            op = token.text
            self.take()
        elif self.at("kw", "in"):
            op = "in"
            self.take()
        elif self.at("kw", "not") and self.tokens[self.i + 1].text == "in":
            op = "not in"
            self.i += 2
        if op is None:
            return left
        right = self.sum_expr()
        nxt = self.peek()
        if nxt.kind == "op" and nxt.text in ("==", "!=", "<", "<=", ">", ">="):
            raise self.error("chained comparisons are not supported; join them with 'and'", nxt)
        return Op(op, (left, right), token.column)

    def sum_expr(self) -> Ast:
        left = self.unary()
        while self.peek().kind == "op" and self.peek().text in ("+", "-"):
            token = self.take()
            left = Op(token.text, (left, self.unary()), token.column)
        return left

    def unary(self) -> Ast:
        if self.at("op", "-"):
            return self.prefix("neg", self.unary)
        return self.primary()

    def prefix(self, name: str, operand: Callable[[], Ast]) -> Ast:
        """A prefix operator (the current token) applied to ``operand``, one level deeper."""
        token = self.take()
        self.nest()
        value = operand()
        self.depth -= 1
        return Op(name, (value,), token.column)

    def primary(self) -> Ast:
        value = self.atom()
        token = self.peek()
        if token.kind == "op" and token.text == "[":
            raise self.error("indexing with [...] is not allowed")
        if token.kind == "op" and token.text == "(":
            raise self.error("only named functions can be called, e.g. len(x)")
        return value

    def atom(self) -> Ast:
        token = self.take()
        if token.kind in ("num", "str"):
            return Lit(token.value, token.column)
        if token.kind == "kw" and token.text in ("true", "True"):
            return Lit(True, token.column)
        if token.kind == "kw" and token.text in ("false", "False"):
            return Lit(False, token.column)
        if token.kind == "kw" and token.text in ("null", "None"):
            return Lit(None, token.column)
        if token.kind == "name":
            if self.at("op", "("):
                return self.call(token)
            return Var(token.text, token.column)
        if token.kind == "op" and token.text == "(":
            self.nest()
            inner = self.or_expr()
            self.depth -= 1
            self.expect_op(")", "to close '('")
            return inner
        if token.kind == "op" and token.text == "[":
            self.nest()
            items = self.items("]")
            self.depth -= 1
            return ListLit(items, token.column)
        raise self.error(f"expected a value, got {_describe(token)}", token)

    def call(self, name: _Token) -> Ast:
        spec = FUNCTIONS.get(name.text)
        if spec is None:
            known = ", ".join(sorted(FUNCTIONS))
            raise self.error(f"unknown function '{name.text}'; allowed: {known}", name)
        self.take()  # (
        self.nest()
        args = self.items(")")
        self.depth -= 1
        low, high = spec.arity
        if len(args) < low or (high is not None and len(args) > high):
            wanted = (
                f"{low}" if low == high else f"{low} or more" if high is None else f"{low}-{high}"
            )
            raise self.error(f"{name.text}() takes {wanted} argument(s), got {len(args)}", name)
        if name.text == "matches":
            pattern = args[1]
            if not isinstance(pattern, Lit) or not isinstance(pattern.value, str):
                raise self.error("matches() needs a string literal as its pattern", name)
            try:
                re.compile(pattern.value)
            except re.error as exc:
                raise ExpressionError(f"bad regex: {exc}", pattern.column, self.text) from None
        return Call(name.text, args, name.column)

    def items(self, close: str) -> tuple[Ast, ...]:
        items: list[Ast] = []
        if self.at("op", close):
            self.take()
            return ()
        while True:
            items.append(self.or_expr())
            if self.at("op", ","):
                self.take()
                continue
            self.expect_op(close, "or ','")
            return tuple(items)


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the expression"
    return repr(token.text)


@dataclass(frozen=True)
class Expression:
    """A parsed expression; ``evaluate`` it against the call's variables."""

    source: str
    tree: Ast

    @property
    def names(self) -> list[tuple[str, int]]:
        """The variables it reads, each with its 1-based column in ``source``."""
        return names_in(self.tree)

    def evaluate(self, variables: Mapping[str, Value]) -> Value:
        """The value; :class:`EvaluationError` if a variable is unset or types do not fit."""
        try:
            return evaluate(self.tree, variables)
        except RecursionError:  # pragma: no cover - MAX_DEPTH keeps trees shallow
            raise EvaluationError("expression too deep") from None

    def test(self, variables: Mapping[str, Value]) -> bool:
        """The value as true/false (empty text, 0, null and [] are false)."""
        return truth(self.evaluate(variables))


def parse_expression(text: str) -> Expression:
    """Parse ``text``; :class:`ExpressionError` (with the column) if it is not valid."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, got {type(text).__name__}", 1)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH + 1)
    return Expression(text, _Parser(text).parse())
