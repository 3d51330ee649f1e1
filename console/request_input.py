"""Reading request input: the JSON body, text fields, ids and query parameters, checked.

Every JSON route reads its body with :func:`json_body` and its fields with :func:`text`,
:func:`optional_id` and :func:`query_id`. A wrong value raises :class:`InputError`, which
:func:`install` turns into ``400 {"error": true, "reason": ...}`` (a plain page outside
``/api``); the whole request's size is capped by ``MAX_CONTENT_LENGTH`` (413). Ids must be
ASCII digits within SQL's signed 64-bit range; URL ``<int:...>`` ids outside it are 404.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from console.i18n_errors import localized

MAX_DEPTH = 32
MAX_ID = 2**31 - 1  # SQL INTEGER on every backend (PostgreSQL: 4 bytes; SQLite would take 8)
ID = re.compile(r"[0-9]{1,19}")


class InputError(ValueError):
    """A request value that cannot be used; ``reason`` says which and why."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def at_most(limit: int) -> str:
    """A regex of the ASCII decimal numbers from 0 to ``limit`` (leading zeros allowed)."""
    digits = str(limit)
    parts = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - i - 1
            parts.append(f"{digits[:i]}[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    return "(?:" + "|".join([*parts, digits]) + ")"


class SqlIntConverter(IntegerConverter):
    """``<int:...>`` in URLs: ASCII digits only, at most SQL's largest id (else 404).

    The range is in the regex, not only in ``max``: werkzeug answers a method the route lacks
    before converting, so a too-large id on another method's route was a 405 (found by
    tests/integration/test_api_fuzz.py)."""

    regex = at_most(MAX_ID)

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _depth(value: Any) -> int:
    """How deep lists and objects nest in ``value`` (iterative: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            items: Any = item.values()
        elif isinstance(item, list):
            items = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in items)
    return deepest


def parse_json(data: bytes | str) -> Any:
    """JSON text as Python values, or :class:`InputError` (bad JSON, nested too deep)."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise InputError(f"the JSON body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # also UnicodeDecodeError and ints beyond Python's digit limit
        raise InputError(f"the body must be a JSON object (it is not valid JSON: {exc})") from None
    if _depth(value) > MAX_DEPTH:
        raise InputError(f"the JSON body nests deeper than {MAX_DEPTH} levels")
    return value


def json_body(*, empty_ok: bool = False) -> dict[str, Any]:
    """The request's JSON object; an empty body is ``{}`` when ``empty_ok``."""
    data = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413 before reading
    if not data.strip() and empty_ok:
        return {}
    if not data.strip():
        raise InputError("the body must be a JSON object")
    value = parse_json(data)
    if not isinstance(value, dict):
        raise InputError("the body must be a JSON object")
    return value


def text(
    data: Mapping[str, Any], name: str, limit: int, *, default: str = "", strip: bool = True
) -> str:
    """Field ``name`` as text of at most ``limit`` characters (absent or null: ``default``)."""
    value = data.get(name)
    if value is None:
        return default
    if not isinstance(value, str) or len(value) > limit:
        raise InputError(f"field {name} must be text of at most {limit} characters")
    if "\x00" in value:
        raise InputError(f"field {name} must not contain NUL characters")
    return value.strip() if strip else value


def parse_id(value: Any, name: str) -> int:
    """A database id from JSON or a form/query string: ASCII digits within 64-bit signed."""
    if isinstance(value, bool):
        raise InputError(f"field {name} must be a whole number (an id)")
    if isinstance(value, int):
        if 0 <= value <= MAX_ID:
            return value
        raise InputError(f"field {name} must be an id between 0 and {MAX_ID}")
    if isinstance(value, str) and ID.fullmatch(value.strip()) and int(value) <= MAX_ID:
        return int(value)
    raise InputError(f"field {name} must be a whole number (an id), not {str(value)[:40]!r}")


def optional_id(data: Mapping[str, Any], name: str) -> int | None:
    """Field ``name`` as an id, or None when absent or empty."""
    value = data.get(name)
    if value in (None, ""):
        return None
    return parse_id(value, name)


def query_id(name: str) -> int | None:
    """Query parameter ``name`` as an id, or None when absent or empty."""
    return optional_id(request.args, name)


def query_int(name: str, default: int, lowest: int, highest: int) -> int:
    """Query parameter ``name`` as a whole number from ``lowest`` to ``highest`` (absent or
    empty: ``default``), e.g. a page number."""
    value = request.args.get(name, "").strip()
    if not value:
        return default
    if not ID.fullmatch(value) or not lowest <= int(value) <= highest:
        raise InputError(f"{name} must be a whole number from {lowest} to {highest}")
    return int(value)


def query_text(name: str, limit: int, default: str = "") -> str:
    """Query parameter ``name`` as text of at most ``limit`` characters."""
    return text(request.args, name, limit, default=default)


def _answer(status: int, reason: str) -> tuple[Response | str, int]:
    if request.path.startswith("/api/"):
        return jsonify(error=True, reason=reason), status
    return localized(reason), status  # a page: the reason in the user's language


def install(app: Flask) -> None:
    """Register the id converter and the JSON answers for bad input and HTTP errors on /api."""
    app.url_map.converters["int"] = SqlIntConverter

    @app.errorhandler(InputError)
    def bad_input(error: InputError) -> tuple[Response | str, int]:
        return _answer(error.status, error.reason)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            return _answer(413, f"the request is larger than the limit of {limit} bytes")
        if request.path.startswith("/api/") and error.code is not None and error.code >= 400:
            return jsonify(error=True, reason=error.description or error.name), error.code
        return error
