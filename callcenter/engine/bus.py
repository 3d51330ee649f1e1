"""One internal bus: everything the engine does to a call or agent is a typed event on it.

Producers publish; consumers (call records, desktop stream, wallboard, audit) subscribe by
event type. A consumer that raises is logged and does not stop the others.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from callcenter.logs import get_logger

log = get_logger(__name__)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@functools.cache
def _kind(event_type: type) -> str:
    """The snake-case name, made once per type (open records keep it per event and call)."""
    name = event_type.__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


@dataclass(frozen=True, slots=True, kw_only=True)
class BusEvent:
    """Base of all bus events."""

    at: datetime = field(default_factory=utcnow)

    @property
    def kind(self) -> str:
        """Event type name in snake case, e.g. ``call_arrived``."""
        return _kind(type(self))

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for Redis fan-out and call event rows)."""
        data: dict[str, Any] = {"kind": self.kind}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            data[name] = value.isoformat() if isinstance(value, datetime) else value
        return data


@dataclass(frozen=True, slots=True, kw_only=True)
class CallArrived(BusEvent):
    """A caller reached the engine (outbound socket connected)."""

    call_uuid: str
    caller_number: str
    dialled_number: str
    caller_name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class IvrInput(BusEvent):
    """The caller answered a prompt (digits or speech)."""

    call_uuid: str
    node: str
    value: str
    flow: str = ""  # the flow holding the node, its version, the node's id and type
    version: int = 0
    node_id: str = ""
    node_type: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallBlocked(BusEvent):
    """The caller is on the blacklist or over the flood limit; no flow runs."""

    call_uuid: str
    reason: str  # "blacklist" or "flood"


@dataclass(frozen=True, slots=True, kw_only=True)
class IvrEnded(BusEvent):
    """The IVR flow ended: ``outcome`` is queue, transfer, hangup, voicemail or gone."""

    call_uuid: str
    flow: str
    outcome: str
    node: str = ""
    reason: str = ""
    destination: str = ""  # queue name or transfer target
    exit_flow: str = ""  # where the caller left the IVR: the flow, its version, the node id
    exit_version: int = 0
    exit_node: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class VoicemailRecorded(BusEvent):
    """The caller left a message; the file is kept at ``path``."""

    call_uuid: str
    path: str
    milliseconds: int = 0
    mailbox: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyAnswered(BusEvent):
    """The caller rated the service (1-5)."""

    call_uuid: str
    score: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CallQueued(BusEvent):
    """The caller joined a queue."""

    call_uuid: str
    queue: str
    priority: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentOffered(BusEvent):
    """An agent's phone is being rung for the call."""

    call_uuid: str
    agent_id: str
    agent_leg_uuid: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentMissed(BusEvent):
    """The offer to an agent failed (NO_ANSWER, USER_BUSY, CALL_REJECTED, ...)."""

    call_uuid: str
    agent_id: str
    cause: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAnswered(BusEvent):
    """Caller and agent are bridged; the conversation (and recording) starts."""

    call_uuid: str
    agent_id: str
    agent_leg_uuid: str
    recording_path: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnded(BusEvent):
    """The caller's channel is gone."""

    call_uuid: str
    hangup_cause: str
    hangup_by: str  # "caller", "agent" or "system"


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStateChanged(BusEvent):
    """An agent moved to another state."""

    agent_id: str
    state: str
    reason: str = ""
    call_uuid: str = ""


Handler = Callable[[BusEvent], None]


class Bus:
    """Synchronous publish/subscribe by event type (``BusEvent`` receives everything)."""

    def __init__(self) -> None:
        self._handlers: dict[type[BusEvent], list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type[BusEvent], handler: Handler) -> None:
        """Call ``handler`` for every event of ``event_type`` (or a subclass)."""
        self._handlers[event_type].append(handler)

    def consumers(self, event_type: type[BusEvent]) -> list[Handler]:
        """The handlers an event of ``event_type`` reaches, in delivery order: the subscribers
        of its own type first, then those of its base types up to ``BusEvent`` (every event),
        each in subscription order."""
        return [
            handler
            for base in event_type.__mro__
            for handler in self._handlers.get(base, ())  # type: ignore[arg-type]
        ]

    def publish(self, event: BusEvent) -> None:
        """Deliver ``event`` to its :meth:`consumers`, in their order."""
        for handler in self.consumers(type(event)):
            try:
                handler(event)
            except Exception:
                log.exception(
                    "bus consumer failed",
                    bus_event=event.kind,
                    consumer=getattr(handler, "__qualname__", repr(handler)),
                )
