"""Callers survive an engine restart or outage (mod_callcenter marks them abandoned).

The shipped hotline extension sets ``socket_resume=true`` before its ``socket`` app, so from
its first instant a caller is resumable: when the engine's socket closes, FreeSWITCH cuts what
the channel runs and goes on with the extension's fallback (S09b); when no engine listens, the
``socket`` app ends at once (S09c). The fallback answers, sets ``cc_unserved=true`` and plays
music; FreeSWITCH itself never hangs such a caller up (S09a-d).

While the engine serves a caller, its channel also carries what a new engine process needs: the
owner (node and process), the stage (``ivr`` or ``queue``) and for a queue the place in line
(queue, enqueue time, priority, skills). Once the caller talks to an agent the marks are
cleared and socket_resume is turned off (the bridge must not be cut; engine/restart/takeover.py
takes such calls over). The call's open record is kept in Redis (:class:`RedisSnapshots`).

On start, and every few seconds after, :func:`find_left_callers` lists the switch's callers
that wait in the fallback (or that an earlier process of this node left), and :func:`send_back`
sends each back through its hotline extension (``uuid_transfer``): the ``socket`` app connects
to this engine, whose call handler reads the marks (:func:`resumed_wait`, :func:`was_in_ivr`,
:func:`unserved_since`) and puts the caller back in line at its old place, starts the IVR
again under the same call record, or - a caller who dialled while no engine ran - takes it as
a new call that arrived when it dialled. Queues offer nobody until their callers are all back
(``Dispatcher.expect``), so the old order holds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import gevent

from callcenter.acd.routing import WaitingCall
from callcenter.engine.records.recorder import CallRecord, record_from_json, record_to_json
from callcenter.live.errors import LiveError
from callcenter.live.store import LiveStore
from callcenter.live.write_behind import WriteBehind
from callcenter.logs import get_logger
from callcenter.switch import commands
from callcenter.switch.errors import SwitchError

log = get_logger(__name__)

OWNER, STAGE, QUEUE, SINCE, PRIORITY, SKILLS = (
    "cc_owner", "cc_stage", "cc_queue", "cc_enqueued_at", "cc_priority", "cc_skills",
)  # fmt: skip
RESUME = "socket_resume"
UNSERVED = "cc_unserved"  # set by the hotline extension's fallback: no engine serves the caller


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
    return {OWNER: owner, STAGE: "ivr", QUEUE: "", RESUME: "true", UNSERVED: "false"}


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
        UNSERVED: "false",
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


def unserved_since(headers: Mapping[str, str], variables: Mapping[str, str]) -> datetime | None:
    """When a caller that dialled while no engine ran arrived (None for any other call): it
    waited in the hotline's fallback, unmarked by any engine."""
    if variables.get(UNSERVED) != "true" or variables.get(OWNER):
        return None
    try:
        micros = int(headers.get("Caller-Channel-Created-Time", "") or 0)
    except ValueError:
        return None
    return datetime.fromtimestamp(micros / 1e6, UTC) if micros else None


def left_by_earlier_process(variables: Mapping[str, str], owner: str) -> bool:
    """Whether an earlier engine process marked this caller (a caller this process sent on
    to another hotline number carries this process's own mark: a new call, not a re-adoption)."""
    mark = variables.get(OWNER, "")
    return bool(mark) and mark != owner


class RedisSnapshots:
    """Open call records in Redis (``open-record:<uuid>``) while their calls last."""

    KIND = "open-record"

    def __init__(self, live: LiveStore, writes: WriteBehind | None = None) -> None:
        self.live = live
        self.writes = writes  # sends the records together with other writes (one round trip)
        self._indexed: set[str] = set()  # calls whose id this process put in the index

    def save(self, record: CallRecord) -> None:
        """Keep the record as it is now (a Redis outage only costs the restart safety)."""
        if self.writes is not None:  # the record as it is when sent (one JSON per batch)
            uuid = record.call_uuid
            forget = lambda _error: self._indexed.discard(uuid)  # noqa: E731
            self.writes.put_latest(
                self.KIND, uuid, lambda: {"data": record_to_json(record)}, failed=forget,
                index=uuid not in self._indexed,
            )  # fmt: skip
            self._indexed.add(uuid)
            return
        try:
            self.live.put(self.KIND, record.call_uuid, {"data": record_to_json(record)})
        except LiveError as exc:
            log.warning("open record not kept", call_uuid=record.call_uuid, error=str(exc))

    def load(self, call_uuid: str) -> CallRecord | None:
        """The kept record of a call, if any."""
        if self.writes is not None:
            self.writes.flush()  # what waits to be sent, first
        try:
            text = self.live.get_field(self.KIND, call_uuid, "data")
        except LiveError:
            return None
        return record_from_json(text) if text else None

    def ids(self) -> set[str]:
        """The calls with a kept record."""
        if self.writes is not None:
            self.writes.flush()
        try:
            return self.live.ids(self.KIND)
        except LiveError as exc:
            log.warning("open records not listed", error=str(exc))
            return set()

    def drop(self, call_uuid: str) -> None:
        """Forget the record (its call ended and was written)."""
        if self.writes is not None:
            self._indexed.discard(call_uuid)
            self.writes.remove(self.KIND, call_uuid)
            return
        try:
            self.live.remove(self.KIND, call_uuid)
        except LiveError as exc:
            log.warning("open record not dropped", call_uuid=call_uuid, error=str(exc))


@dataclass(frozen=True, slots=True)
class LeftCaller:
    """A caller waiting for an engine: in the hotline's fallback, or left by an earlier process."""

    call_uuid: str
    dest: str  # the hotline number it dialled
    context: str
    queue: str  # "" in the IVR or never served


def find_left_callers(
    switch: Any, owner: str, *, skip: Collection[str] = (), playing_only: bool = False
) -> list[LeftCaller]:
    """The callers on the switch no live engine serves: waiting in the hotline's fallback
    (``cc_unserved``, never reached an engine or lost it), or marked by an earlier process of
    this node (a dialplan without the fallback mark). ``skip``: calls this process serves;
    ``playing_only``: look only at channels running ``playback`` (the fallback's music), as
    the periodic sweep does."""
    node = owner.partition("/")[0]
    try:
        body = switch.api(commands.show_channels())
    except SwitchError as exc:
        log.warning("could not list channels to re-adopt callers", error=str(exc))
        return []
    if playing_only and (playing := playing_uuids(body)) is not None and playing <= set(skip):
        return []  # every channel playing is served here: no need to read the whole list
    rows = commands.parse_show_json(body)
    found = []
    for row in rows:
        uuid, dest = row.get("uuid", ""), row.get("dest", "")
        if not uuid or not dest or uuid in skip:
            continue
        if playing_only and row.get("application") != "playback":
            continue
        mark = _var(switch, uuid, OWNER)
        if mark.partition("/")[0] not in (node, "") or mark == owner:  # another node's, or ours
            continue
        stage = _var(switch, uuid, STAGE) if mark else ""
        if _var(switch, uuid, UNSERVED) != "true" and stage not in ("ivr", "queue"):
            continue  # a new call on its way in, or talking to an agent (restart/takeover.py)
        queue = _var(switch, uuid, QUEUE) if stage == "queue" else ""
        found.append(LeftCaller(uuid, dest, row.get("context", ""), queue))
    return found


_ROW = '{"uuid":"'
_PLAYING = '"application":"playback"'


def playing_uuids(body: str) -> set[str] | None:
    """The uuids of the channels running ``playback`` in a ``show channels as json`` text,
    found without decoding it: FreeSWITCH writes each row compactly, its uuid first (S03,
    S09c; a quote inside a value is escaped, so neither mark can occur there). None if a
    playing row does not start so (then the caller decodes the whole list)."""
    found: set[str] = set()
    at = body.find(_PLAYING)
    while at >= 0:
        start = body.rfind(_ROW, 0, at)
        end = body.find('"', start + len(_ROW)) if start >= 0 else -1
        if end < 0 or body.find("}", start, at) >= 0:  # not inside one flat row
            return None
        found.add(body[start + len(_ROW) : end])
        at = body.find(_PLAYING, at + len(_PLAYING))
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


class TakeBack:
    """Sends callers no engine serves back to this engine: once at start (what an earlier
    process left, who dialled while none ran), then every ``interval`` seconds (callers that
    found this engine's socket unreachable for a moment)."""

    def __init__(
        self,
        switch: Any,
        *,
        owner: str,
        context: str,
        expect: Callable[..., None],
        adopt: Callable[[str], object],
        serving: Callable[[], Collection[str]],
        interval: float,
    ) -> None:
        self.switch = switch
        self.owner = owner
        self.context = context  # for channels whose context the listing does not show
        self.expect = expect  # Dispatcher.expect: queues hold until their callers are back
        self.adopt = adopt  # CallRecorder.adopt: the kept open record goes on
        self.serving = serving  # uuids of the calls this process serves
        self.interval = interval
        self._sent: dict[str, float] = {}  # callers sent back lately (monotonic time)

    def once(self, *, playing_only: bool = False) -> int:
        """Find the callers no engine serves and send them back; how many went."""
        now = time.monotonic()
        for uuid, sent in list(self._sent.items()):
            if now - sent > 4 * self.interval:  # on its way long enough: look again
                del self._sent[uuid]
        skip = self._sent.keys() | set(self.serving())
        left = find_left_callers(self.switch, self.owner, skip=skip, playing_only=playing_only)
        # in line again in the old order: their queues wait until they are all back
        self.expect({c.call_uuid: c.queue for c in left if c.queue}, timeout=10.0)
        for caller in left:
            self.adopt(caller.call_uuid)
            self._sent[caller.call_uuid] = now
        return sum(send_back(self.switch, caller, self.context) for caller in left)

    def sweep(self) -> None:
        """Look every ``interval`` seconds, at channels playing (the fallback's music) only."""
        while True:
            gevent.sleep(self.interval)
            if taken := self.once(playing_only=True):
                log.info("callers found waiting for an engine", callers=taken)
