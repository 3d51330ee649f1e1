"""An agent answered for a call: the request to bridge them, carried out by the call itself.

The dispatcher's offer greenlet (or the CTI's transfer greenlet) rings the agent; once the
agent answers it *asks* the call to connect (:meth:`CallHandler.connect_agent` puts a
:class:`ConnectRequest` in the call's inbox) and waits for the answer. Only the call's own
greenlet - waiting in line (:class:`~callcenter.engine.routing.queue_wait.QueueWait`) or
talking (:class:`~callcenter.engine.calls.post_call.PostCallSteps`) - takes the request and
runs the bridge, so a call's state is changed by one greenlet only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import gevent
from gevent.event import AsyncResult

if TYPE_CHECKING:
    from callcenter.acd.agents import Agent

CONNECT_WAIT_SECONDS = 30.0
"""How long the asking greenlet waits for the call to take the request (the call's greenlet
may be in an api call for up to the ESL command timeout)."""


class ConnectRequest:
    """Bridge ``agent`` on ``agent_leg`` to the call (asked from another greenlet)."""

    def __init__(self, agent: Agent, agent_leg: str) -> None:
        self.agent = agent
        self.agent_leg = agent_leg
        self._state = "asked"  # -> taken (by the call) or abandoned (by the asker)
        self._result: AsyncResult = AsyncResult()

    def take(self) -> bool:
        """The call starts carrying the request out; False if the asker gave up already."""
        if self._state != "asked":
            return False
        self._state = "taken"
        return True

    @property
    def taken(self) -> bool:
        """Whether the call started carrying the request out."""
        return self._state == "taken"

    def answer(self, connected: bool) -> None:
        """The call's answer: bridged or not."""
        self._result.set(connected)

    def refuse(self) -> None:
        """The call will not carry the request out (it ended)."""
        if self.take():
            self.answer(False)

    def wait(self, timeout: float = CONNECT_WAIT_SECONDS) -> bool:
        """The asker's side: True once the call is bridged to the agent."""
        try:
            return bool(self._result.get(timeout=timeout))
        except gevent.Timeout:
            if self._state == "asked":  # never taken: the call will not act on it now
                self._state = "abandoned"
                return False
            return bool(self._result.get())  # taken: the bridge is under way
