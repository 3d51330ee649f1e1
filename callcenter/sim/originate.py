"""originate (api and &app), the bridge app, and the outgoing legs (loopback/, user/, sofia/)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import gevent

from callcenter.sim import session
from callcenter.sim.channel import (
    CS_CONSUME_MEDIA,
    CS_INIT,
    CS_NONE,
    CS_ROUTING,
    CallerProfile,
    Channel,
)
from callcenter.sim.userleg import OriginateError, dial_sip

if TYPE_CHECKING:
    from callcenter.sim.switch import Switch

L16 = ("L16", "8000", "128000")


def parse_vars(text: str) -> tuple[dict[str, str], str]:
    """``{a=1,b='x y'}rest`` -> ({a: 1, b: x y}, rest)."""
    out: dict[str, str] = {}
    text = text.strip()
    while text.startswith(("{", "[", "<")):
        close = {"{": "}", "[": "]", "<": ">"}[text[0]]
        end = text.find(close)
        if end < 0:
            break
        for item in re.findall(r"(?:[^,']|'[^']*')+", text[1:end]):
            name, _, value = item.partition("=")
            out[name.strip()] = value.strip().strip("'")
        text = text[end + 1 :].strip()
    return out, text


def split_dial(arg: str) -> tuple[str, str]:
    """The dial string and the rest: spaces inside ``{...}`` / ``'...'`` do not split."""
    text = arg.strip()
    depth, quote = 0, False
    for i, c in enumerate(text):
        if c == "'":
            quote = not quote
        elif quote:
            continue
        elif c in "{[<":
            depth += 1
        elif c in "}]>":
            depth = max(depth - 1, 0)
        elif c.isspace() and depth == 0:
            return text[:i], text[i:].strip()
    return text, ""


def originate_api(sw: Switch, arg: str) -> str:
    """``originate <dial string> <&app(args)|exten> [dialplan] [context] ...``."""
    dial, rest = split_dial(arg)
    if not dial or not rest.strip():
        return (
            "-USAGE <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] "
            "[<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n"
        )
    target = rest.strip().split()
    try:
        leg = dial_leg(sw, dial)
    except OriginateError as exc:
        return f"-ERR {exc}\n"
    app = target[0]
    m = re.match(r"&(\w+)\((.*)\)$", rest.strip()) or re.match(r"&(\w+)\s*(.*)$", rest.strip())
    if m:
        job = _app_job(m.group(1), m.group(2))
    else:
        job = _exten_job(app)
    leg.ctx["_after_answer"] = job  # type: ignore[assignment]
    leg.wakeup.set()
    return f"+OK {leg.uuid}\n"


def _app_job(app: str, arg: str):  # noqa: ANN202
    def job(ch: Channel) -> None:
        session.enter_execute(ch)
        session.execute(ch, app, arg)

    return job


def _exten_job(exten: str):  # noqa: ANN202
    def job(ch: Channel) -> Any:
        session.enter_execute(ch)
        apps = ch.switch.route(ch, exten)
        return session.run_extension(ch, apps or [])

    return job


def dial_leg(sw: Switch, dial: str, a_leg: Channel | None = None) -> Channel:
    """Create the outgoing leg and wait until it answers (raises OriginateError)."""
    variables, url = parse_vars(dial)
    if url.startswith("loopback/"):
        return _loopback(sw, url, variables)
    if url.startswith(("user/", "sofia/")):
        return dial_sip(sw, url, variables, a_leg)
    raise OriginateError("CHAN_NOT_IMPLEMENTED")


def _outgoing(sw: Switch, name: str, uuid: str | None) -> Channel:
    ch = Channel(sw, name, "outbound", uuid, hit_dialplan=False)
    ch.running_state = CS_NONE
    ch.state = CS_INIT
    return ch


def _loopback(sw: Switch, url: str, variables: dict[str, str]) -> Channel:
    parts = url.split("/")
    exten = parts[1] if len(parts) > 1 else ""
    context = parts[2] if len(parts) > 2 else "default"
    wanted = variables.get("origination_uuid")
    a = _outgoing(sw, f"loopback/{exten}-a", None)
    b = Channel(sw, f"loopback/{exten}-b", "inbound")
    now = sw.clock.now_us()
    for ch, direction in ((a, "outbound"), (b, "inbound")):
        ch.read_codec = ch.write_codec = L16
        ch.times["Channel-Created-Time"] = now
        ch.profile = CallerProfile(now, Direction=direction, Dialplan="xml", **{
            "Logical-Direction": direction, "Caller-ID-Number": "0000000000",
            "Orig-Caller-ID-Number": "0000000000", "Callee-ID-Name": "Outbound Call",
            "Callee-ID-Number": context, "ANI": "0000000000", "Destination-Number": exten,
            "Unique-ID": ch.uuid, "Source": "mod_loopback", "Context": context,
            "Channel-Name": ch.name, "Profile-Index": "1"})  # fmt: skip
    if wanted:
        old = a.uuid
        a.uuid = wanted
        a.profile.set("Unique-ID", wanted)  # type: ignore[union-attr]
    b.profile.set("Unique-ID", b.uuid)  # type: ignore[union-attr]
    ctx = {"dest": exten}
    blocks = {a: "loopback_a_create", b: "loopback_b_create"}
    answered = gevent.event.Event()

    def a_job(ch: Channel) -> Any:
        sid = sw.next_session_id()
        ch.apply_block(blocks[ch], stop="call_uuid", **ctx)
        _fix_loopback_vars(ch, other=b, session_id=sid)
        if wanted:
            ch.fire("CHANNEL_UUID", pre={"Old-Unique-ID": old})
        ch.apply_block(blocks[ch], start="origination_uuid", **ctx)
        _fix_loopback_vars(ch, other=b, session_id=sid)
        ch.fire("CHANNEL_OUTGOING")
        ch.set_running_state(CS_INIT)
        ch.state = CS_ROUTING
        ch.fire("CHANNEL_CREATE")
        ch.fire("CHANNEL_ORIGINATE")
        ch.set_running_state(CS_ROUTING)
        ch.set_running_state(CS_CONSUME_MEDIA)
        session.start(b, b_job)
        while ch.up and not b.answered:
            ch.wait(0.05)
        if not ch.up:
            return None
        session.mark_answered(ch)
        ch.set_var("endpoint_disposition", "ANSWER")
        flip_cid(ch)
        answered.set()
        while ch.up and "_after_answer" not in ch.ctx:
            ch.wait(0.05)
        return ch.ctx.pop("_after_answer", None)

    def b_job(ch: Channel) -> Any:
        ch.apply_block(blocks[ch], **ctx)
        _fix_loopback_vars(ch, other=a, session_id=sw.next_session_id())
        ch.set_running_state(CS_INIT)
        ch.state = CS_ROUTING
        ch.fire("CHANNEL_CREATE")
        ch.running_state = CS_ROUTING
        ch.set_callstate("RINGING")
        ch.fire("CHANNEL_STATE")
        session.enter_execute(ch)
        apps = sw.route(ch, exten) or []
        return session.run_extension(ch, apps)

    a.ctx["_loopback_peer"] = b  # type: ignore[assignment]
    b.ctx["_loopback_peer"] = a  # type: ignore[assignment]
    b.endpoint = LoopbackLeg()
    a.endpoint = LoopbackLeg()
    session.start(a, a_job)
    while a.up and not answered.is_set():
        answered.wait(0.05)
    if not answered.is_set():
        raise OriginateError(a.hangup_cause or "NORMAL_CLEARING")
    return a


def _fix_loopback_vars(ch: Channel, other: Channel, session_id: str) -> None:
    for name, value in (("uuid", ch.uuid), ("call_uuid", ch.uuid), ("session_id", session_id),
                        ("other_loopback_leg_uuid", other.uuid), ("origination_uuid", ch.uuid),
                        ("channel_name", ch.name)):  # fmt: skip
        if name in ch.vars:
            ch.vars[name] = value


def flip_cid(ch: Channel) -> None:
    """switch_channel_flip_cid: the answered outgoing leg swaps caller and callee id."""
    prof = ch.profile
    assert prof is not None
    name, num = prof.get("Caller-ID-Name"), prof.get("Caller-ID-Number")
    if name:
        ch.set_var("pre_transfer_caller_id_name", name)
    if num:
        ch.set_var("pre_transfer_caller_id_number", num)
    prof.set("Caller-ID-Name", prof.get("Callee-ID-Name") or None)
    prof.set("Caller-ID-Number", prof.get("Callee-ID-Number") or None)
    prof.set("Callee-ID-Name", name or None)
    prof.set("Callee-ID-Number", num or None)
    ch.set_var("channel_cid_flipped", "yes")
    ch.hit_dialplan = True
    ch.fire("CALL_UPDATE", func="switch_channel_flip_cid", pre={"Direction": "RECV"})


class LoopbackLeg:
    """A loopback leg: hanging up one side hangs up the other; answering is instant."""

    def on_answer_media(self, ch: Channel) -> None:
        session.mark_answered(ch)
        ch.set_var("endpoint_disposition", "ANSWER")

    def on_hangup_vars(self, ch: Channel, cause: str, remote: bool, before_event: bool) -> None:
        if before_event:
            return
        peer = ch.ctx.get("_loopback_peer")
        if peer is not None and peer.up:
            gevent.spawn_later(ch.switch.clock.real(0.02), session.hangup, peer, cause)

    def on_report_vars(self, ch: Channel) -> None:
        ch.set_var("is_loopback", "1")


def bridge_app(a: Channel, arg: str) -> None:
    """The bridge application: dial ``arg`` (user/, sofia/, loopback/) and bridge A to it."""
    from callcenter.sim import bridge

    variables, url = parse_vars(arg)
    a.set_callstate("RING_WAIT")
    try:
        b = dial_leg(a.switch, arg, a_leg=a)
    except OriginateError as exc:
        cause = str(exc)
        a.set_var("originate_disposition", cause)
        a.set_var("DIALSTATUS", cause)
        a.set_var("originate_causes", cause)
        if a.up:
            a.set_callstate("ACTIVE")
        return
    a_prof, b_prof = a.profile, b.profile
    assert a_prof is not None and b_prof is not None
    a_prof.set("Callee-ID-Name", b_prof.get("Callee-ID-Name") or None)
    a_prof.set("Callee-ID-Number", b_prof.get("Callee-ID-Number") or None)
    a.other = ("originatee", bridge.profile_snapshot(b))
    a.sleep(0.02)
    a.set_callstate("ACTIVE")
    name, num = b_prof.get("Callee-ID-Name"), b_prof.get("Callee-ID-Number")
    a.set_var("originated_legs", f"{b.uuid};{name};{num}")
    a.set_var("switch_m_sdp", b.vars.get("switch_r_sdp"))
    a.set_var("video_media_flow", "inactive")
    a.set_var("text_media_flow", "inactive")
    a.set_var("audio_media_flow", a.vars.get("audio_media_flow"))
    a.set_var("originate_disposition", "SUCCESS")
    a.set_var("DIALSTATUS", "SUCCESS")
    a.set_var("originate_causes", f"{b.uuid};NONE")
    a.set_var("signal_bond", b.uuid)
    bridge.link(a, b, "bridge")
    a.fire("CHANNEL_BRIDGE", func="switch_ivr_multi_threaded_bridge",
           pre={"Bridge-A-Unique-ID": a.uuid, "Bridge-B-Unique-ID": b.uuid})  # fmt: skip
    b.ctx["_after_answer"] = lambda ch: _b_side(ch, a)  # type: ignore[assignment]
    b.wakeup.set()
    a.sleep(0.02)
    if a.up and b.up:
        bridge.call_update(a, b)
    while a.up and b.up and b.partner is a and not a.switch_requested():
        bridge.serve_messages(a)
        a.wakeup.clear()
        if not a.inbox:
            a.wakeup.wait(0.05)
    bridge.unbridge(a, b)
    if a.up and not a.switch_requested() and bridge.parks_after_bridge(a):
        session.leave(a, bridge.park_session)  # the rest of the extension does not run


def _b_side(b: Channel, a: Channel) -> Any:
    from callcenter.sim import bridge
    from callcenter.sim.channel import CS_EXCHANGE_MEDIA

    b.set_running_state(CS_EXCHANGE_MEDIA)
    b.set_var("endpoint_disposition", "ANSWER")
    if a.up:
        bridge.call_update(b, a, set_call_uuid=True)
    return bridge.bridge_loop(b, a, originator=False)
