"""The agent actions: one contract for the console's CTI API and the engine that carries them out.

The console turns a REST body into an :class:`AgentCommand` (:func:`command_from_body`) and
sends :meth:`AgentCommand.message` on the Redis command stream; the engine reads it back with
:meth:`AgentCommand.from_message`. Both go through the same rules, so the list of actions, their
fields and what is allowed cannot drift apart. A wrong action or field raises
:class:`ActionError` (the console answers 400/404, the engine tells the agent).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from callcenter.acd.agents import MAX_EXTEND_SECONDS
from callcenter.acd.refusals import Refusal

STATE_ACTIONS = ("login", "logout", "ready", "not_ready", "hangup", "hold", "unhold")
RECORDING_ACTIONS = ("record_pause", "record_resume")  # card numbers: the engine masks audio
CTI_ACTIONS = ("dial", "transfer", "consult", "consult_complete", "consult_cancel",
               "conference", "dtmf")  # fmt: skip
WRAP_UP_ACTIONS = ("extend_wrap_up",)  # {"seconds": 1-600}: more wrap-up time
ACTIONS = STATE_ACTIONS + RECORDING_ACTIONS + CTI_ACTIONS + WRAP_UP_ACTIONS
TARGETS = {"transfer": ("agent", "queue", "number"), "consult": ("agent", "number")}
MAX_REASON = 64
NUMBER = re.compile(r"\+?[0-9*#]{1,32}")
DIGITS = re.compile(r"[0-9A-Da-d*#]{1,64}")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}")  # agent id, extension, queue name


class ActionError(Refusal, ValueError):
    """The action or one of its fields is not acceptable; the message says how to fix it."""


class UnknownAction(ActionError):
    """No such agent action."""


@dataclass(frozen=True, slots=True)
class AgentCommand:
    """One agent action with its checked fields (empty when the action has none)."""

    agent_id: str
    action: str
    reason: str = ""  # not_ready's reason code
    number: str = ""  # dial
    ticket: str = ""  # dial: the ticket a follow-up call belongs to
    target: str = ""  # transfer / consult: agent, queue or number
    to: str = ""  # ... its id, name or number
    digits: str = ""  # dtmf
    seconds: int = 0  # extend_wrap_up
    by: str = ""  # the console user who asked

    def message(self) -> dict[str, str]:
        """The command as the stream carries it (strings; empty fields left out)."""
        return {k: str(v) for k, v in asdict(self).items() if v not in ("", 0)}

    @classmethod
    def from_message(cls, data: Mapping[str, Any]) -> AgentCommand:
        """A command read from the stream, checked by the same rules as the console's."""
        seconds = str(data.get("seconds", "") or "0")
        if not seconds.isascii() or not seconds.isdigit():
            raise ActionError("seconds_not_whole", seconds=repr(seconds))
        names = ("agent_id", "action", "reason", "number", "ticket", "target", "to", "digits", "by")
        fields = {name: str(data.get(name, "") or "") for name in names}
        if fields["action"] == "not_ready" and not fields["reason"].strip():
            fields["reason"] = "break"  # what the engine always took for a missing reason
        return checked(cls(**fields, seconds=int(seconds)))


def checked(command: AgentCommand) -> AgentCommand:
    """The command with its fields normalised, or :class:`ActionError` saying what is wrong."""
    action = command.action
    if action not in ACTIONS:
        raise UnknownAction("unknown_command", action=action, actions=", ".join(ACTIONS))
    reason = command.reason.strip()
    if len(reason) > MAX_REASON or not reason.isprintable():
        raise ActionError("reason_invalid", limit=MAX_REASON)
    if action == "not_ready" and not reason:
        raise ActionError("not_ready_needs_reason")
    command = replace(command, reason=reason)
    if action == "dial":
        if len(command.ticket) > 32 or not command.ticket.isprintable():
            raise ActionError("ticket_invalid")
        if not NUMBER.fullmatch(_dialable(command.number)):
            raise ActionError("dial_needs_number")
        return replace(command, number=_dialable(command.number))
    if action in TARGETS:
        allowed = TARGETS[action]
        if command.target not in allowed:
            shapes = " or ".join(f'{{"{kind}": "..."}}' for kind in allowed)
            raise ActionError("target_shape", action=action, shapes=shapes)
        return replace(command, to=check_target(command.target, command.to))
    if action == "extend_wrap_up" and not 1 <= command.seconds <= MAX_EXTEND_SECONDS:
        raise ActionError("seconds_range", limit=MAX_EXTEND_SECONDS)
    if action == "dtmf":
        if not DIGITS.fullmatch(command.digits.strip()):
            raise ActionError("dtmf_needs_digits")
        return replace(command, digits=command.digits.strip())
    return command


def command_from_body(agent_id: str, action: str, body: Mapping[str, Any], by: str) -> AgentCommand:
    """The command for a REST body: ``{"reason"}``; dial ``{"number", "ticket"?}``; transfer /
    consult exactly one of ``{"agent"}``, ``{"queue"}`` (transfer only), ``{"number"}``; dtmf
    ``{"digits"}``; extend_wrap_up ``{"seconds"}`` (default 30)."""
    if action not in ACTIONS:
        raise UnknownAction("unknown_command", action=action, actions=", ".join(ACTIONS))
    reason = body.get("reason", "")
    if not isinstance(reason, str):
        raise ActionError("reason_not_text", limit=MAX_REASON)
    fields: dict[str, Any] = {}
    if action == "dial":
        fields["number"] = _text(body.get("number"), "dial_needs_number")
        fields["ticket"] = _text(body.get("ticket", ""), "ticket_not_text")
    elif action in TARGETS:
        given = [kind for kind in ("agent", "queue", "number") if body.get(kind) not in (None, "")]
        if len(given) != 1:
            fields["target"] = ""  # checked() says what is allowed
        else:
            kind = given[0]
            fields["target"] = kind
            fields["to"] = _text(body[kind], "target_not_text", kind=kind)
    elif action == "extend_wrap_up":
        seconds = body.get("seconds", 30)
        if not isinstance(seconds, int) or isinstance(seconds, bool):
            raise ActionError("extend_needs_seconds")
        fields["seconds"] = seconds
    elif action == "dtmf":
        fields["digits"] = _text(body.get("digits"), "dtmf_needs_digits")
    return checked(AgentCommand(agent_id, action, reason=reason, by=by, **fields))


def _dialable(number: object) -> str:
    # Only spaces and dashes are dropped: a tab, newline or other control character is refused.
    return str(number if number is not None else "").strip(" ").replace(" ", "").replace("-", "")


def check_number(number: object) -> str:
    """A dialable number: 1-32 digits, * and #, an optional leading + (spaces, dashes dropped)."""
    text = _dialable(number)
    if not NUMBER.fullmatch(text):
        raise ActionError("number_invalid", number=repr(number))
    return text


def check_target(kind: str, to: object) -> str:
    """A transfer / consult target: a dialable number for ``number``, else an agent id,
    extension or queue name (the one rule the console and the engine both apply)."""
    if kind == "number":
        return check_number(to)
    text = str(to if to is not None else "")
    if not NAME.fullmatch(text):
        raise ActionError("name_invalid", kind=kind, value=repr(text[:70]))
    return text


def _text(value: object, code: str, **params: object) -> str:
    """A body value that must be text (or a whole number, as JSON clients send ids)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ActionError(code, **params)
    return str(value)
