"""Observers of ESL command round trips (how long FreeSWITCH took to reply), for metrics.

Every :class:`~callcenter.switch.connection.EslConnection` (inbound and outbound sockets)
reports each command it got a reply to; observers are per process, added and removed by the
code that wants them (the engine's metrics).
"""

from __future__ import annotations

from collections.abc import Callable

from callcenter.logs import get_logger

log = get_logger(__name__)

CommandObserver = Callable[[str, float], None]
"""Called with the command's verb (``api uuid_kill``, ``sendmsg``, ...) and its seconds."""

_observers: list[CommandObserver] = []


def observe_commands(observer: CommandObserver) -> Callable[[], None]:
    """Call ``observer(verb, seconds)`` after every ESL reply; returns the remover."""
    _observers.append(observer)

    def remove() -> None:
        if observer in _observers:
            _observers.remove(observer)

    return remove


def command_verb(text: str) -> str:
    """The command's kind without its arguments: ``api``/``bgapi`` keep the API's name."""
    words = text.split(maxsplit=2)
    if not words:
        return ""
    if words[0] in ("api", "bgapi") and len(words) > 1:
        return f"{words[0]} {words[1]}"
    return words[0]


def command_done(text: str, seconds: float) -> None:
    """Tell the observers a command was answered after ``seconds``."""
    if not _observers:
        return
    verb = command_verb(text)
    for observer in list(_observers):
        try:
            observer(verb, seconds)
        except Exception:  # a broken observer must not fail the command
            log.exception("ESL command observer failed", verb=verb)
