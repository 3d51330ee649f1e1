"""Calls that began and ended while no engine served them get a record too.

A caller who dials while no engine runs (or while its socket cannot be reached) waits in the
hotline's fallback (``cc_unserved=true``, music); if it hangs up before an engine takes it
back, no engine ever saw it. FreeSWITCH still writes its CDR: the shipped configuration has
mod_cdr_csv write one line per call with the template :data:`CDR_TEMPLATE`
(``freeswitch-conf/autoload_configs/cdr_csv.conf.xml``) to ``<freeswitch.cdr_dir>/cdr-csv/
Master.csv`` on the engine's host. :class:`UnseenCalls` reads the lines added since it last
looked (the offset is kept in Redis per node), and publishes, for each hotline call that was
never served, the call's arrival, ``EndedUnserved`` and its end at the CDR's times: the record
says ``abandoned`` (the caller hung up) or ``failed``. Writes are idempotent on the call uuid,
so reading a line twice (a lost offset) never duplicates a call.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import gevent

from callcenter.engine.bus import Bus, CallArrived, CallEnded
from callcenter.engine.routing.events import EndedUnserved
from callcenter.live.errors import LiveError
from callcenter.live.store import LiveStore
from callcenter.logs import get_logger

log = get_logger(__name__)

CDR_FIELDS = (
    "uuid", "callcenter_hotline", "cc_unserved", "cc_owner", "start_uepoch", "end_uepoch",
    "hangup_cause", "sip_hangup_disposition", "caller_id_number", "caller_id_name",
)  # fmt: skip
"""The CDR columns, in order; the caller's name last (it is the caller's own text and may
hold anything: mod_cdr_csv writes values as they are, unescaped)."""

CDR_TEMPLATE = ",".join(f'"${{{name}}}"' for name in CDR_FIELDS)
"""The mod_cdr_csv template the shipped configuration renders (a test keeps the two equal)."""

CDR_FILE = Path("cdr-csv") / "Master.csv"  # under mod_cdr_csv's log-base


@dataclass(frozen=True, slots=True)
class CdrLine:
    """One call's CDR, as the engine reads it."""

    uuid: str
    hotline: str
    unserved: bool
    owner: str
    started_at: datetime
    ended_at: datetime
    hangup_cause: str
    hung_up_by_caller: bool
    caller_number: str
    caller_name: str


def parse_line(line: str) -> CdrLine | None:
    """A CDR line written with :data:`CDR_TEMPLATE` (None if it is not one)."""
    text = line.rstrip("\r\n")
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        return None
    values = text[1:-1].split('","', len(CDR_FIELDS) - 1)
    if len(values) != len(CDR_FIELDS):
        return None
    row = dict(zip(CDR_FIELDS, values, strict=True))
    try:
        started = _moment(row["start_uepoch"])
        ended = _moment(row["end_uepoch"])
    except ValueError:
        return None
    return CdrLine(
        uuid=row["uuid"],
        hotline=row["callcenter_hotline"],
        unserved=row["cc_unserved"] == "true",
        owner=row["cc_owner"],
        started_at=started,
        ended_at=ended,
        hangup_cause=row["hangup_cause"],
        hung_up_by_caller=row["sip_hangup_disposition"].startswith("recv_"),
        caller_number=row["caller_id_number"],
        caller_name=row["caller_id_name"],
    )


def _moment(micros: str) -> datetime:
    return datetime.fromtimestamp(int(micros) / 1e6, UTC)


def never_served(line: CdrLine) -> bool:
    """A hotline call that waited in the fallback and never reached an engine."""
    return bool(line.uuid and line.hotline and line.unserved and not line.owner)


class UnseenCalls:
    """Reads FreeSWITCH's CDR file and records the hotline calls no engine saw."""

    KIND = "cdr-offset"

    def __init__(self, bus: Bus, live: LiveStore, node: str, cdr_dir: str) -> None:
        self.bus = bus
        self.live = live
        self.node = node
        self.path = Path(cdr_dir) / CDR_FILE if cdr_dir else None
        self._missing_said = False

    def scan(self) -> int:
        """Record the never-served calls in the lines added since the last scan; how many."""
        if self.path is None:
            return 0
        try:
            with self.path.open("rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                offset = self._offset()
                if offset > size:  # the file was rotated: read the new one from its start
                    offset = 0
                fh.seek(offset)
                data = fh.read(size - offset)
        except FileNotFoundError:
            if not self._missing_said:
                log.info("no CDR file (yet)", path=str(self.path))
                self._missing_said = True
            return 0
        except OSError as exc:
            log.warning("CDR file not read", path=str(self.path), error=str(exc))
            return 0
        complete = data[: data.rfind(b"\n") + 1]  # a line still being written waits
        recorded = 0
        for raw in complete.decode("utf-8", "replace").splitlines():
            line = parse_line(raw)
            if line is not None and never_served(line):
                self._record(line)
                recorded += 1
        self._save_offset(offset + len(complete))
        return recorded

    def run(self, interval: float) -> None:
        """Scan every ``interval`` seconds."""
        while True:
            if recorded := self.scan():
                log.info("calls no engine saw recorded from the CDR", calls=recorded)
            gevent.sleep(interval)

    def _record(self, line: CdrLine) -> None:
        publish, uuid = self.bus.publish, line.uuid
        publish(CallArrived(call_uuid=uuid, caller_number=line.caller_number,
                            caller_name=line.caller_name, dialled_number=line.hotline,
                            at=line.started_at))  # fmt: skip
        publish(EndedUnserved(call_uuid=uuid, at=line.ended_at))
        by = "caller" if line.hung_up_by_caller else "system"
        publish(CallEnded(call_uuid=uuid, hangup_cause=line.hangup_cause, hangup_by=by,
                          at=line.ended_at))  # fmt: skip

    def _offset(self) -> int:
        try:
            return int(self.live.get_field(self.KIND, self.node, "bytes") or 0)
        except (LiveError, ValueError):
            return 0

    def _save_offset(self, offset: int) -> None:
        try:
            self.live.put(self.KIND, self.node, {"bytes": str(offset)})
        except LiveError as exc:
            log.warning("CDR offset not kept", error=str(exc))
