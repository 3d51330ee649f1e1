"""FreeSWITCH command builders: the only place that formats api command text.

Each builder returns the command *without* ``api``/``bgapi`` (``conn.api(cmd)`` or
``conn.bgapi(cmd)`` add it). Every argument with a newline is refused (ESL injection); how
arguments and channel variables are escaped, layer by layer as FreeSWITCH parses them, is in
:mod:`callcenter.switch.escaping`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Literal

from callcenter.switch.connection import check_line
from callcenter.switch.escaping import (
    VarValue,
    channel_vars,
    escape,
    esl_arg,
    spaceless,
    text_arg,
    variable_name,
    word,
)

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
    "uuid_recv_dtmf",
    "uuid_send_dtmf",
    "uuid_setvar",
    "uuid_setvar_multi",
    "uuid_transfer",
]

# -- originate / bridge / transfer -------------------------------------------------------------


def user_endpoint(extension: str, domain: str = "") -> str:
    """The dial string of a directory user: ``user/<ext>@<domain>`` (no domain: the default)."""
    if not domain:
        return f"user/{word(extension, 'extension')}"
    return f"user/{word(extension, 'extension')}@{word(domain, 'domain')}"


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
    dial = word(dial, "dial string")
    if variables and dial.startswith("{"):
        raise ValueError("pass channel variables in variables=, not inside the dial string")
    if exten is not None:
        target = esl_arg(exten, "extension")
    elif app:
        if ")" in app_arg:
            raise ValueError("originate cannot pass ')' in an application argument")
        arg = escape(text_arg(app_arg, f"{app} argument"), all_spaces=True) if app_arg else ""
        target = f"&{word(app, 'application')}({arg})"
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
    return f"uuid_bridge {word(uuid, 'uuid')} {word(other_uuid, 'other uuid')}"


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
    parts = ["uuid_transfer", word(uuid, "uuid")]
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
    return f"uuid_hold {prefix}{word(uuid, 'uuid')}"


def uuid_record(
    uuid: str,
    action: Literal["start", "stop", "mask", "unmask"],
    path: str,
    limit_seconds: int | None = None,
) -> str:
    """Start/stop/mask/unmask a recording (``stop all`` stops every one of the channel)."""
    if action not in ("start", "stop", "mask", "unmask"):
        raise ValueError(f"record action must be start, stop, mask or unmask, not {action!r}")
    text = f"uuid_record {word(uuid, 'uuid')} {action} {esl_arg(path, 'recording path')}"
    if limit_seconds is not None:
        text += f" {int(limit_seconds)}"
    return text


def uuid_break(uuid: str, all_queued: bool = False) -> str:
    """Stop the playing application (``all``: also the queued ones)."""
    return f"uuid_break {word(uuid, 'uuid')}" + (" all" if all_queued else "")


def uuid_kill(uuid: str, cause: str | None = None) -> str:
    """Hang a channel up, optionally with a hangup cause (``USER_BUSY``...)."""
    text = f"uuid_kill {word(uuid, 'uuid')}"
    return text if cause is None else f"{text} {word(cause, 'hangup cause')}"


def uuid_setvar(uuid: str, name: str, value: VarValue | None = None) -> str:
    """Set a channel variable (no value: unset it)."""
    text = f"uuid_setvar {word(uuid, 'uuid')} {variable_name(name)}"
    if value is None:
        return text
    rendered = text_arg(value, f"value of {name}")
    return f"{text} {escape(rendered, all_spaces=True)}" if rendered else text


def uuid_exists(uuid: str) -> str:
    """Whether a channel exists (the body is ``true`` or ``false``)."""
    return f"uuid_exists {word(uuid, 'uuid')}"


def uuid_getvar(uuid: str, name: str) -> str:
    """Read a channel variable (the body is the value, ``_undef_`` if unset)."""
    return f"uuid_getvar {word(uuid, 'uuid')} {variable_name(name)}"


def uuid_setvar_multi(uuid: str, variables: Mapping[str, VarValue]) -> str:
    """Set several variables at once (``name=value;name=value``)."""
    if not variables:
        raise ValueError("uuid_setvar_multi needs at least one variable")
    items = ";".join(
        f"{variable_name(k)}={escape(text_arg(v, f'value of {k}'), ';')}"
        for k, v in variables.items()
    )
    return f"uuid_setvar_multi {word(uuid, 'uuid')} {items}"


def uuid_send_dtmf(uuid: str, digits: str, duration_ms: int | None = None) -> str:
    """Send DTMF digits (0-9, *, #, A-D, w/W pauses) to a channel."""
    if not re.fullmatch(r"[0-9A-Da-d*#wW]+", digits or ""):
        raise ValueError(f"DTMF digits must be 0-9, *, #, A-D, w or W: {digits!r}")
    suffix = "" if duration_ms is None else f"@{int(duration_ms)}"
    return f"uuid_send_dtmf {word(uuid, 'uuid')} {digits}{suffix}"


def uuid_recv_dtmf(uuid: str, digits: str) -> str:
    """Queue digits on a channel as if its phone sent them (S11: the app on it reads them)."""
    if not re.fullmatch(r"[0-9A-Da-d*#wW]+", digits or ""):
        raise ValueError(f"DTMF digits must be 0-9, *, #, A-D, w or W: {digits!r}")
    return f"uuid_recv_dtmf {word(uuid, 'uuid')} {digits}"


def eavesdrop_arg(target_uuid: str) -> str:
    """The argument of the ``eavesdrop`` app (use as ``app='eavesdrop'`` in originate)."""
    return word(target_uuid, "eavesdrop target uuid")


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
    words = [word(name, "conference name"), word(action, "conference action")]
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
    return f"sofia_contact {word(profile, 'profile')}/{word(user, 'user')}@{word(domain, 'domain')}"


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
        word(terminators, "terminators"),
        spaceless(prompt, "prompt"),
        spaceless(invalid_prompt, "invalid prompt"),
        variable_name(var_name),
        spaceless(regexp, "regexp"),
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
