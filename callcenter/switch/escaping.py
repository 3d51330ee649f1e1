"""Escaping of api command arguments and originate channel variables (ESL injection safe).

Every argument with a newline is refused. Escaping follows FreeSWITCH's own parsers
(``switch_separate_string`` / ``cleanup_separated_string`` in switch_utils.c,
``switch_event_create_brackets`` in switch_event.c), which an api argument passes through in
layers:

1. the api splits its arguments on spaces; a backslash escapes the next character and
   ``\\s`` is a space, single quotes group (``origination_caller_id_name='Agent 1000'``,
   as recorded in S05b);
2. ``originate`` takes the ``{...}`` block up to the matching brace (no escape for braces:
   an unbalanced brace in a value is refused) and splits it on commas (``\\,`` escapes);
3. each ``name=value`` splits at the first ``=``.

At every layer ``\\\\`` is a backslash and ``\\'`` a quote, and edge spaces are trimmed unless
escaped. Values are escaped once per layer they cross; tests run the output through a port of
those C functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from callcenter.switch.connection import check_line

__all__ = [
    "VarValue",
    "channel_vars",
    "esl_arg",
    "braces_balanced",
    "escape",
    "spaceless",
    "text_arg",
    "variable_name",
    "word",
]

VarValue = str | int | float | bool
# Used with fullmatch (a '$' would also match before a trailing newline).
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:\-]*")
_WORD = re.compile(r"[^\s'\"\\]+")
_PLAIN_VALUE = re.compile(r"[^\s'\\,]*")
_QUOTABLE = re.compile(r"[^\s'\\,]+( +[^\s'\\,]+)*")


_ESCAPED_BY_CLEANUP = frozenset("'\"\\nrts")


def escape(value: str, delim: str | None = None, *, all_spaces: bool = False) -> str:
    """Escape for one cleanup_separated_string pass with ``delim`` (None: the space split).

    Quotes become ``\\'``, the delimiter ``\\<delim>``, spaces ``\\s`` (all of them for the
    space split, else only at the edges, which cleanup would trim). A backslash is doubled
    only where cleanup would otherwise read it as an escape (before ``' " \\ n r t s``, the
    delimiter, another escape, or at the end), so ``\\d`` in a regexp stays ``\\d``.
    """
    pieces = []
    last = len(value) - 1
    for i, ch in enumerate(value):
        if ch == "'":
            pieces.append("\\'")
        elif ch == " " and (all_spaces or i == 0 or i == last):
            pieces.append("\\s")
        elif delim is not None and ch == delim:
            pieces.append("\\" + ch)
        else:
            pieces.append(ch)
    for i, piece in enumerate(pieces):
        if piece == "\\":
            following = pieces[i + 1][0] if i < last else ""
            if not following or following in _ESCAPED_BY_CLEANUP or following == delim:
                pieces[i] = "\\\\"
    return "".join(pieces)


def esl_arg(value: VarValue, what: str = "argument") -> str:
    """One argument of a space-separated api command, escaped so it stays one argument."""
    text = text_arg(value, what)
    if not text:
        raise ValueError(f"{what} must not be empty")
    return escape(text, all_spaces=True)


def text_arg(value: VarValue, what: str) -> str:
    """A value as one line of text (booleans as true/false); a newline is refused."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return check_line(str(value), what)


def word(value: str, what: str) -> str:
    """A uuid, cause, profile...: one word, nothing to escape; anything else is refused."""
    if not isinstance(value, str) or not _WORD.fullmatch(value):
        raise ValueError(
            f"{what} must be one word without spaces, quotes or backslashes: {value!r}"
        )
    return value


def spaceless(value: str, what: str) -> str:
    """A file, stream or regexp argument: no whitespace; escaped like any argument."""
    if not value or any(ch.isspace() for ch in value):
        raise ValueError(f"{what} must be non-empty and without spaces: {value!r}")
    return esl_arg(value, what)


def variable_name(name: str) -> str:
    """A channel variable name, checked (letters, digits, '_', '.', ':' or '-')."""
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"channel variable name {name!r} must be letters, digits, '_', '.', ':' or '-'"
        )
    return name


def braces_balanced(value: str) -> bool:
    """Whether every brace in ``value`` closes one opened before it."""
    depth = 0
    for ch in value:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _var_value(value: VarValue, name: str) -> str:
    text = text_arg(value, f"value of {name}")
    if not braces_balanced(text):
        raise ValueError(
            f"value of {name} has an unbalanced brace; FreeSWITCH's originate parser finds the "
            "end of the {...} block by counting braces and cannot carry it"
        )
    if not text:  # k= would be dropped; '' survives the '=' split as an empty value
        return escape(escape("''", ","), all_spaces=True)
    if _PLAIN_VALUE.fullmatch(text):
        return text
    if _QUOTABLE.fullmatch(text):  # inner spaces only: the form recorded in S05b
        return f"'{text}'"
    # Escaped for the '=' split, then the ',' split, then the api's space split.
    return escape(escape(escape(text, "="), ","), all_spaces=True)


def channel_vars(variables: Mapping[str, VarValue] | None) -> str:
    """A ``{name=value,...}`` block for originate ('' for no variables)."""
    if not variables:
        return ""
    items = ",".join(f"{variable_name(k)}={_var_value(v, k)}" for k, v in variables.items())
    return "{" + items + "}"
