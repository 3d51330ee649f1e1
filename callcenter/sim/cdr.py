"""switch_channel_set_timestamps: the CDR variables a channel gets at CHANNEL_HANGUP_COMPLETE."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from callcenter.sim.channel import Q850

if TYPE_CHECKING:
    from callcenter.sim.channel import Channel


def _stamp(us: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(us / 1e6))


def set_timestamps(ch: Channel) -> None:
    """switch_channel_set_timestamps: the CDR variables of CHANNEL_HANGUP_COMPLETE."""
    from callcenter.sim.hold import hold_vars

    t = ch.times
    created = t["Channel-Created-Time"]
    prof_created = ch.profile.created_us if ch.profile else created
    answered = t["Channel-Answered-Time"]
    bridged = t["Channel-Bridged-Time"]
    progress = t["Channel-Progress-Time"]
    media = t["Channel-Progress-Media-Time"]
    end = t["Channel-Hangup-Time"] or ch.switch.clock.now_us()
    hold = t["Channel-Hold-Accum"]
    sv = ch.set_var
    sv("hangup_cause", ch.hangup_cause)
    sv("hangup_cause_q850", Q850.get(ch.hangup_cause or "", "16"))
    sv("digits_dialed", ch.ctx.get("digits_dialed", "none"))
    sv("start_stamp", _stamp(created))
    sv("profile_start_stamp", _stamp(prof_created))
    if answered:
        sv("answer_stamp", _stamp(answered))
    if bridged:
        sv("bridge_stamp", _stamp(bridged))
    if t["Channel-Last-Hold"]:
        sv("hold_stamp", _stamp(t["Channel-Last-Hold"]))
    if progress:
        sv("progress_stamp", _stamp(progress))
    if media:
        sv("progress_media_stamp", _stamp(media))
    for name, value in hold_vars(ch):
        sv(name, value)
    sv("end_stamp", _stamp(end))
    for name, us in (
        ("start", created),
        ("profile_start", prof_created),
        ("answer", answered),
        ("bridge", bridged),
        ("last_hold", t["Channel-Last-Hold"]),
    ):
        sv(f"{name}_epoch", str(us // 1_000_000))
        sv(f"{name}_uepoch", str(us))
    sv("hold_accum_seconds", str(hold // 1_000_000))
    sv("hold_accum_usec", str(hold))
    sv("hold_accum_ms", str(hold // 1000))
    for name, us in (
        ("resurrect", t["Channel-Resurrect-Time"]),
        ("progress", progress),
        ("progress_media", media),
        ("end", end),
    ):
        sv(f"{name}_epoch", str(us // 1_000_000))
        sv(f"{name}_uepoch", str(us))
    if ch.last_app:
        sv("last_app", ch.last_app[0])
        if ch.last_app[1]:
            sv("last_arg", ch.last_app[1])
    prof = ch.profile
    name = prof.get("Caller-ID-Name") if prof else ""
    num = prof.get("Caller-ID-Number") if prof else ""
    sv("caller_id", f'"{name}" <{num}>')
    ans_or_end = answered or end
    durations = {
        "duration": end - created,
        "billsec": (end - answered) if answered else 0,
        "progresssec": (progress - created) if progress else 0,
        "answersec": (answered - created) if answered else 0,
        "waitsec": (bridged - created) if bridged else (ans_or_end - created if answered else 0),
        "progress_mediasec": (media - created) if media else 0,
        "flow_billsec": end - created,
    }
    keys = list(durations)
    for unit, div, first in (
        ("sec", 1_000_000, "duration"),
        ("msec", 1000, "mduration"),
        ("usec", 1, "uduration"),
    ):
        for key in keys:
            name = first if key == "duration" else key[:-3] + unit
            sv(name, str(max(durations[key], 0) // div))
