#!/usr/bin/env python3
"""Derive the FreeSWITCH simulator's event templates from the captured ESL traces.

    python scripts/extract_sim_templates.py [--traces DIR] [--out DIR]

Reads tests/fixtures/freeswitch-traces/*.jsonl and writes callcenter/sim/data/:

* ``events.json``: the core header block (host facts), and per event kind and calling
  function: Event-Calling-File / -Line-Number and the event-specific header names that
  come before the channel block (``pre``) and after it (``post``), in wire order; the order
  of the channel, caller-profile and other-leg blocks; which events carry variables.
* ``varblocks.json``: named lists of channel variables (name, value template) that a real
  channel acquires at one point of its life (a sofia INVITE, media negotiation, a 200 OK,
  the user directory, RTP statistics at hangup ...), taken from one captured channel each.
  Values are templates: ``$(uuid)``, ``$(cid_num)``, ``$(now_us)`` ... are filled by the
  simulator from the channel it builds.

Everything else the simulator emits is computed from its channel state.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
from urllib.parse import unquote

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from callcenter.switch.protocol import FrameParser  # noqa: E402

CORE = [
    "Event-Name", "Core-UUID", "FreeSWITCH-Hostname", "FreeSWITCH-Switchname",
    "FreeSWITCH-IPv4", "FreeSWITCH-IPv6", "Event-Date-Local", "Event-Date-GMT",
    "Event-Date-Timestamp", "Event-Calling-File", "Event-Calling-Function",
    "Event-Calling-Line-Number", "Event-Sequence",
]  # fmt: skip

# (block name, trace file, channel name, nth channel of that name, event name, nth such event
#  of the channel, first variable, last variable, {literal: placeholder})
SIP_CALLER = {"13800138000": "cid_num", "5070": "sip_port", "5000": "dest", "6000": "rtp_port"}
SIP_AGENT = {"1000": "user", "5081": "sip_port", "6100": "rtp_port", "13800138000": "cid_num"}
SIP_CUSTOMER = {"13900139000": "user", "5090": "sip_port", "6200": "rtp_port", "1000": "cid_num"}
CALLER = "sofia/internal/13800138000@127.0.0.1:5070"
AGENT = "sofia/internal/1000@127.0.0.1:5081"
CUSTOMER = "sofia/internal/13900139000@127.0.0.1:5090"
BLOCKS = [
    ("sofia_in_create", "S02", CALLER, 0, "CHANNEL_CREATE", 0, "direction", "endpoint_disposition", SIP_CALLER),  # noqa: E501
    ("sofia_in_media", "S02", CALLER, 0, "CHANNEL_PROGRESS_MEDIA", 0, "rtp_use_codec_string", "remote_media_port", SIP_CALLER),  # noqa: E501
    ("sofia_in_local_sdp", "S02", CALLER, 0, "CHANNEL_ANSWER", 0, "rtp_local_sdp_str", "rtp_local_sdp_str", SIP_CALLER),  # noqa: E501
    ("sofia_in_ack", "S02", CALLER, 0, "CHANNEL_EXECUTE", 4, "sip_to_tag", "sip_full_to", SIP_CALLER),  # noqa: E501
    ("broken_ptime", "S03", CALLER, 0, "RECORD_START", 0, "rtp_h_X-Broken-PTIME", "write_rate", SIP_CALLER),  # noqa: E501
    ("rtp_stats", "S02", CALLER, 0, "CHANNEL_HANGUP_COMPLETE", 0, "rtp_audio_in_raw_bytes", "rtp_audio_rtcp_octet_count", SIP_CALLER),  # noqa: E501
    ("sofia_out_create", "S03", AGENT, 0, "CHANNEL_CREATE", 0, "direction", "sip_destination_url", SIP_AGENT),  # noqa: E501
    ("sofia_out_create2", "S03", AGENT, 0, "CHANNEL_CREATE", 0, "sip_invite_domain", "sofia_profile_url", SIP_AGENT),  # noqa: E501
    ("sofia_out_progress", "S03", AGENT, 0, "CHANNEL_PROGRESS", 0, "sip_local_network_addr", "sip_call_id", SIP_AGENT),  # noqa: E501
    ("sofia_out_answer", "S03", AGENT, 0, "CHANNEL_ANSWER", 0, "switch_r_sdp", "remote_media_port", SIP_AGENT),  # noqa: E501
    ("sofia_bleg_create", "S07", CUSTOMER, 0, "CHANNEL_CREATE", 0, "direction", "sofia_profile_url", SIP_CUSTOMER),  # noqa: E501
    ("hold_sdp", "S05a", AGENT, 0, "CHANNEL_HOLD", 0, "rtp_local_sdp_str", "rtp_local_sdp_str", SIP_AGENT),  # noqa: E501
    ("unhold_sdp", "S05a", AGENT, 0, "CHANNEL_UNHOLD", 0, "rtp_use_codec_string", "switch_r_sdp", SIP_AGENT),  # noqa: E501
    ("user_directory", "S03", AGENT, 0, "CALL_UPDATE", 0, "record_stereo", "callgroup", SIP_AGENT),
    ("loopback_a_create", "S01", "loopback/9196-a", 0, "CHANNEL_CREATE", 0, "direction", "loopback_leg", {"9196": "dest"}),  # noqa: E501
    ("loopback_b_create", "S01", "loopback/9196-b", 0, "CHANNEL_CREATE", 0, "direction", "loopback_leg", {"9196": "dest"}),  # noqa: E501
]  # fmt: skip


def load(path: str) -> list[dict]:
    """Records of one trace file; received events get ``ev`` (list of decoded pairs)."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["dir"] == "recv":
                frame = next(FrameParser().feed(rec["raw"].encode()))
                ctype = frame.headers.get("Content-Type")
                if ctype == "text/event-plain":
                    head = frame.body.decode().partition("\n\n")[0]
                    rec["ev"] = [
                        (k, unquote(v)) for k, _, v in (x.partition(": ") for x in head.split("\n"))
                    ]
                elif ctype == "command/reply" and "Event-Name" in frame.headers:
                    rec["ev"] = [(k, unquote(v)) for k, v in frame.headers.items()]
                elif ctype == "text/event-json":
                    rec["ev"] = [(k, v) for k, v in json.loads(frame.body).items() if k != "_body"]
            out.append(rec)
    return out


def segments(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Split an event's header names into core / pre / channel / vars / post."""
    names = [k for k, _ in pairs]
    i = lead_end(names)
    lead = names[:i]
    while i < len(names) and (names[i] in CORE or names[i] == "Event-Subclass"):
        i += 1
    pre = []
    while i < len(names) and names[i] != "Channel-State":
        pre.append(names[i])
        i += 1
    chan = []
    while i < len(names) and (
        names[i].startswith(("Caller-", "Other-Leg-", "Channel-", "Other-Type"))
        or names[i]
        in (
            "Unique-ID",
            "Call-Direction",
            "Presence-Call-Direction",
            "Answer-State",
            "Hangup-Cause",
        )
    ):
        chan.append(names[i])
        i += 1
    nvars = 0
    while i < len(names) and names[i].startswith("variable_"):
        nvars += 1
        i += 1
    post = names[i:]
    return {"lead": lead, "pre": pre, "chan": chan, "nvars": nvars, "post": post}


def lead_end(names: list[str]) -> int:
    """Where the event's own core block starts: a lead (the sendmsg text, or a whole COMMAND
    event of switch_ivr_broadcast) may come before it."""
    starts = [i for i, n in enumerate(names) if n == "Event-Name"]
    if len(starts) > 1:
        i = starts[-1]
        return i - 1 if names[i - 1] == "Event-Subclass" else i
    i = 0
    while i < len(names) and names[i] not in CORE and names[i] != "Event-Subclass":
        i += 1
    return i


def merge(order: list[str], seq: list[str]) -> None:
    """Insert the items of ``seq`` into ``order`` keeping both relative orders where possible."""
    pos = 0
    for x in seq:
        if x in order:
            pos = max(pos, order.index(x) + 1)
        else:
            order.insert(pos, x)
            pos += 1


def topo_order(seqs: list[list[str]]) -> list[str]:
    """One order consistent with every observed sequence (ties: first seen first)."""
    first: dict[str, int] = {}
    after: dict[str, set[str]] = {}
    for seq in seqs:
        for i, x in enumerate(seq):
            first.setdefault(x, len(first))
            after.setdefault(x, set()).update(seq[:i])
    out: list[str] = []
    left = sorted(first, key=first.get)  # type: ignore[arg-type]
    while left:
        ready = [x for x in left if not (after[x] - set(out) - {x})] or left[:1]
        out.append(ready[0])
        left.remove(ready[0])
    return out


def lead_names(pairs: list[tuple[str, str]]) -> list[str]:
    """Header names of a lead event after its core block."""
    return [k for k, _ in pairs]


def event_key(d: dict[str, str]) -> str:
    sub = d.get("Event-Subclass")
    return d["Event-Name"] + ("/" + sub if sub else "")


def build_events(traces: dict[str, list[dict]]) -> dict:
    events: dict[str, dict] = {}
    core: dict[str, str] = {}
    profile_seqs: list[list[str]] = []
    other_names: set[str] = set()
    basic_seqs: list[list[str]] = []
    with_vars: set[str] = set()
    without_vars: set[str] = set()
    for recs in traces.values():
        for rec in recs:
            if "ev" not in rec:
                continue
            pairs = rec["ev"]
            names = [k for k, _ in pairs]
            if names.count("Event-Name") > 1:  # a lead event (COMMAND) of its own
                lead = pairs[: lead_end(names)]
                d = dict(lead)
                entry = events.setdefault(event_key(d), {}).setdefault(
                    d["Event-Calling-Function"],
                    {"file": d["Event-Calling-File"], "line": d["Event-Calling-Line-Number"],
                     "lead": [], "pre": [], "post": [], "count": 0},
                )  # fmt: skip
                entry["count"] += 1
                merge(entry["pre"], [k for k in lead_names(lead) if k not in CORE])
            d = dict(pairs)
            key = event_key(d)
            for name in ("FreeSWITCH-Hostname", "FreeSWITCH-Switchname", "FreeSWITCH-IPv4"):
                core[name] = d[name]
            core["FreeSWITCH-IPv6"] = d["FreeSWITCH-IPv6"]
            seg = segments(pairs)
            func = d["Event-Calling-Function"]
            entry = events.setdefault(key, {}).setdefault(
                func,
                {
                    "file": d["Event-Calling-File"],
                    "line": d["Event-Calling-Line-Number"],
                    "lead": [],
                    "pre": [],
                    "post": [],
                    "count": 0,
                },
            )
            entry["count"] += 1
            merge(entry["lead"], seg["lead"])
            merge(entry["pre"], seg["pre"])
            merge(entry["post"], seg["post"])
            chan = seg["chan"]
            basic_seqs.append([n for n in chan if not n.startswith(("Caller-", "Other-"))])
            profile_seqs.append([n[7:] for n in chan if n.startswith("Caller-")])
            profile_seqs.append([n[10:] for n in chan if n.startswith("Other-Leg-")])
            other_names.update(profile_seqs[-1])
            if chan:
                (with_vars if seg["nvars"] else without_vars).add(key)
    for funcs in events.values():  # most frequent function first: the default
        ordered = dict(sorted(funcs.items(), key=lambda kv: -kv[1]["count"]))
        funcs.clear()
        funcs.update(ordered)
        for entry in funcs.values():
            del entry["count"]
    return {
        "core": core,
        "basic_order": topo_order(basic_seqs),
        "caller_order": topo_order(profile_seqs),
        "other_order": [n for n in topo_order(profile_seqs) if n in other_names],
        "with_vars": sorted(with_vars),
        "events": dict(sorted(events.items())),
    }


UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def templatize(value: str, uuid: str, subs: dict[str, str]) -> str:
    value = value.replace(uuid, "$(uuid)")
    value = UUID_RE.sub("$(random_uuid)", value)
    value = re.sub(r"(?<![0-9])1[0-9]{15}(?![0-9])", "$(now_us)", value)
    value = re.sub(r"(?<![0-9])1[0-9]{9}(?![0-9])", "$(now_s)", value)
    for literal, name in subs.items():
        value = re.sub(rf"(?<![0-9]){re.escape(literal)}(?![0-9])", f"$({name})", value)
    return value


def build_blocks(traces: dict[str, list[dict]]) -> dict:
    blocks = {}
    for name, sid, chan, nth_chan, ev_name, nth_ev, first, last, subs in BLOCKS:
        recs = [r for f, rs in traces.items() if f.startswith(sid + "-inbound.") for r in rs]
        uuids: list[str] = []
        for r in recs:
            if "ev" in r:
                d = dict(r["ev"])
                if d.get("Channel-Name") == chan and d.get("Unique-ID") not in uuids:
                    uuids.append(d["Unique-ID"])
        uuid = uuids[nth_chan]
        evs = [
            r["ev"]
            for r in recs
            if "ev" in r
            and dict(r["ev"]).get("Unique-ID") == uuid
            and dict(r["ev"])["Event-Name"] == ev_name
        ]
        pairs = [(k[9:], v) for k, v in evs[nth_ev] if k.startswith("variable_")]
        names = [k for k, _ in pairs]
        lo, hi = names.index(first), names.index(last)
        blocks[name] = [[k, templatize(v, uuid, subs)] for k, v in pairs[lo : hi + 1]]
    return blocks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traces", default=os.path.join(ROOT, "tests/fixtures/freeswitch-traces"))
    ap.add_argument("--out", default=os.path.join(ROOT, "callcenter/sim/data"))
    args = ap.parse_args(argv)
    traces = {
        os.path.basename(p): load(p)
        for p in sorted(glob.glob(os.path.join(args.traces, "*.jsonl")))
    }
    os.makedirs(args.out, exist_ok=True)
    for fname, data in (
        ("events.json", build_events(traces)),
        ("varblocks.json", build_blocks(traces)),
    ):
        path = os.path.join(args.out, fname)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        print(f"{path}: {os.path.getsize(path)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
