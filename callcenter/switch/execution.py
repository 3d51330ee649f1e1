"""One application started by ``sendmsg`` on an outbound session, until its EXECUTE_COMPLETE."""

from __future__ import annotations

from typing import TYPE_CHECKING

import gevent
import gevent.event

from callcenter.switch.errors import CommandTimeout, SwitchError
from callcenter.switch.protocol import Event

if TYPE_CHECKING:
    from callcenter.switch.session import OutboundSession

__all__ = ["Execution"]


class Execution:
    """One application started by ``sendmsg``; resolves on its EXECUTE_COMPLETE."""

    def __init__(
        self, session: OutboundSession, app: str, arg: str | None, event_uuid: str
    ) -> None:
        self.session = session
        self.app = app
        self.arg = arg
        self.event_uuid = event_uuid
        self.complete: Event | None = None
        self._result = gevent.event.AsyncResult()

    def ready(self) -> bool:
        """True once the app completed (or the call went away)."""
        return self._result.ready()

    def wait(self, timeout: float | None = None) -> Event:
        """The CHANNEL_EXECUTE_COMPLETE event; SessionGone if the call ended first.

        ``timeout`` defaults to the session's ``app_timeout``; running out raises
        CommandTimeout (the app keeps running in FreeSWITCH; ``uuid_break`` stops it).
        """
        if timeout is None:
            timeout = self.session.app_timeout
        try:
            return self._result.get(timeout=timeout)
        except gevent.Timeout:
            self.session._executions.pop(self.event_uuid, None)
            raise CommandTimeout(
                f"{self.app} did not complete within {timeout:g} s", self.app, timeout
            ) from None

    def _complete(self, event: Event) -> None:
        self.complete = event
        self._result.set(event)

    def _fail(self, error: SwitchError) -> None:
        if not self._result.ready():
            self._result.set_exception(error)
