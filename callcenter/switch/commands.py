"""FreeSWITCH command builders: the only place that formats api command text.

Each builder returns the command *without* ``api``/``bgapi`` (``conn.api(cmd)`` or
``conn.bgapi(cmd)`` add it). Every argument with a newline is refused (ESL injection).

Escaping follows FreeSWITCH's own parsers (``switch_separate_string`` /
``cleanup_separated_string`` in switch_utils.c, ``switch_event_create_brackets`` in
switch_event.c), which an api argument passes through in layers:

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

import json
import re
from collections.abc import Mapping
from typing import Literal

from callcenter.switch.connection import check_line

__all__ = [
    "channel_vars",
    "conference",
    "eavesdrop_arg",
    "eavesdrop_variables",
    "esl_arg",
    "originate",
    "parse_show_json",
    "play_and_get_digits_arg",
    "show_calls",
    "show_channels",
    "sofia_contact",
    "speak_args",
    "user_endpoint",
    "uuid_break",
    "uuid_bridge",
    "uuid_getvar",
    "uuid_hold",
    "uuid_kill",
    "uuid_record",
    "uuid_send_dtmf",
    "uuid_setvar",
    "uuid_setvar_multi",
    "uuid_transfer",
]

VarValue = str | int | float | bool
# Used with fullmatch (a '$' would also match before a trailing newline).
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:\-]*")
_WORD = re.compile(r"[^\s'\"\\]+")
_PLAIN_VALUE = re.compile(r"[^\s'\\,]*")
_QUOTABLE = re.compile(r"[^\s'\\,]+( +[^\s'\\,]+)*")


# -- escaping ---------------------------------------------------------------------------------


_ESCAPED_BY_CLEANUP = frozenset("'\"\\nrts")


def _escape(value: str, delim: str | None = None, *, all_spaces: bool = False) -> str:
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
    text = _text(value, what)
    if not text:
        raise ValueError(f"{what} must not be empty")
    return _escape(text, all_spaces=True)


def _text(value: VarValue, what: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return check_line(str(value), what)


def _word(value: str, what: str) -> str:
    """A uuid, cause, profile... : one word, nothing to escape."""
    if not isinstance(value, str) or not _WORD.fullmatch(value):
        raise ValueError(
            f"{what} must be one word without spaces, quotes or backslashes: {value!r}"
        )
    return value


def _spaceless(value: str, what: str) -> str:
    """A file, stream or regexp argument: no whitespace; escaped like any argument."""
    if not value or any(ch.isspace() for ch in value):
        raise ValueError(f"{what} must be non-empty and without spaces: {value!r}")
    return esl_arg(value, what)


def _var_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"channel variable name {name!r} must be letters, digits, '_', '.', ':' or '-'"
        )
    return name


def _braces_balanced(value: str) -> bool:
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
    text = _text(value, f"value of {name}")
    if not _braces_balanced(text):
        raise ValueError(
            f"value of {name} has an unbalanced brace; FreeSWITCH's originate parser finds the "
            "end of the {...} block by counting braces and cannot carry it"
        )
    if not text:  # k= would be dropped; '' survives the '=' split as an empty value
        return _escape(_escape("''", ","), all_spaces=True)
    if _PLAIN_VALUE.fullmatch(text):
        return text
    if _QUOTABLE.fullmatch(text):  # inner spaces only: the form recorded in S05b
        return f"'{text}'"
    # Escaped for the '=' split, then the ',' split, then the api's space split.
    return _escape(_escape(_escape(text, "="), ","), all_spaces=True)


def channel_vars(variables: Mapping[str, VarValue] | None) -> str:
    """A ``{name=value,...}`` block for originate ('' for no variables)."""
    if not variables:
        return ""
    items = ",".join(f"{_var_name(k)}={_var_value(v, k)}" for k, v in variables.items())
    return "{" + items + "}"


# -- originate / bridge / transfer -------------------------------------------------------------


def user_endpoint(extension: str, domain: str = "") -> str:
    """The dial string of a directory user: ``user/<ext>@<domain>`` (no domain: the default)."""
    if not domain:
        return f"user/{_word(extension, 'extension')}"
    return f"user/{_word(extension, 'extension')}@{_word(domain, 'domain')}"


def originate(
    dial: str,
    *,
    variables: Mapping[str, VarValue] | None = None,
    app: str | None = "park",
    app_arg: str = "",
    exten: str | None = None,
    dialplan: str | None = None,
    context: str | None = None,
    cid_name: str | None = None,
    cid_num: str | None = None,
    timeout: int | None = None,
) -> str:
    """``originate {vars}<dial> &app(arg)`` or ``originate {vars}<dial> <exten> [dp] [ctx]``.

    ``dial`` is a dial string such as ``user/1000@example.com`` or
    ``sofia/gateway/gw1/13900139000``; put channel variables in ``variables``.
    """
    dial = _word(dial, "dial string")
    if variables and dial.startswith("{"):
        raise ValueError("pass channel variables in variables=, not inside the dial string")
    if exten is not None:
        target = esl_arg(exten, "extension")
    elif app:
        if ")" in app_arg:
            raise ValueError("originate cannot pass ')' in an application argument")
        arg = _escape(_text(app_arg, f"{app} argument"), all_spaces=True) if app_arg else ""
        target = f"&{_word(app, 'application')}({arg})"
    else:
        raise ValueError("originate needs an application (app=) or an extension (exten=)")
    parts = ["originate", channel_vars(variables) + dial, target]
    optional = [dialplan, context, cid_name, cid_num, None if timeout is None else str(timeout)]
    while optional and optional[-1] is None:
        optional.pop()
    parts += ["undef" if item is None else esl_arg(item) for item in optional]
    return " ".join(parts)


def uuid_bridge(uuid: str, other_uuid: str) -> str:
    """Bridge two existing channels (ends the outbound ``socket`` app of ``uuid``, S03)."""
    return f"uuid_bridge {_word(uuid, 'uuid')} {_word(other_uuid, 'other uuid')}"


def uuid_transfer(
    uuid: str,
    destination: str,
    dialplan: str | None = None,
    context: str | None = None,
    *,
    leg: Literal["", "-bleg", "-both"] = "",
) -> str:
    """Transfer to an extension; ``dialplan='inline'`` runs ``app:arg,app:arg`` directly.

    Mind that FreeSWITCH hangs up the uuid_bridge'd partner of ``uuid`` unless ``-both`` or
    park_after_bridge/hangup_after_bridge say otherwise (S05a).
    """
    if leg not in ("", "-bleg", "-both"):
        raise ValueError(f"leg must be '', '-bleg' or '-both', not {leg!r}")
    parts = ["uuid_transfer", _word(uuid, "uuid")]
    if leg:
        parts.append(leg)
    parts.append(esl_arg(destination, "destination"))
    if dialplan is not None or context is not None:
        parts.append(esl_arg(dialplan or "XML", "dialplan"))
    if context is not None:
        parts.append(esl_arg(context, "context"))
    return " ".join(parts)


# -- channel control ---------------------------------------------------------------------------


def uuid_hold(uuid: str, mode: Literal["on", "off", "toggle"] = "on") -> str:
    """Put a leg on hold (MOH goes to its partner, S05a), take it off, or toggle."""
    if mode not in ("on", "off", "toggle"):
        raise ValueError(f"hold mode must be 'on', 'off' or 'toggle', not {mode!r}")
    prefix = "" if mode == "on" else mode + " "
    return f"uuid_hold {prefix}{_word(uuid, 'uuid')}"


def uuid_record(
    uuid: str,
    action: Literal["start", "stop", "mask", "unmask"],
    path: str,
    limit_seconds: int | None = None,
) -> str:
    """Start/stop/mask/unmask a recording (``stop all`` stops every one of the channel)."""
    if action not in ("start", "stop", "mask", "unmask"):
        raise ValueError(f"record action must be start, stop, mask or unmask, not {action!r}")
    text = f"uuid_record {_word(uuid, 'uuid')} {action} {esl_arg(path, 'recording path')}"
    if limit_seconds is not None:
        text += f" {int(limit_seconds)}"
    return text


def uuid_break(uuid: str, all_queued: bool = False) -> str:
    """Stop the playing application (``all``: also the queued ones)."""
    return f"uuid_break {_word(uuid, 'uuid')}" + (" all" if all_queued else "")


def uuid_kill(uuid: str, cause: str | None = None) -> str:
    """Hang a channel up, optionally with a hangup cause (``USER_BUSY``...)."""
    text = f"uuid_kill {_word(uuid, 'uuid')}"
    return text if cause is None else f"{text} {_word(cause, 'hangup cause')}"


def uuid_setvar(uuid: str, name: str, value: VarValue | None = None) -> str:
    """Set a channel variable (no value: unset it)."""
    text = f"uuid_setvar {_word(uuid, 'uuid')} {_var_name(name)}"
    if value is None:
        return text
    rendered = _text(value, f"value of {name}")
    return f"{text} {_escape(rendered, all_spaces=True)}" if rendered else text


def uuid_exists(uuid: str) -> str:
    """Whether a channel exists (the body is ``true`` or ``false``)."""
    return f"uuid_exists {_word(uuid, 'uuid')}"


def uuid_getvar(uuid: str, name: str) -> str:
    """Read a channel variable (the body is the value, ``_undef_`` if unset)."""
    return f"uuid_getvar {_word(uuid, 'uuid')} {_var_name(name)}"


def uuid_setvar_multi(uuid: str, variables: Mapping[str, VarValue]) -> str:
    """Set several variables at once (``name=value;name=value``)."""
    if not variables:
        raise ValueError("uuid_setvar_multi needs at least one variable")
    items = ";".join(
        f"{_var_name(k)}={_escape(_text(v, f'value of {k}'), ';')}" for k, v in variables.items()
    )
    return f"uuid_setvar_multi {_word(uuid, 'uuid')} {items}"


def uuid_send_dtmf(uuid: str, digits: str, duration_ms: int | None = None) -> str:
    """Send DTMF digits (0-9, *, #, A-D, w/W pauses) to a channel."""
    if not re.fullmatch(r"[0-9A-Da-d*#wW]+", digits or ""):
        raise ValueError(f"DTMF digits must be 0-9, *, #, A-D, w or W: {digits!r}")
    suffix = "" if duration_ms is None else f"@{int(duration_ms)}"
    return f"uuid_send_dtmf {_word(uuid, 'uuid')} {digits}{suffix}"


def eavesdrop_arg(target_uuid: str) -> str:
    """The argument of the ``eavesdrop`` app (use as ``app='eavesdrop'`` in originate)."""
    return _word(target_uuid, "eavesdrop target uuid")


def eavesdrop_variables(
    *, whisper_aleg: bool = False, whisper_bleg: bool = False, enable_dtmf: bool = True
) -> dict[str, str]:
    """Channel variables for the eavesdropping leg (listen / whisper / barge).

    No trace covers whisper: check on a real switch which leg ``aleg`` reaches before
    relying on it for coaching.
    """
    return {
        "eavesdrop_enable_dtmf": "true" if enable_dtmf else "false",
        "eavesdrop_whisper_aleg": "true" if whisper_aleg else "false",
        "eavesdrop_whisper_bleg": "true" if whisper_bleg else "false",
    }


def conference(name: str, action: str, *args: VarValue) -> str:
    """``conference <name> <action> [args]`` (list, json_list, kick <id>, mute <id>...)."""
    words = [_word(name, "conference name"), _word(action, "conference action")]
    words += [esl_arg(arg, "conference argument") for arg in args]
    return "conference " + " ".join(words)


def show_channels() -> str:
    """``show channels as json`` (may lag events by about a second, S03)."""
    return "show channels as json"


def show_calls() -> str:
    """``show calls as json`` (bridged pairs in one row with ``b_*`` columns)."""
    return "show calls as json"


def sofia_contact(user: str, domain: str, profile: str = "*") -> str:
    """Where a user is registered; the body is ``error/user_not_registered`` if nowhere."""
    return (
        f"sofia_contact {_word(profile, 'profile')}/{_word(user, 'user')}@{_word(domain, 'domain')}"
    )


def play_and_get_digits_arg(
    prompt: str,
    *,
    var_name: str = "cc_digits",
    min_digits: int = 1,
    max_digits: int = 1,
    tries: int = 3,
    timeout_ms: int = 5000,
    terminators: str = "#",
    invalid_prompt: str = "silence_stream://250",
    regexp: str = r"\d+",
    digit_timeout_ms: int | None = None,
) -> str:
    """The argument string of ``play_and_get_digits`` (order as in S02)."""
    words = [
        str(int(min_digits)),
        str(int(max_digits)),
        str(int(tries)),
        str(int(timeout_ms)),
        _word(terminators, "terminators"),
        _spaceless(prompt, "prompt"),
        _spaceless(invalid_prompt, "invalid prompt"),
        _var_name(var_name),
        _spaceless(regexp, "regexp"),
    ]
    if digit_timeout_ms is not None:
        words.append(str(int(digit_timeout_ms)))
    return " ".join(words)


_TTS_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
_ESCAPES_EXPANDED = frozenset("\\nst'")


def _expanded_by_freeswitch(text: str) -> bool:
    """Whether FreeSWITCH's app-argument expansion rewrites ``text``: it runs only when
    ``switch_string_var_check_const`` finds ``$`` (then any backslashes) and ``{``, or
    ``switch_string_has_escaped_data`` finds a backslash before ``\\ n s t '``."""
    dollar = False
    for ch in text:
        if ch == "$":
            dollar = True
        elif dollar and ch == "{":
            return True
        elif ch != "\\":
            dollar = False
    return any(ch == "\\" and text[i + 1 : i + 2] in _ESCAPES_EXPANDED for i, ch in enumerate(text))


def speak_args(engine: str, voice: str, text: str) -> str:
    """The argument of the ``speak`` app: ``<engine>|<voice>|<text>`` (mod_dptools).

    ``engine`` and ``voice`` are names (letters, digits, ``_ . -``); ``speak`` splits the
    argument at the first two ``|`` and speaks the rest as given, so ``|`` and quotes in the
    text are fine. The text is stripped and must be one non-empty line. FreeSWITCH expands
    ``${...}`` in every application argument (``${name(args)}`` would even run an api
    command), so where that expansion would change the text (``${``, or a backslash escape)
    every ``\\`` becomes ``\\\\`` and every ``$`` ``\\$``, which the expansion turns back into
    the text as written.
    """
    for value, what in ((engine, "TTS engine"), (voice, "TTS voice")):
        if not isinstance(value, str) or not _TTS_NAME.fullmatch(value):
            raise ValueError(f"{what} {value!r} must be letters, digits, '_', '.' or '-'")
    spoken = check_line(str(text), "TTS text").strip()
    if not spoken:
        raise ValueError("TTS text must not be empty")
    if _expanded_by_freeswitch(spoken):
        spoken = spoken.replace("\\", "\\\\").replace("$", "\\$")
    return f"{engine}|{voice}|{spoken}"


def parse_show_json(body: str) -> list[dict[str, str]]:
    """Rows of ``show ... as json`` (``{"row_count": 0}`` has no rows)."""
    data = json.loads(body)
    rows = data.get("rows") or []
    return [row for row in rows if isinstance(row, dict)]
