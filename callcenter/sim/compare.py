"""Compare ESL message sequences (a captured trace against the simulator's replay).

What is compared, per connection:

* the replies in order (auth/request, command/reply, api/response, disconnect-notice): type,
  Reply-Text, Job-UUID, the api body (normalised per command), notice headers and body;
* the events grouped per channel (``Unique-ID``; events without one form one global group):
  the sequence of event names (CUSTOM with subclass), each event's header-name list, and
  the values of the key headers below.

Values that legitimately vary are normalised: uuids become stable labels (a channel by its
Channel-Name and occurrence, a job by its position, a client-chosen uuid stays as sent, any
other uuid ``<uuid>``), dates and times, sequence numbers, ports of the host, durations.
HEARTBEAT and RE_SCHEDULE are timer events whose phase is arbitrary: they are left out.
Conference member ids (``Member-ID``, the ``id`` of ``conference list`` / ``json_list``) count
up over the life of the FreeSWITCH process (S05c's are 4, 5, 6: earlier runs had conferences),
so they become labels by order of first appearance, like uuids.

One race of FreeSWITCH is tolerated (see :func:`_optional_states`): at a uuid_bridge the B
leg's CHANNEL_STATE CS_CONSUME_MEDIA (between its CHANNEL_EXECUTE in CS_SOFT_EXECUTE and
CS_EXCHANGE_MEDIA) is in S03, S05a and S05b's first bridge but not in S05c's (the same
flow): it is optional on either side.

The caller's ACK races the EXECUTE_COMPLETE of the ``answer`` that sent the 200: sofia
(re-)sets the ``sip_to_tag`` .. ``sip_full_to`` variables (:data:`ACK_VARS`) at the ACK, so they
are at the end of that event's variables (S09b, S10, S11) or still at their earlier places
(S02-S06b, S09a, S09d). In that one event those names are left out of the header list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from callcenter.switch.protocol import Frame, decode_event

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DATE_RE = re.compile(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}")
TIMER_EVENTS = {"HEARTBEAT", "RE_SCHEDULE"}
KEY_HEADERS = [
    "Event-Subclass", "Channel-State", "Channel-Call-State", "Answer-State",
    "Original-Channel-Call-State", "Application", "Application-Data", "Application-Response",
    "Application-UUID", "Hangup-Cause", "DTMF-Digit", "Bridge-A-Unique-ID",
    "Bridge-B-Unique-ID", "Job-UUID", "Job-Command", "Job-Command-Arg", "API-Command",
    "Playback-Status", "Playback-File-Path", "Record-File-Path", "Action",
    "Media-Bug-Function", "Other-Type", "Caller-Caller-ID-Number", "Caller-Destination-Number",
    "Channel-Name", "Unique-ID", "execute-app-name", "execute-app-arg", "Event-UUID",
    "auth-result", "MWI-Messages-Waiting", "Conference-Name", "Conference-Size", "Member-ID",
]  # fmt: skip
# The variables sofia (re-)sets when the caller's ACK arrives. The ACK races the answer's
# EXECUTE_COMPLETE: after it in S02-S06b, S09a, S09d, before it in S09b, S10, S11.
ACK_VARS = {
    "variable_sip_to_tag", "variable_sip_from_tag", "variable_sip_cseq", "variable_sip_call_id",
    "variable_sip_full_via", "variable_sip_from_display", "variable_sip_full_from",
    "variable_sip_full_to",
}  # fmt: skip
NOTICE_HEADERS = ["Controlled-Session-UUID", "Content-Disposition", "Channel-Name", "Linger-Time"]


@dataclass
class Message:
    """One received ESL message, decoded."""

    frame: Frame
    t: float = 0.0

    @property
    def ctype(self) -> str:
        return self.frame.content_type

    @property
    def is_event(self) -> bool:
        return self.ctype.startswith("text/event-")


@dataclass
class Labels:
    """Stable names for the uuids of one side (trace or simulator)."""

    chosen: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)
    per_name: dict[str, int] = field(default_factory=dict)
    jobs: dict[str, str] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)

    def see_channel(self, uuid: str, name: str) -> None:
        """Give a channel uuid its label at its first appearance."""
        if uuid and uuid not in self.names and uuid not in self.chosen:
            n = self.per_name.get(name, 0)
            self.per_name[name] = n + 1
            self.names[uuid] = f"<{name}#{n}>"

    def see_job(self, uuid: str) -> None:
        """Label a Job-UUID made up by the switch (in reply order)."""
        if uuid not in self.jobs and uuid not in self.chosen:
            self.jobs[uuid] = f"<job#{len(self.jobs)}>"

    def member(self, member_id: str) -> str:
        """A conference member id as a label (order of first appearance)."""
        if member_id not in self.members:
            self.members[member_id] = f"<member#{len(self.members)}>"
        return self.members[member_id]

    def norm(self, text: str) -> str:
        """Replace uuids, dates and timestamps in a value."""

        def sub(m: re.Match[str]) -> str:
            u = m.group(0)
            if u in self.chosen:
                return u
            return self.names.get(u) or self.jobs.get(u) or "<uuid>"

        text = UUID_RE.sub(sub, text)
        return DATE_RE.sub("<date>", text)


def learn(labels: Labels, msg: Message) -> None:
    """Record the uuids a message introduces (channels, jobs)."""
    h = msg.frame.headers
    if msg.ctype == "command/reply":
        if "Unique-ID" in h:
            labels.see_channel(unquote(h["Unique-ID"]), unquote(h.get("Channel-Name", "")))
        if "Job-UUID" in h:
            labels.see_job(h["Job-UUID"])
    elif msg.is_event:
        ev = decode_event(msg.frame)
        if ev is not None and ev.uuid and "Channel-Name" in ev.headers:
            labels.see_channel(ev.uuid, ev.headers["Channel-Name"])
        if ev is not None and ev.headers.get("Member-ID"):
            labels.member(ev.headers["Member-ID"])
        if ev is not None:
            for key in ("Other-Leg-Unique-ID", "Bridge-B-Unique-ID"):
                other = ev.headers.get(key)
                name = ev.headers.get("Other-Leg-Channel-Name")
                if other and name and key == "Other-Leg-Unique-ID":
                    labels.see_channel(other, name)


def _api_body(body: str, labels: Labels) -> str:
    text = labels.norm(body)
    if text.startswith("UP "):
        return re.sub(r"\d+(\.\d+)?", "N", text)
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except ValueError:
            return text
        return json.dumps(_shape(_member_ids(data, labels)), sort_keys=False)
    if ";" in text and "\n" in text:  # conference list: id;name;uuid;...
        lines = sorted(
            ";".join([labels.member(ln.split(";")[0]), *ln.split(";")[1:]])
            for ln in text.splitlines()
            if ln
        )
        return "\n".join(lines)
    return text


def _member_ids(data: object, labels: Labels) -> object:
    """``conference json_list``: each member's ``id`` as its label."""
    if isinstance(data, list):
        return [_member_ids(x, labels) for x in data]
    if isinstance(data, dict):
        out = {k: _member_ids(v, labels) for k, v in data.items()}
        for m in out.get("members", []) if isinstance(out.get("members"), list) else []:
            if isinstance(m, dict) and "id" in m:
                m["id"] = labels.member(str(m["id"]))
        return out
    return data


SHAPE_VALUES = {
    "uuid", "name", "direction", "b_uuid", "reg_user", "url", "conference_name",
    "caller_id_number", "member_count", "row_count", "type", "dest", "b_name", "id",
}  # fmt: skip


def _shape(data: object) -> object:
    """JSON reduced to its keys plus the values that must match."""
    if isinstance(data, dict):
        return {k: (_shape(v) if isinstance(v, dict | list) or k in SHAPE_VALUES else "*")
                for k, v in data.items()}  # fmt: skip
    if isinstance(data, list):
        items = [_shape(x) for x in data]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True))
    return data


def reply_key(msg: Message, labels: Labels) -> tuple[str, ...]:
    """What must match of a reply."""
    h = msg.frame.headers
    if msg.ctype == "command/reply":
        text = labels.norm(unquote(h.get("Reply-Text", "")))
        if "Event-Name" in h:  # the outbound connect reply: the channel as headers
            names = ",".join(k for k in h if not k.startswith("variable_"))
            keys = ";".join(
                f"{k}={labels.norm(unquote(h.get(k, '')))}"
                for k in (
                    "Channel-State",
                    "Channel-Call-State",
                    "Answer-State",
                    "Unique-ID",
                    "Socket-Mode",
                    "Control",
                )  # fmt: skip
            )
            nvars = ",".join(k for k in h if k.startswith("variable_"))
            return ("connect", text, names, nvars, keys)
        return ("reply", text, labels.norm(h.get("Job-UUID", "")))
    if msg.ctype == "api/response":
        return ("api", _api_body(msg.frame.text, labels))
    if msg.ctype == "text/disconnect-notice":
        hs = ";".join(f"{k}={labels.norm(h[k])}" for k in NOTICE_HEADERS if k in h)
        return ("notice", hs, msg.frame.text)
    return (msg.ctype, labels.norm(msg.frame.text))


def event_key(ev_name: str, headers: dict[str, str], body: str | None, labels: Labels) -> dict:
    """What must match of an event."""
    values = {k: labels.norm(headers[k]) for k in KEY_HEADERS if k in headers}
    if "Member-ID" in values:
        values["Member-ID"] = labels.member(headers["Member-ID"])
    if ev_name == "BACKGROUND_JOB":
        values["_body"] = _api_body(body or "", labels)
    return values


def group_events(msgs: list[Message], labels: Labels) -> dict[str, list[tuple]]:
    """Events per channel label (``global`` for events without Unique-ID)."""
    groups: dict[str, list[tuple]] = {}
    for m in msgs:
        if not m.is_event:
            continue
        ev = decode_event(m.frame)
        if ev is None or ev.name in TIMER_EVENTS:
            continue
        name = ev.name + ("/" + ev.subclass if ev.subclass else "")
        key = labels.norm(ev.uuid) if ev.uuid else "global"
        if m.ctype == "text/event-plain":
            names = _plain_names(m.frame.body)
        else:
            names = [k for k in json.loads(m.frame.body) if k != "_body"]
        if ev.name == "CHANNEL_EXECUTE_COMPLETE" and ev.headers.get("Application") == "answer":
            names = [n for n in names if n not in ACK_VARS]
        groups.setdefault(key, []).append(
            (name, names, event_key(ev.name, ev.headers, ev.body, labels), m.t)
        )
    return groups


def _plain_names(body: bytes) -> list[str]:
    head = body.decode("utf-8", "replace").partition("\n\n")[0]
    return [line.partition(": ")[0] for line in head.split("\n") if line]


def _race_tolerant(kind: str, exp: list[tuple], got: list[tuple]) -> None:
    """The socket app parks ~1 ms after ``connect``: its CHANNEL_PARK races ``myevents``
    (present in S02/S03/S06, absent in S06b). On an outbound connection a leading
    CHANNEL_PARK of the controlled channel may be missing on either side."""
    if kind != "outbound":
        return
    e0 = exp[0][0] if exp else ""
    g0 = got[0][0] if got else ""
    if e0 == "CHANNEL_PARK" and g0 != "CHANNEL_PARK":
        exp.pop(0)
    elif g0 == "CHANNEL_PARK" and e0 != "CHANNEL_PARK":
        got.pop(0)


def _optional_states(items: list[tuple]) -> list[tuple]:
    """Drop the B leg's CHANNEL_STATE CS_CONSUME_MEDIA at a uuid_bridge: CS_SOFT_EXECUTE,
    CHANNEL_EXECUTE, [CS_CONSUME_MEDIA], CS_EXCHANGE_MEDIA. FreeSWITCH fires it or not (a
    race of the B leg's state machine with the A leg's bridge thread: present in S03, S05a
    and S05b's first bridge, absent in S05c's first bridge of the same flow), so it is
    optional on either side."""

    def state(i: int) -> str:
        if 0 <= i < len(items) and items[i][0] == "CHANNEL_STATE":
            return str(items[i][2].get("Channel-State", ""))
        return ""

    out = []
    for i, item in enumerate(items):
        if (state(i) == "CS_CONSUME_MEDIA" and state(i + 1) == "CS_EXCHANGE_MEDIA"
                and 0 < i and items[i - 1][0] == "CHANNEL_EXECUTE"
                and state(i - 2) == "CS_SOFT_EXECUTE"):  # fmt: skip
            continue
        out.append(item)
    return out


def compare_connection(
    kind: str, exp: list[Message], exp_labels: Labels, got: list[Message], got_labels: Labels
) -> str | None:
    """The first difference between the expected and the received messages, or None."""
    er = [reply_key(m, exp_labels) for m in exp if not m.is_event]
    gr = [reply_key(m, got_labels) for m in got if not m.is_event]
    for i, (e, g) in enumerate(zip(er, gr, strict=False)):
        if e != g:
            return f"reply #{i}: expected {_short(e)}\n              got {_short(g)}"
    if len(er) != len(gr):
        more = er[len(gr)] if len(er) > len(gr) else gr[len(er)]
        side = "missing" if len(er) > len(gr) else "extra"
        return f"reply count: expected {len(er)}, got {len(gr)} ({side}: {_short(more)})"
    eg = group_events(exp, exp_labels)
    gg = group_events(got, got_labels)
    for key in list(eg) + [k for k in gg if k not in eg]:
        el, gl = _optional_states(eg.get(key, [])), _optional_states(gg.get(key, []))
        if key != "global":
            _race_tolerant(kind, el, gl)
        for i, (e, g) in enumerate(zip(el, gl, strict=False)):
            where = f"events of {key} #{i}"
            if e[0] != g[0]:
                seqs = f"  expected seq: {_seq(el, i)}\n  got seq:      {_seq(gl, i)}"
                return f"{where}: expected {e[0]} (t={e[3]:.3f}), got {g[0]}\n{seqs}"
            if e[1] != g[1]:
                return f"{where} {e[0]} (t={e[3]:.3f}): headers differ: {_diff(e[1], g[1])}"
            if e[2] != g[2]:
                bad = {k: (e[2].get(k), g[2].get(k)) for k in set(e[2]) | set(g[2])
                       if e[2].get(k) != g[2].get(k)}  # fmt: skip
                return f"{where} {e[0]} (t={e[3]:.3f}): values differ {bad}"
        if len(el) != len(gl):
            return (f"events of {key}: expected {len(el)}, got {len(gl)}\n"
                    f"  expected seq: {_seq(el, min(len(el), len(gl)))}\n"
                    f"  got seq:      {_seq(gl, min(len(el), len(gl)))}")  # fmt: skip
    return None


def _seq(items: list[tuple], i: int) -> str:
    lo = max(i - 2, 0)
    return " ".join(x[0] for x in items[lo : i + 4])


def _short(value: tuple) -> str:
    text = repr(value)
    return text if len(text) < 400 else text[:400] + "..."


def _diff(exp: list[str], got: list[str]) -> str:
    missing = [x for x in exp if x not in got]
    extra = [x for x in got if x not in exp]
    if missing or extra:
        return f"missing {missing[:12]} extra {extra[:12]}"
    for i, (a, b) in enumerate(zip(exp, got, strict=False)):
        if a != b:
            return f"order differs at {i}: expected {exp[i : i + 5]} got {got[i : i + 5]}"
    return f"length {len(exp)} vs {len(got)}"
