"""The live view of calls: what the wallboard and the agent's desktop (screen-pop) receive.

Every bus event of a call updates the call's hash in Redis (``call:<uuid>``: state, caller,
queue, agent, IVR path so far, ``readopted_at`` once a restarted engine took it back) and
publishes the whole hash as ``{"call": {...}}`` on the wallboard channel and, once an agent is
known, on that agent's own channel: the desktop pops the caller's details from it. A call's
hash goes when the call ends.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from callcenter.engine.bus import (
    AgentOffered,
    Bus,
    BusEvent,
    CallAnswered,
    CallArrived,
    CallEnded,
    CallQueued,
    IvrInput,
)
from callcenter.engine.routing.events import CallReadopted
from callcenter.live.errors import LiveError
from callcenter.live.names import WALLBOARD, agent_channel
from callcenter.live.store import LiveStore
from callcenter.live.write_behind import WriteBehind
from callcenter.logs import get_logger

log = get_logger(__name__)


class CallMirror:
    """Bus consumer: mirrors each call's live state to Redis, the wallboard and its agent."""

    def __init__(
        self,
        bus: Bus,
        live: LiveStore,
        agent_of: Callable[[str], str],
        writes: WriteBehind | None = None,  # sends the writes together with other calls'
    ) -> None:
        self.live = live
        self.writes = writes
        self.agent_of = agent_of  # the agent talking on a call (taken-over calls included)
        self._ivr_paths: dict[str, list[dict[str, str]]] = {}  # call uuid -> nodes so far
        # call uuid -> its hash as written (this engine is its only writer): one round trip
        # per event (write + publish) instead of write, read back, publish
        self._hashes: dict[str, dict[str, str]] = {}
        bus.subscribe(BusEvent, self.on_event)

    def on_event(self, event: BusEvent) -> None:
        """Write the call's new state and publish it."""
        call_uuid = getattr(event, "call_uuid", "")
        if not call_uuid:
            return
        fields: dict[str, str] = {"since": event.at.isoformat()}
        match event:
            case CallArrived():
                fields.update(
                    state="ivr",
                    caller_number=event.caller_number,
                    dialled_number=event.dialled_number,
                )
            case IvrInput():
                # The live path feeds the agent's screen-pop while the call is still running.
                path = self._ivr_paths.setdefault(call_uuid, [])
                path.append({"node": event.node, "value": event.value})
                fields = {"ivr_path": json.dumps(path, ensure_ascii=False)}
            case CallReadopted():  # a restarted engine took the caller back; its state follows
                fields = {"readopted_at": event.at.isoformat()}
            case CallQueued():
                fields.update(state="queued", queue=event.queue, enqueued_at=event.at.isoformat())
            case AgentOffered():
                fields.update(state="offering", agent_id=event.agent_id)
            case CallAnswered():
                fields.update(state="talking", agent_id=event.agent_id)
            case CallEnded():
                self._ivr_paths.pop(call_uuid, None)
                fields.update(state="ended")
            case _:
                return
        try:
            if fields.get("state") == "ended":
                self._hashes.pop(call_uuid, None)
                if self.writes is not None:
                    self.writes.remove("call", call_uuid)
                else:
                    self.live.remove("call", call_uuid)
                self._publish(call_uuid, fields)
                return
            current = self._hashes.get(call_uuid)
            indexed = current is not None  # written here before: its id is in the index
            if current is None:  # a new call; or one an earlier process mirrored (restart)
                current = {} if isinstance(event, CallArrived) else self.live.get_call(call_uuid)
                self._hashes[call_uuid] = current
            current.update(fields)
            self._publish(call_uuid, current, write=fields, indexed=indexed)
        except LiveError:
            self._hashes.pop(call_uuid, None)  # read back from Redis next time
            log.warning("could not mirror call state to Redis", call_uuid=call_uuid)

    def _publish(
        self,
        call_uuid: str,
        current: dict[str, str],
        write: dict[str, str] | None = None,
        indexed: bool = False,
    ) -> None:
        """Publish the call's hash (writing ``write`` into it first, in the same round trip)."""
        message = {"call": {"call_uuid": call_uuid, **current}}
        channels = {WALLBOARD: message}
        agent_id = current.get("agent_id") or self.agent_of(call_uuid)
        if agent_id:  # the agent's desktop gets its calls on its own channel
            channels[agent_channel(agent_id)] = message
        if self.writes is not None:
            if write is None:
                for channel, data in channels.items():
                    self.writes.publish(channel, data)
            else:
                forget = lambda _error: self._forget(call_uuid)  # noqa: E731
                self.writes.put(
                    "call", call_uuid, write, publish=channels, failed=forget, index=not indexed
                )
        elif write is None:
            for channel, data in channels.items():
                self.live.publish(channel, data)
        else:
            self.live.put("call", call_uuid, write, publish=channels)

    def _forget(self, call_uuid: str) -> None:
        """A write was lost: read the call's hash back from Redis next time."""
        self._hashes.pop(call_uuid, None)
        log.warning("could not mirror call state to Redis", call_uuid=call_uuid)
