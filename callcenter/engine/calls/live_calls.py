"""Every live call this engine carries, by caller uuid: the one place a call is found.

Each kind of call is created and ended by its own feature - an inbound caller by
:class:`~callcenter.engine.calls.handler.CallHandler` (registered by the engine while its
greenlet runs), a click-to-call by :mod:`~callcenter.engine.cti.click_to_call`, a queued
callback by :mod:`~callcenter.engine.routing.queued_callbacks`, a call taken over after a
restart by :mod:`~callcenter.engine.restart.takeover` - but all of them live in one
:class:`LiveCalls`. A feature keeps a :class:`CallsView` of its own kind (a dict that writes
through to the registry); the CTI, the agent's call control and the restart sweep look a call
up here whatever its kind.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any, Generic, TypeVar

C = TypeVar("C")

__all__ = ["CallsView", "LiveCalls"]


class LiveCalls:
    """The registry: caller uuid -> live call object (any kind)."""

    def __init__(self) -> None:
        self._calls: dict[str, Any] = {}

    def get(self, call_uuid: str) -> Any | None:
        """The live call with this uuid, whatever its kind; None if this engine has none."""
        return self._calls.get(call_uuid)

    def get_of(self, call_uuid: str, kinds: tuple[type, ...]) -> Any | None:
        """The live call with this uuid if it is one of ``kinds``; None otherwise."""
        call = self._calls.get(call_uuid)
        return call if isinstance(call, kinds) else None

    def __contains__(self, call_uuid: object) -> bool:
        return call_uuid in self._calls

    def __len__(self) -> int:
        return len(self._calls)

    def view(self, kind: type[C]) -> CallsView[C]:
        """The calls of one kind, as a dict whose changes are the registry's."""
        return CallsView(self._calls, kind)


class CallsView(MutableMapping[str, C], Generic[C]):
    """One feature's calls inside the registry (only objects of ``kind`` are seen)."""

    def __init__(self, calls: dict[str, Any], kind: type[C]) -> None:
        self._calls = calls
        self._kind = kind

    def __getitem__(self, call_uuid: str) -> C:
        call = self._calls[call_uuid]
        if not isinstance(call, self._kind):
            raise KeyError(call_uuid)
        return call

    def __setitem__(self, call_uuid: str, call: C) -> None:
        # The newest kind wins a uuid: a queued callback carries on the call of a caller who
        # chose it while that caller's handler is still winding down.
        self._calls[call_uuid] = call

    def __delitem__(self, call_uuid: str) -> None:
        self[call_uuid]  # noqa: B018 - KeyError unless it is ours: never drop another kind
        del self._calls[call_uuid]

    def __iter__(self) -> Iterator[str]:
        return iter([uuid for uuid, call in self._calls.items() if isinstance(call, self._kind)])

    def __len__(self) -> int:
        return sum(1 for call in self._calls.values() if isinstance(call, self._kind))
