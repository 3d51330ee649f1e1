"""Queued callbacks kept in Redis, so an engine restart does not lose a customer's turn.

A callback waits in line with no channel on FreeSWITCH (the caller hung up), so nothing on the
switch remembers it: the engine keeps each pending one in Redis (``pending-callback:<uuid>``:
node, place in line, number, attempts so far) until it is connected or given up. The next
process of the same node puts them back in line at their old places
(engine/routing/queued_callbacks.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callcenter.acd.routing import WaitingCall
from callcenter.live.errors import LiveError
from callcenter.live.store import LiveStore
from callcenter.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class PendingCallback:
    """A callback waiting for its turn, as kept in Redis."""

    entry: WaitingCall
    number: str
    attempts: int


class PendingCallbacks:
    """Pending callbacks of one node in Redis."""

    KIND = "pending-callback"

    def __init__(self, live: LiveStore, node: str) -> None:
        self.live = live
        self.node = node

    def save(self, entry: WaitingCall, number: str, attempts: int) -> None:
        """Keep (or update) a pending callback (a Redis outage only costs the restart safety)."""
        fields = {
            "node": self.node,
            "queue": entry.queue,
            "caller_number": entry.caller_number,
            "enqueued_at": entry.enqueued_at.isoformat(),
            "priority": entry.priority,
            "skills": ",".join(f"{skill}:{level}" for skill, level in entry.skills),
            "number": number,
            "attempts": attempts,
        }
        try:
            self.live.put(self.KIND, entry.call_uuid, fields)
        except LiveError as exc:
            log.warning("pending callback not kept", call_uuid=entry.call_uuid, error=str(exc))

    def drop(self, call_uuid: str) -> None:
        """Forget a callback (connected, or given up)."""
        try:
            self.live.remove(self.KIND, call_uuid)
        except LiveError as exc:
            log.warning("pending callback not dropped", call_uuid=call_uuid, error=str(exc))

    def mine(self) -> list[PendingCallback]:
        """This node's pending callbacks, as an earlier process left them."""
        try:
            rows = self.live.all(self.KIND)
        except LiveError as exc:
            log.warning("pending callbacks not read", error=str(exc))
            return []
        found = []
        for call_uuid, row in rows.items():
            if row.get("node", "") != self.node:
                continue
            try:
                found.append(_pending(call_uuid, row))
            except (KeyError, ValueError) as exc:
                log.warning("pending callback unreadable", call_uuid=call_uuid, error=str(exc))
        return found


def _pending(call_uuid: str, row: dict[str, str]) -> PendingCallback:
    skills = []
    for item in filter(None, row.get("skills", "").split(",")):
        skill, _, level = item.rpartition(":")
        skills.append((skill, int(level)))
    entry = WaitingCall(
        call_uuid,
        row["queue"],
        row.get("caller_number", ""),
        datetime.fromisoformat(row["enqueued_at"]),
        priority=int(row.get("priority") or 0),
        skills=tuple(skills),
    )
    return PendingCallback(entry, row["number"], int(row.get("attempts") or 0))
