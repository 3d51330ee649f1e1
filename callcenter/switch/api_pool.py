"""Extra inbound connections that carry only ``api`` commands, so one slow command (or a
burst of them) does not hold up the rest.

FreeSWITCH runs the commands of one event-socket connection one after the other in that
connection's thread: an ``api`` is answered only when every earlier one on the same socket
has finished (S04 b: ``api originate`` holds the socket until the call answers; S03:
``uuid_record start`` takes some 12 ms of the switch's time). At a few thousand calls one
socket becomes the queue every call waits in. Each member here is a connection of its own
(a thread of its own in FreeSWITCH), subscribed to no events; an ``api`` goes to the member
with the fewest commands waiting for their reply. Events - and therefore the engine's view
of the calls - still come on the main connection only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from callcenter.switch.inbound import InboundConnection

__all__ = ["ApiPool"]


class PoolMember(Protocol):
    """A self-reconnecting connection (``ReconnectingInbound`` without events)."""

    def start(self) -> object:
        """Start connecting (returns at once)."""

    def stop(self) -> None:
        """Stop reconnecting and close."""

    @property
    def live_connection(self) -> InboundConnection | None:
        """The connection while it is up, else ``None``."""


class ApiPool:
    """Spreads ``api`` commands over event-less connections (least commands in flight)."""

    def __init__(self, members: Sequence[PoolMember]) -> None:
        self.members = list(members)

    def start(self) -> None:
        """Start every member (each connects and reconnects by itself)."""
        for member in self.members:
            member.start()

    def stop(self) -> None:
        """Stop every member."""
        for member in self.members:
            member.stop()

    def pick(self) -> InboundConnection | None:
        """The connected member with the fewest replies pending; ``None`` if none is up."""
        best: InboundConnection | None = None
        for member in self.members:
            conn = member.live_connection
            if conn is None:
                continue
            if conn.in_flight == 0:
                return conn
            if best is None or conn.in_flight < best.in_flight:
                best = conn
        return best
