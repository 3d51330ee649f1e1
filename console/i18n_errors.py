"""JSON error answers in the user's language: ``{"error": true, "reason", "message"}``.

``reason`` stays the stable English text scripts and logs rely on; ``message`` is the same
reason translated for the signed-in user (the reason itself when the catalogue lacks it).
A reason matches a catalogue msgid exactly, or one of ``PATTERNS`` (then the engine's refusals
and the ticket errors, console/i18n_refusals.py) whose ``%(name)s`` parts stand for the values
the reason carries (ids, numbers, field names, states). The engine's refusals on the agent
stream come with their code and values (:func:`refusal_message`).
"""

from __future__ import annotations

import json
import re

from flask import Flask
from werkzeug.wrappers import Response

from callcenter.acd.refusals import REFUSALS
from console.i18n import TEXTS, translate
from console.i18n_refusals import ACTION_LABELS, TICKET_TEXTS

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
PATTERNS = (
    "no agent %(value)s",
    "no live or recorded call %(value)s",
    "no call %(value)s",
    "no customer %(value)s",
    "no customer with id %(value)s",
    "no ticket %(value)s",
    "no monitoring session %(value)s",
    "call %(value)s is not live",
    "CSRF check failed: %(value)s",
    "field %(name)s must be text of at most %(limit)s characters",
    "field %(name)s must not contain NUL characters",
    "field %(name)s must be a whole number (an id)",
    "the JSON body nests deeper than %(value)s levels",
    "the body must be a JSON object (it is not valid JSON: %(value)s)",
    "%(name)s must be a whole number from %(low)s to %(high)s",
    "mode must be one of %(value)s",
    "extension %(extension)s is not agent %(agent)s's phone; use %(phone)s",
    "the request is larger than the limit of %(value)s bytes",
)

__all__ = ["PATTERNS", "fill", "install_error_messages", "localized", "refusal_message"]
TRANSLATED_VALUES = ("state", "status", "what")  # values that are catalogue msgids themselves


def _regex(msgid: str) -> re.Pattern[str]:
    parts = PLACEHOLDER.split(msgid)  # text, name, text, name, ..., text
    body = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
        for index, part in enumerate(parts)
    )
    return re.compile(f"^{body}$", re.DOTALL)


_COMPILED = tuple(
    (_regex(msgid), msgid) for msgid in (*PATTERNS, *REFUSALS.values(), *TICKET_TEXTS)
)


def _value(name: str, value: str, language: str | None) -> str:
    """One value of a sentence as the user reads it (states, actions and reasons translated)."""
    if name in TRANSLATED_VALUES and value in TEXTS:
        return translate(value, language)
    if name == "action":
        label = ACTION_LABELS.get(value.replace(" ", "_").replace("-", "_"))
        return translate(label, language) if label else value
    if name == "why":
        return localized(value, language)
    return value


def fill(msgid: str, values: dict[str, str], language: str | None = None) -> str:
    """``msgid`` in ``language`` with ``values`` put inside (states, actions translated)."""
    shown = {name: _value(name, str(value), language) for name, value in values.items()}
    try:
        return translate(msgid, language) % shown
    except (KeyError, TypeError, ValueError):  # a value missing: the English sentence
        return msgid % {name: shown.get(name, "?") for name in PLACEHOLDER.findall(msgid)}


def refusal_message(data: dict, language: str | None = None) -> str:
    """The translated sentence of an agent-stream refusal: by its code and values when the
    engine sent them, else by its English text (an older engine)."""
    code, params = data.get("code"), data.get("params")
    if isinstance(code, str) and code in REFUSALS and isinstance(params, dict):
        return fill(REFUSALS[code], {str(k): str(v) for k, v in params.items()}, language)
    return localized(str(data.get("error", "")), language)


def localized(reason: str, language: str | None = None) -> str:
    """``reason`` in ``language`` (default: the signed-in user's); unknown reasons unchanged."""
    if reason in TEXTS:
        return translate(reason, language)
    for regex, msgid in _COMPILED:
        found = regex.match(reason)
        if found:
            return fill(msgid, found.groupdict(), language)
    return reason


def install_error_messages(app: Flask) -> None:
    """Add the translated ``message`` to every JSON error answer of ``app``."""

    @app.after_request
    def add_message(response: Response) -> Response:
        if response.status_code < 400 or not response.is_json or response.direct_passthrough:
            return response
        body = response.get_json(silent=True)
        if isinstance(body, dict) and body.get("error") is True and "message" not in body:
            reason = body.get("reason")
            if isinstance(reason, str):
                body["message"] = localized(reason)
                response.set_data(json.dumps(body, ensure_ascii=False))
        return response
