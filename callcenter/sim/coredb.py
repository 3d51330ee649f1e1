"""``show channels|calls|registrations [as json]``: FreeSWITCH's core DB views."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from callcenter.sim.channel import Channel
    from callcenter.sim.switch import Switch

CHANNEL_COLUMNS = [
    "uuid", "direction", "created", "created_epoch", "name", "state", "cid_name", "cid_num",
    "ip_addr", "dest", "application", "application_data", "dialplan", "context", "read_codec",
    "read_rate", "read_bit_rate", "write_codec", "write_rate", "write_bit_rate", "secure",
    "hostname", "presence_id", "presence_data", "accountcode", "callstate", "callee_name",
    "callee_num", "callee_direction", "call_uuid", "sent_callee_name", "sent_callee_num",
    "initial_cid_name", "initial_cid_num", "initial_ip_addr", "initial_dest",
    "initial_dialplan", "initial_context",
]  # fmt: skip
CALL_COLUMNS = [
    "uuid", "direction", "created", "created_epoch", "name", "state", "cid_name", "cid_num",
    "ip_addr", "dest", "presence_id", "presence_data", "accountcode", "callstate",
    "callee_name", "callee_num", "callee_direction", "call_uuid", "hostname",
    "sent_callee_name", "sent_callee_num",
]  # fmt: skip
B_COLUMNS = [
    "uuid", "direction", "created", "created_epoch", "name", "state", "cid_name", "cid_num",
    "ip_addr", "dest", "presence_id", "presence_data", "accountcode", "callstate",
    "callee_name", "callee_num", "callee_direction", "sent_callee_name", "sent_callee_num",
]  # fmt: skip


def channel_row(ch: Channel) -> dict[str, str]:
    """One row of the channels table."""
    from callcenter.sim.events import STATE_NAMES

    prof = ch.profile
    get = prof.get if prof else (lambda _n: "")
    created = ch.times["Channel-Created-Time"] / 1e6
    read = ch.read_codec or ("", "", "")
    write = ch.write_codec or ("", "", "")
    row = {
        "uuid": ch.uuid, "direction": ch.direction,
        "created": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(created)),
        "created_epoch": str(int(created)), "name": ch.name,
        "state": STATE_NAMES[ch.running_state], "cid_name": get("Caller-ID-Name"),
        "cid_num": get("Caller-ID-Number"), "ip_addr": get("Network-Addr"),
        "dest": get("Destination-Number"), "application": ch.vars.get("current_application", ""),
        "application_data": ch.vars.get("current_application_data", ""),
        "dialplan": get("Dialplan"), "context": get("Context"), "read_codec": read[0],
        "read_rate": read[1], "read_bit_rate": read[2], "write_codec": write[0],
        "write_rate": write[1], "write_bit_rate": write[2], "secure": "", "hostname": "vm",
        "presence_id": ch.vars.get("presence_id", ""), "presence_data": "",
        "accountcode": ch.vars.get("accountcode", ""), "callstate": ch.callstate,
        "callee_name": get("Callee-ID-Name"), "callee_num": get("Callee-ID-Number"),
        "callee_direction": ch.ctx.get("callee_direction", ""),
        "call_uuid": ch.vars.get("call_uuid", "") if ch.partner else "",
        "sent_callee_name": ch.vars.get("last_sent_callee_id_name", ""),
        "sent_callee_num": ch.vars.get("last_sent_callee_id_number", ""),
        "initial_cid_name": get("Orig-Caller-ID-Name") or get("Caller-ID-Name"),
        "initial_cid_num": get("Orig-Caller-ID-Number") or get("Caller-ID-Number"),
        "initial_ip_addr": get("Network-Addr"), "initial_dest": get("Destination-Number"),
        "initial_dialplan": get("Dialplan"), "initial_context": get("Context"),
    }  # fmt: skip
    return row


DB_LAG = 1.0  # the core DB is written asynchronously: bridges show up about 1 s later


def _db_partner(sw: Switch, ch: Channel) -> Channel | None:
    """The bridged partner as the core DB knows it (once the bridge is DB_LAG old)."""
    b = ch.partner
    if b is None or not b.up:
        return None
    since = sw.clock.now_us() - ch.times["Channel-Bridged-Time"]
    return b if since >= DB_LAG * 1_000_000 else None


def show(sw: Switch, arg: str) -> str:
    """The ``show`` api."""
    words = arg.split()
    as_json = len(words) >= 3 and words[-2] == "as" and words[-1] == "json"
    what = words[0] if words else ""
    # the live ones first: sw.channels keeps every channel of the run (thousands at scale)
    live = [c for c in sw.channels.values() if c.up]
    chans = sorted(live, key=lambda c: c.times["Channel-Created-Time"])
    rows: list[dict[str, str]]
    if what == "channels":
        rows = [channel_row(c) for c in chans]
    elif what == "calls":
        rows = []
        seen: set[str] = set()
        for c in chans:
            if c.uuid in seen:
                continue
            row = {k: channel_row(c)[k] for k in CALL_COLUMNS}
            b = _db_partner(sw, c)
            brow = channel_row(b) if b is not None else {}
            for k in B_COLUMNS:
                row["b_" + k] = brow.get(k, "")
            row["call_created_epoch"] = str(int(c.times["Channel-Bridged-Time"] / 1e6)) if b else ""
            seen.add(c.uuid)
            if b is not None:
                seen.add(b.uuid)
            rows.append(row)
    elif what == "registrations":
        rows = [
            {"reg_user": u, "realm": sw.domain, "token": p.call_id,
             "url": f"sofia/internal/sip:{u}@{p.host}:{p.port}",
             "expires": str(getattr(p, "expires_at", 0)), "network_ip": p.host,
             "network_port": str(p.port), "network_proto": "udp", "hostname": "vm",
             "metadata": ""}
            for u, p in sorted(sw.registrations.items())
        ]  # fmt: skip
    else:
        return (
            "-USAGE: codec|endpoint|application|api|dialplan|file|timer|calls [count]|"
            "channels [count|like <match string>]|calls|detailed_calls|bridged_calls|"
            "detailed_bridged_calls|aliases|complete|chat|management|modules|nat_map|say|"
            "interfaces|interface_types|tasks|limits|status\n"
        )
    if not as_json:
        if not rows:
            return "\n0 total.\n"
        head = ",".join(rows[0])
        lines = [",".join(r.values()) for r in rows]
        return "\n".join([head, *lines]) + f"\n\n{len(rows)} total.\n"
    if not rows:
        return '{"row_count": 0}\n'
    return json.dumps({"row_count": len(rows), "rows": rows}, separators=(",", ":"))
