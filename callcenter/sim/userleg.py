"""Outgoing SIP legs: ``user/<ext>[@domain]`` and ``sofia/internal/<user>@host:port``.

The leg rings the simulated endpoint (a :class:`~callcenter.sim.endpoints.Softphone`), which
answers, stays silent, or rejects (486 / 603) as its ``mode`` says at ring time; the leg
hangs up with NO_ANSWER at ``call_timeout`` (default 60 s) or when killed (CANCEL).
"""

from __future__ import annotations

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
from callcenter.sim.endpoints import SipLeg

if TYPE_CHECKING:
    from callcenter.sim.softphone import Softphone
    from callcenter.sim.switch import Switch

RING_DELAY = 0.018  # INVITE -> 180 Ringing
UPDATE_DELAY = 0.018  # 200 OK -> the originator notices (CALL_UPDATE)
REFUSALS = {"busy": ("USER_BUSY", "486", "Busy Here", "17"),
            "decline": ("CALL_REJECTED", "603", "Decline", "21")}  # fmt: skip


class OriginateError(Exception):
    """The originate failed with a hangup cause (``-ERR <cause>``)."""


class OutgoingSip(SipLeg):
    """sofia's side of an INVITE the switch sent to a simulated endpoint."""

    def __init__(self, phone: Softphone) -> None:
        self.phone = phone
        self.refusal: tuple[str, str, str, str] | None = None

    def on_hangup_vars(self, ch: Channel, cause: str, remote: bool, before_event: bool) -> None:
        """A refused INVITE (486/603) or the usual BYE variables."""
        if self.refusal is not None and remote and not ch.answered:
            if before_event:
                _, status, phrase, q850 = self.refusal
                for name in ("sip_local_network_addr", "sip_reply_host", "sip_reply_port",
                             "sip_network_ip", "sip_network_port"):  # fmt: skip
                    ch.set_var(name, ch.vars.get(name))
                ch.set_var("sip_hangup_disposition", "recv_refuse")
                ch.set_var("sip_invite_failure_status", status)
                ch.set_var("sip_invite_failure_phrase", phrase)
                ch.set_var("sip_term_status", status)
                ch.set_var("proto_specific_hangup_cause", f"sip:{status}")
                ch.set_var("sip_term_cause", q850)
            return
        super().on_hangup_vars(ch, cause, remote, before_event)

    def on_report_vars(self, ch: Channel) -> None:
        """CANCEL of an unanswered INVITE: 487."""
        if not ch.answered and "sip_hangup_disposition" not in ch.vars:
            ch.set_var("sip_hangup_disposition", "send_cancel")
            ch.set_var("sip_invite_failure_status", "487")
            ch.set_var("sip_invite_failure_phrase", "CANCEL")
        super().on_report_vars(ch)


def parse_target(sw: Switch, url: str) -> tuple[str, str, Softphone | None]:
    """``user/1000@dom`` or ``sofia/internal/1000@host:port`` -> (user, domain, endpoint)."""
    if url.startswith("user/"):
        user, _, domain = url[5:].partition("@")
        domain = domain or sw.domain
        if user not in sw.users or domain != sw.domain:
            raise OriginateError("SUBSCRIBER_ABSENT")
        sw.api.execute("sofia_contact", f"*/{user}@{domain}", None)
        sw.api.execute("verto_contact", f"{user}@{domain}", None)
        phone = sw.registrations.get(user)
        if phone is None:
            raise OriginateError("USER_NOT_REGISTERED")
        return user, domain, phone
    rest = url.split("/", 2)[2] if url.count("/") >= 2 else ""
    user, _, hostport = rest.partition("@")
    host, _, port = hostport.partition(":")
    found = None
    for phone in list(sw.softphones.values()):
        if phone.host == host and str(phone.port) == (port or "5060"):
            found = phone
    return user, host, found


def dial_sip(
    sw: Switch,
    url: str,
    variables: dict[str, str],
    a_leg: Channel | None = None,
) -> Channel:
    """Ring a SIP endpoint; returns the answered leg (raises :class:`OriginateError`)."""
    user, domain, phone = parse_target(sw, url)
    via_user = url.startswith("user/")
    if phone is None:
        raise OriginateError("NORMAL_TEMPORARY_FAILURE")
    ch = Channel(sw, f"sofia/internal/{user}@{phone.host}:{phone.port}", "outbound",
                 variables.get("origination_uuid"), hit_dialplan=False)  # fmt: skip
    ch.running_state = CS_NONE
    ch.state = CS_INIT
    leg = OutgoingSip(phone)
    ch.endpoint = leg
    now = sw.clock.now_us()
    ch.times["Channel-Created-Time"] = now
    cid_num, cid_name = _caller_id(variables, a_leg)
    fields = {
        "Direction": "outbound", "Logical-Direction": "outbound",
        "Caller-ID-Name": cid_name, "Caller-ID-Number": cid_num,
        "Orig-Caller-ID-Name": cid_name, "Orig-Caller-ID-Number": cid_num,
        "Callee-ID-Name": "Outbound Call", "Callee-ID-Number": user, "ANI": cid_num,
        "Destination-Number": user, "Unique-ID": ch.uuid, "Source": "src/switch_ivr_originate.c",
        "Context": "default", "Channel-Name": ch.name, "Profile-Index": "1",
    }  # fmt: skip
    if a_leg is not None and a_leg.profile is not None:  # the B leg clones the A leg's profile
        base = dict(a_leg.profile.fields)
        for name in ("Caller-ID-Name", "Caller-ID-Number", "Callee-ID-Name", "Callee-ID-Number",
                     "Destination-Number", "Unique-ID", "Channel-Name", "Profile-Index",
                     "Source", "Context"):  # fmt: skip
            base[name] = fields[name]
        base.pop("Transfer-Source", None)
        base.pop("Orig-Caller-ID-Name", None)
        fields = base
        ch.other = ("originator", _snapshot(a_leg))
    ch.profile = CallerProfile(now)
    ch.profile.fields = {k: v for k, v in fields.items() if v}
    ch.ctx.update(user=user, sip_port=str(phone.port), rtp_port=str(phone.rtp_port),
                  cid_num=cid_num)  # fmt: skip
    timeout = float(variables.get("call_timeout") or variables.get("originate_timeout") or 60)
    outcome = gevent.event.Event()

    def job(c: Channel) -> Any:
        _setup(sw, c, variables, user, domain, via_user, a_leg)
        result = _ring(sw, c, phone, leg, timeout)
        if result != "answered":
            outcome.set()
            return None
        if via_user:
            c.fire("CHANNEL_OUTGOING")
            gevent.sleep(sw.clock.real(UPDATE_DELAY))
            _user_answered(c, variables)
        c.ctx["_answered_ok"] = True  # type: ignore[assignment]
        outcome.set()
        while c.up and "_after_answer" not in c.ctx:
            c.wakeup.clear()
            c.wakeup.wait(0.05)
        return c.ctx.pop("_after_answer", None)

    session.start(ch, job)
    while not outcome.wait(0.5):  # the switch may stop (and kill the session) meanwhile
        if ch.greenlet is None or ch.greenlet.dead:
            break
    if not ch.ctx.get("_answered_ok") or not ch.up:
        raise OriginateError(ch.hangup_cause or "NORMAL_CLEARING")
    return ch


def _snapshot(ch: Channel) -> dict[str, str]:
    from callcenter.sim.bridge import profile_snapshot

    return profile_snapshot(ch)


def _caller_id(variables: dict[str, str], a_leg: Channel | None) -> tuple[str, str]:
    num = variables.get("origination_caller_id_number")
    name = variables.get("origination_caller_id_name")
    if a_leg is not None:
        num = num or a_leg.vars.get("effective_caller_id_number")
        name = name or a_leg.vars.get("effective_caller_id_name")
        prof = a_leg.profile
        if prof is not None:
            num = num or prof.get("Caller-ID-Number")
            name = name or prof.get("Caller-ID-Name")
    return num or "0000000000", name or ""


def _setup(
    sw: Switch,
    ch: Channel,
    variables: dict[str, str],
    user: str,
    domain: str,
    via_user: bool,
    a_leg: Channel | None,
) -> None:
    """CHANNEL_OUTGOING, the INVITE's variables, CS_INIT .. CS_CONSUME_MEDIA."""
    ch.fire("CHANNEL_OUTGOING")
    if a_leg is not None:
        ch.apply_block("sofia_bleg_create")
        for name in ("originator", "signal_bond", "call_uuid", "originating_leg_uuid"):
            ch.vars[name] = a_leg.uuid
        for name, value in variables.items():
            ch.set_var(name, value)
    else:
        ch.apply_block("sofia_out_create")
        for name, value in variables.items():
            ch.set_var(name, value)
        if via_user:
            ch.set_var("dialed_user", user)
            ch.set_var("dialed_domain", domain)
        ch.apply_block("sofia_out_create2")
    ch.vars["session_id"] = sw.next_session_id()
    early = "false" if variables.get("ignore_early_media") == "true" else "true"
    ch.vars["originate_early_media"] = early
    ch.set_running_state(CS_INIT)
    ch.state = CS_ROUTING
    ch.fire("CHANNEL_CREATE")
    ch.fire("CHANNEL_ORIGINATE")
    ch.set_running_state(CS_ROUTING)
    ch.presence("CS_ROUTING", "progressing", session.CHECK_PRESENCE)
    ch.set_running_state(CS_CONSUME_MEDIA)


def _sleep_until(ch: Channel, until: float | None) -> None:
    clock = ch.switch.clock
    while ch.up:
        left = None if until is None else until - clock.now()
        if left is not None and left <= 0:
            return
        ch.wakeup.clear()
        ch.wakeup.wait(None if left is None else clock.real(left))


def _ring(sw: Switch, ch: Channel, phone: Softphone, leg: OutgoingSip, timeout: float) -> str:
    """180 Ringing, then what the phone does: 'answered', or the leg hung up."""
    clock = sw.clock
    deadline = clock.now() + clock.client_timeout(timeout)
    _sleep_until(ch, clock.now() + RING_DELAY)
    if not ch.up:
        return "hangup"
    ch.times["Channel-Progress-Time"] = clock.now_us()
    name = ch.profile.get("Caller-ID-Name") if ch.profile else ""
    if name:
        ch.apply_block("sofia_out_progress", stop="sip_recover_via")
        ch.set_var("sip_from_display", name)
        ch.apply_block("sofia_out_progress", start="sip_full_from")
    else:
        ch.apply_block("sofia_out_progress")
    ch.profile.set("Network-Addr", phone.host)  # type: ignore[union-attr]
    ch.fire("CHANNEL_PROGRESS")
    ch.set_callstate("RINGING")
    mode, after = phone.mode, float(phone.answer_after or 0)  # read at ring time
    act_at = None if mode == "noanswer" else clock.now() + after
    _sleep_until(ch, deadline if act_at is None else min(act_at, deadline))
    if not ch.up:
        return "hangup"
    if act_at is None or act_at > deadline:
        session.hangup(ch, "NO_ANSWER")
        return "hangup"
    if mode in REFUSALS:
        leg.refusal = REFUSALS[mode]
        session.hangup(ch, leg.refusal[0], remote=True)
        return "hangup"
    ch.set_codecs(func="switch_core_session_set_real_read_codec")
    ch.apply_block("sofia_out_answer")
    session.mark_answered(ch)
    phone.calls.append(ch)
    if phone.keep_calls is not None and len(phone.calls) > phone.keep_calls:
        del phone.calls[0]
    if phone.play_audio:
        leg.start_audio(ch)
    if phone.hangup_after is not None:
        gevent.spawn_later(clock.real(float(phone.hangup_after)), _bye, ch)
    return "answered"


def _bye(ch: Channel) -> None:
    if ch.up:
        session.hangup(ch, "NORMAL_CLEARING", remote=True)


def _user_answered(ch: Channel, variables: dict[str, str]) -> None:
    """user/ legs: the originator notices the answer, applies the user's variables again
    (directory, then the dial string's), and flips the caller id."""
    from callcenter.sim.originate import flip_cid

    ch.set_var("endpoint_disposition", "ANSWER")
    ch.apply_block("user_directory")
    for name, value in variables.items():
        ch.set_var(name, value)
    ch.set_var("originate_early_media", ch.vars.get("originate_early_media"))
    ch.set_var("originate_endpoint", "user")
    flip_cid(ch)
