"""Exceptions raised by the FreeSWITCH boundary (``callcenter.switch``).

Two of them also subclass greenswitch's exceptions, so code written against greenswitch's
``NotConnectedError`` / ``OutboundSessionHasGoneAway`` keeps catching ours.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():  # greenswitch imports pkg_resources-era modules noisily
    warnings.simplefilter("ignore", DeprecationWarning)
    from greenswitch.esl import NotConnectedError, OutboundSessionHasGoneAway

from callcenter.switch.protocol import ProtocolError

__all__ = [
    "AuthFailed",
    "CommandFailed",
    "CommandTimeout",
    "NotConnected",
    "ProtocolError",
    "SessionGone",
    "SwitchError",
]


class SwitchError(Exception):
    """Base class of every error raised while talking to FreeSWITCH."""


class NotConnected(SwitchError, NotConnectedError):
    """There is no usable ESL connection (never connected, closed, dropped, or garbled)."""


class CommandTimeout(SwitchError):
    """FreeSWITCH did not answer a command (or finish an application) in time."""

    def __init__(self, message: str, command: str = "", timeout: float | None = None) -> None:
        super().__init__(message)
        self.command = command
        self.timeout = timeout


class CommandFailed(SwitchError):
    """FreeSWITCH answered ``-ERR ...`` / ``-USAGE ...``; ``reply`` carries its text."""

    def __init__(self, command: str, reply: str) -> None:
        self.command = "auth ***" if command.startswith("auth ") else command
        self.reply = reply.strip()
        super().__init__(f"{_verb(command)!s} failed: {self.reply}")


class AuthFailed(SwitchError):
    """FreeSWITCH refused the ESL password (or the connection, by ACL)."""


class SessionGone(SwitchError, OutboundSessionHasGoneAway):
    """The call behind an outbound session is gone (caller hung up, socket closed)."""

    def __init__(self, message: str, uuid: str = "", cause: str = "") -> None:
        super().__init__(message)
        self.uuid = uuid
        self.cause = cause


def _verb(command: str) -> str:
    """The first words of a command, for messages (never the whole originate string)."""
    words = command.split(" ", 2)
    return " ".join(words[:2]) if words[0] in ("api", "bgapi") else words[0]
