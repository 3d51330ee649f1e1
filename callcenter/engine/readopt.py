"""Callers survive an engine restart (mod_callcenter marks them abandoned).

While the engine serves a caller, its channel carries what a new engine process needs: the
owner (node and process), the stage (``ivr`` or ``queue``), for a queue the place in line
(queue, enqueue time, priority, skills), and ``socket_resume=true`` - when the engine's socket
closes, FreeSWITCH cuts what the channel runs and goes on with the hotline extension's next
action (the shipped dialplan plays music) instead of hanging up when that ends. Once the caller
talks to an agent the marks are cleared (the bridge must not be cut; engine/takeover.py takes
such calls over). The call's open record is kept in Redis (:class:`RedisSnapshots`).

On start, :func:`find_left_callers` lists the switch's channels an earlier process of this
node left in the IVR or in a queue, and :func:`send_back` sends each back through its hotline
extension (``uuid_transfer``): the ``socket`` app connects to the new engine, whose call
handler reads the marks (:func:`resumed_wait`, :func:`was_in_ivr`) and puts the caller back in
line at its old place, or starts the IVR again, under the same call record. Their queues offer
nobody until they are all back (``Dispatcher.expect``), so the old order holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from callcenter.acd.routing import WaitingCall
from callcenter.engine.records import CallRecord, record_from_json, record_to_json
from callcenter.live.errors import LiveError
from callcenter.live.store import LiveStore
from callcenter.logs import get_logger
from callcenter.switch import commands
from callcenter.switch.errors import SwitchError

log = get_logger(__name__)

OWNER, STAGE, QUEUE, SINCE, PRIORITY, SKILLS = (
    "cc_owner", "cc_stage", "cc_queue", "cc_enqueued_at", "cc_priority", "cc_skills",
)  # fmt: skip
RESUME = "socket_resume"


@dataclass(frozen=True, slots=True)
class ResumedWait:
    """A caller's place in line, read back from its channel."""

    queue: str
    enqueued_at: datetime
    priority: int
    skills: tuple[str, ...]


def owner_mark(node: str, process: str) -> str:
    """The owner mark of this engine process (``node/process``)."""
    return f"{node}/{process}"


def ivr_marks(owner: str) -> dict[str, str]:
    """A caller in the IVR (or an overflow's flow): taken back by a restarted engine."""
    return {OWNER: owner, STAGE: "ivr", QUEUE: "", RESUME: "true"}


def waiting_marks(entry: WaitingCall, owner: str) -> dict[str, str]:
    """A caller waiting in a queue: taken back at its place by a restarted engine."""
    return {
        OWNER: owner,
        STAGE: "queue",
        QUEUE: entry.queue,
        SINCE: entry.enqueued_at.isoformat(),
        PRIORITY: str(entry.priority),
        SKILLS: ",".join(skill for skill, _level in entry.skills),
        RESUME: "true",
    }


def talking_marks() -> dict[str, str]:
    """Bridged to an agent: nothing to send back through the hotline, and a dying engine must
    not cut the bridge (socket_resume resets the channel when the socket closes)."""
    return {STAGE: "", QUEUE: "", RESUME: "false"}


def resumed_wait(variables: Mapping[str, str]) -> ResumedWait | None:
    """The place in line a re-adopted caller had (None if it was not waiting)."""
    queue = variables.get(QUEUE, "")
    if variables.get(STAGE) != "queue" or not queue:
        return None
    try:
        since = datetime.fromisoformat(variables.get(SINCE, ""))
        priority = int(variables.get(PRIORITY, "0") or 0)
    except ValueError:
        return None
    skills = tuple(s for s in variables.get(SKILLS, "").split(",") if s)
    return ResumedWait(queue, since, priority, skills)


def was_in_ivr(variables: Mapping[str, str]) -> bool:
    """Whether a re-adopted caller was in the IVR (it starts again)."""
    return variables.get(STAGE) == "ivr" and bool(variables.get(OWNER))


def left_by_earlier_process(variables: Mapping[str, str], owner: str) -> bool:
    """Whether an earlier engine process marked this caller (a caller this process sent on
    to another hotline number carries this process's own mark: a new call, not a re-adoption)."""
    mark = variables.get(OWNER, "")
    return bool(mark) and mark != owner


class RedisSnapshots:
    """Open call records in Redis (``open-record:<uuid>``) while their calls last."""

    KIND = "open-record"

    def __init__(self, live: LiveStore) -> None:
        self.live = live

    def save(self, record: CallRecord) -> None:
        """Keep the record as it is now (a Redis outage only costs the restart safety)."""
        try:
            self.live.put(self.KIND, record.call_uuid, {"data": record_to_json(record)})
        except LiveError as exc:
            log.warning("open record not kept", call_uuid=record.call_uuid, error=str(exc))

    def load(self, call_uuid: str) -> CallRecord | None:
        """The kept record of a call, if any."""
        try:
            text = self.live.get_field(self.KIND, call_uuid, "data")
        except LiveError:
            return None
        return record_from_json(text) if text else None

    def ids(self) -> set[str]:
        """The calls with a kept record."""
        try:
            return self.live.ids(self.KIND)
        except LiveError as exc:
            log.warning("open records not listed", error=str(exc))
            return set()

    def drop(self, call_uuid: str) -> None:
        """Forget the record (its call ended and was written)."""
        try:
            self.live.remove(self.KIND, call_uuid)
        except LiveError as exc:
            log.warning("open record not dropped", call_uuid=call_uuid, error=str(exc))


@dataclass(frozen=True, slots=True)
class LeftCaller:
    """A caller an earlier process of this node left in the IVR or a queue."""

    call_uuid: str
    dest: str  # the hotline number it dialled
    context: str
    queue: str  # "" in the IVR


def find_left_callers(switch: Any, owner: str) -> list[LeftCaller]:
    """The channels an earlier process of this node (not ``owner`` itself) left to music."""
    node = owner.partition("/")[0]
    try:
        rows = commands.parse_show_json(switch.api(commands.show_channels()))
    except SwitchError as exc:
        log.warning("could not list channels to re-adopt callers", error=str(exc))
        return []
    found = []
    for row in rows:
        uuid, dest = row.get("uuid", ""), row.get("dest", "")
        if not uuid or not dest:
            continue
        mark = _var(switch, uuid, OWNER)
        if mark.partition("/")[0] != node or mark == owner:  # another node's, or ours
            continue
        stage = _var(switch, uuid, STAGE)
        if stage not in ("ivr", "queue"):  # talking: engine/takeover.py
            continue
        queue = _var(switch, uuid, QUEUE) if stage == "queue" else ""
        found.append(LeftCaller(uuid, dest, row.get("context", ""), queue))
    return found


def send_back(switch: Any, caller: LeftCaller, default_context: str) -> bool:
    """Send the caller back through its hotline extension (to this engine's socket)."""
    context = caller.context or default_context
    try:
        switch.api(commands.uuid_transfer(caller.call_uuid, caller.dest, "XML", context))
    except SwitchError as exc:
        log.warning("caller not re-adopted", call_uuid=caller.call_uuid, error=str(exc))
        return False
    log.info("caller re-adopted", call_uuid=caller.call_uuid, dest=caller.dest)
    return True


def _var(switch: Any, uuid: str, name: str) -> str:
    value = switch.api(commands.uuid_getvar(uuid, name), check=False).strip()
    return "" if value in ("_undef_", "") or value.startswith("-ERR") else value
