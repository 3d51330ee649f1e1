"""Bridging two legs: uuid_bridge and the bridge app's loop, unbridge, hold, transfer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gevent

from callcenter.sim import session
from callcenter.sim.channel import (
    CS_CONSUME_MEDIA,
    CS_EXCHANGE_MEDIA,
    CS_EXECUTE,
    CS_HIBERNATE,
    CS_PARK,
    CS_RESET,
    CS_SOFT_EXECUTE,
    FRAME,
    Channel,
    new_uuid,
)
from callcenter.sim.events import TIME_FIELDS
from callcenter.sim.numbers import ascii_int

if TYPE_CHECKING:
    pass

STATE_STEP = 0.02  # the session thread picks up a new state on its next loop
TRUE_WORDS = ("yes", "on", "true", "t", "enabled", "enable", "allow", "active")  # switch_true
RESET_TIMES = ("Channel-Transfer-Time", "Channel-Resurrect-Time", "Channel-Bridged-Time",
               "Channel-Last-Hold", "Channel-Hold-Accum")  # fmt: skip


def profile_snapshot(ch: Channel, *, zero_times: bool = False) -> dict[str, str]:
    """The Other-Leg-* view of a channel's caller profile."""
    assert ch.profile is not None
    values = ch.profile.values(ch)
    values["Logical-Direction"] = "inbound"
    if zero_times:
        values["Profile-Created-Time"] = "0"
        for name in TIME_FIELDS:
            values[name] = "0"
    return values


def step_profile(ch: Channel, source: str) -> None:
    """switch_channel_step_caller_profile: a new profile (next index, Transfer-Source)."""
    prof = ch.profile
    assert prof is not None
    new = prof.clone(ch.switch.clock.now_us())
    new.set("Profile-Index", str(int(prof.get("Profile-Index") or "1") + 1))
    new.set("Transfer-Source", source)
    ch.profile = new
    for name in RESET_TIMES:  # switch_channel_set_caller_profile keeps only these
        ch.times[name] = 0


def sent_callee(ch: Channel, peer: Channel) -> tuple[str, str]:
    """What the leg is told it talks to (send_display in switch_ivr_bridge.c)."""
    own, other = ch.profile, peer.profile
    assert own is not None and other is not None
    if ch.direction == "outbound" and not ch.hit_dialplan:
        return own.get("Caller-ID-Name"), own.get("Caller-ID-Number")
    name = other.get("Callee-ID-Name") or other.get("Caller-ID-Name")
    num = other.get("Callee-ID-Number") or other.get("Caller-ID-Number")
    return name, num


def call_update(ch: Channel, peer: Channel, *, set_call_uuid: bool = False) -> None:
    """CALL_UPDATE (SEND) as sofia tells the endpoint who it is bridged to."""
    if set_call_uuid:
        ch.set_var("call_uuid", peer.uuid)
    ch.set_var("bridge_to", peer.uuid)
    ch.set_var("last_bridge_to", peer.uuid)
    ch.set_var("bridge_channel", peer.name)
    ch.set_var("bridge_uuid", peer.uuid)
    if ch.ctx.get("_bridge_role") == "originator" or "signal_bond" in ch.vars:
        ch.set_var("signal_bond", peer.uuid)
    name, num = sent_callee(ch, peer)
    ch.set_var("last_sent_callee_id_name", name)
    ch.set_var("last_sent_callee_id_number", num)
    ch.fire(
        "CALL_UPDATE",
        func="sofia_receive_message",
        pre={"Direction": "SEND", "Sent-Callee-ID-Name": name, "Sent-Callee-ID-Number": num,
             "Bridged-To": peer.uuid},
    )  # fmt: skip


def link(a: Channel, b: Channel, kind: str) -> None:
    """Mark the two legs as bridged (A = originator)."""
    now = a.switch.clock.now_us()
    a.partner, b.partner = b, a
    a.ctx.pop("_transferred", None)
    b.ctx.pop("_transferred", None)
    a.bridge_kind = b.bridge_kind = kind
    a.times["Channel-Bridged-Time"] = now
    b.times["Channel-Bridged-Time"] = now
    a.ctx["_bridge_role"] = "originator"  # type: ignore[assignment]
    b.ctx["_bridge_role"] = "originatee"  # type: ignore[assignment]


# -- uuid_bridge ----------------------------------------------------------------------------
def uuid_bridge(a: Channel, b: Channel) -> None:
    """switch_ivr_uuid_bridge: both legs leave what they run; A bridges to B in CS_SOFT_EXECUTE."""
    now_s = int(a.switch.clock.now())
    a.set_var("uuid_bridge", b.uuid)
    a_prof, b_prof = a.profile, b.profile
    assert a_prof is not None and b_prof is not None
    for leg in (b, a):
        prof = leg.profile
        assert prof is not None
        leg.set_var("original_destination_number", prof.get("Destination-Number"))
        leg.set_var("original_caller_id_name", prof.get("Caller-ID-Name"))
        leg.set_var("original_caller_id_number", prof.get("Caller-ID-Number"))
    for leg, other in ((a, b), (b, a)):
        hist = f"{now_s}:{new_uuid()}:uuid_br:{other.uuid}"
        leg.ctx["_transfer"] = hist  # type: ignore[assignment]
        step_profile(leg, hist)
    b.other = ("originator", profile_snapshot(a, zero_times=True))
    a.other = ("originatee", profile_snapshot(b))
    a_new, b_new = a.profile, b.profile
    assert a_new is not None and b_new is not None
    a_new.set("Callee-ID-Name", b_new.get("Callee-ID-Name") or None)
    a_new.set("Callee-ID-Number", b_new.get("Callee-ID-Number") or None)
    b_new.set("Caller-ID-Name", a_new.get("Caller-ID-Name") or None)
    b_new.set("Caller-ID-Number", a_new.get("Caller-ID-Number") or None)
    b.hit_dialplan = False
    for leg, other in ((a, b), (b, a)):
        _bridge_vars(leg, other)
    for leg, other in ((a, b), (b, a)):
        old = leg.partner
        if old is not None and old is not other:
            leg.ctx["_unbridge_new"] = other  # type: ignore[assignment]
    # An A leg that leaves a bridge is already in CS_SOFT_EXECUTE (no CS_HIBERNATE); its bridge
    # thread then bridges before B's own state machine reaches CS_CONSUME_MEDIA.
    rebridge = a.partner is not None and a.running_state == CS_SOFT_EXECUTE
    b.ctx["_fast_bridge"] = rebridge  # type: ignore[assignment]
    session.leave(a, lambda ch: _soft_execute(ch, b, originator=True, hibernate=not rebridge))
    session.leave(b, lambda ch: _soft_execute(ch, a, originator=False))


def _bridge_vars(leg: Channel, other: Channel) -> None:
    hist = str(leg.ctx.get("_transfer", ""))
    leg.set_var("bridge_channel", other.name)
    leg.set_var("bridge_uuid", other.uuid)
    leg.set_var("signal_bond", other.uuid)
    orig = {n: leg.vars.pop(n, None) for n in ("original_destination_number",
            "original_caller_id_name", "original_caller_id_number")}  # fmt: skip
    for name, value in orig.items():
        leg.set_var(name, value)
    push_transfer_history(leg, hist)
    leg.set_var("transfer_source", hist)


def push_transfer_history(ch: Channel, entry: str) -> None:
    """transfer_history: set once, then an ``ARRAY::a|:b`` that grows in place."""
    history = ch.vars.get("transfer_history")
    if history:
        head = history if history.startswith("ARRAY::") else "ARRAY::" + history
        ch.vars["transfer_history"] = f"{head}|:{entry}"
    else:
        ch.set_var("transfer_history", entry)


def _soft_execute(ch: Channel, peer: Channel, *, originator: bool, hibernate: bool = True) -> Any:
    """CS_HIBERNATE, CS_RESET, CS_SOFT_EXECUTE, then the bridge (uuid_bridge_on_soft_execute)."""
    if hibernate:
        ch.set_running_state(CS_HIBERNATE)
    ch.set_running_state(CS_RESET)
    ch.sleep(STATE_STEP)
    if not ch.up:
        return None
    ch.set_running_state(CS_SOFT_EXECUTE)
    ch.sleep(STATE_STEP)
    ch.set_var("uuid_bridge", None)
    if not originator:
        ch.set_var("call_uuid", ch.vars.get("call_uuid"))
    ch.fire("CHANNEL_EXECUTE", func="uuid_bridge_on_soft_execute",
            post={"Application": "uuid_bridge", "Application-Data": peer.uuid})  # fmt: skip
    if originator:
        if not (ch.up and peer.up):
            return _after_partner_left(ch)
        link(ch, peer, "uuid_bridge")
        ch.fire("CHANNEL_BRIDGE", func="switch_ivr_multi_threaded_bridge",
                pre={"Bridge-A-Unique-ID": ch.uuid, "Bridge-B-Unique-ID": peer.uuid})  # fmt: skip
        peer.ctx["_bridged"] = True  # type: ignore[assignment]
        peer.wakeup.set()
        ch.sleep(0.001)
        call_update(ch, peer)
        return bridge_loop(ch, peer, originator=True)
    while ch.up and peer.up and not ch.ctx.pop("_bridged", None):
        ch.wakeup.clear()
        ch.wakeup.wait(0.05)
    if not ch.up:
        return None
    if not ch.ctx.pop("_fast_bridge", None):
        ch.set_running_state(CS_CONSUME_MEDIA)
    ch.set_running_state(CS_EXCHANGE_MEDIA)
    call_update(ch, peer, set_call_uuid=True)
    return bridge_loop(ch, peer, originator=False)


def serve_messages(ch: Channel) -> None:
    """Run what was queued for a bridged leg (broadcasts, sendmsg), as the bridge loop does."""
    while ch.inbox and ch.up and not ch.switch_requested():
        session.run_message(ch, ch.inbox.popleft())


def bridge_loop(ch: Channel, peer: Channel, *, originator: bool) -> Any:
    """Media flows until a leg hangs up or is taken elsewhere; then the A side unbridges."""
    while ch.up and peer.up and peer.partner is ch and not ch.switch_requested():
        serve_messages(ch)
        ch.wakeup.clear()
        if ch.inbox:
            continue
        ch.wakeup.wait(0.05)
    if not originator:
        ch.set_var("bridge_to", None)
        if not peer.up:  # the A side's bridge thread unbridges and hangs B up (S11)
            _await_unbridge(ch, peer)
        if ch.up and not ch.switch_requested():
            if parks_after_bridge(ch):
                return park_session
            session.hangup(ch, "NORMAL_CLEARING")  # a uuid_bridge'd leg follows its partner
        return None
    unbridge(ch, peer)
    if ch.switch_requested() or not ch.up:
        return None
    return _after_partner_left(ch)


def _await_unbridge(ch: Channel, peer: Channel) -> None:
    """A B leg whose A leg hung up waits (polling its state each frame) for A's bridge thread.
    A hangup meanwhile (S11: uuid_kill of the agent) is seen by its own thread first: its
    CHANNEL_STATE CS_HANGUP comes before the CHANNEL_HANGUP of the hanging-up thread."""
    deadline = ch.switch.clock.now() + 4 * FRAME
    ch.ctx["_polls_state"] = True  # type: ignore[assignment]
    while (ch.up and ch.partner is peer and not ch.switch_requested()
           and ch.switch.clock.now() < deadline):  # fmt: skip
        ch.wakeup.clear()
        ch.wakeup.wait(ch.switch.clock.real(FRAME))
    ch.ctx.pop("_polls_state", None)


def _join_b_side(a: Channel, b: Channel) -> None:
    """A hung up: its bridge thread notices at its next frame; a B leg hung up meanwhile (S11:
    the agent's own uuid_kill) is joined - A's CHANNEL_UNBRIDGE follows B's HANGUP_COMPLETE."""
    clock = a.switch.clock
    end = clock.now() + FRAME
    while b.up and clock.now() < end:
        gevent.sleep(clock.real(0.002))
    if not b.up:
        b.ended.wait(clock.real(4 * FRAME))


def unbridge(a: Channel, b: Channel) -> None:
    """CHANNEL_UNBRIDGE on the A side; the B leg is hung up if it is still there (first, when
    A is taken elsewhere: transfer, another uuid_bridge)."""
    # B leaving for another bridge or a transfer (-both) is not A's to hang up
    b_moves = b.switch_requested() or bool(b.ctx.pop("_transferred", False))
    if a.switch_requested() and not b.up:  # hung up by a transfer: noticed a frame later
        b.ended.wait(a.switch.clock.real(FRAME))
    elif not a.up and b.up and not b_moves:
        _join_b_side(a, b)
    elif a.up and not b.up and not b_moves:
        # B hung up on its own: A's bridge thread lets go after B's CHANNEL_HANGUP_COMPLETE
        # (S05b), which a loaded simulator must not overtake
        b.ended.wait(a.switch.clock.real(25 * FRAME))
    if b_moves and a.switch_requested():
        # uuid_transfer -both: B's session routes and starts its new application before A's
        # bridge thread notices at its next frame (S05c: the agent joins the conference first)
        deadline = a.switch.clock.now() + 4 * FRAME
        while (b.up and (b.switch_requested() or b.running_state != CS_EXECUTE)
               and a.switch.clock.now() < deadline):  # fmt: skip
            gevent.sleep(a.switch.clock.real(0.001))
    if a.switch_requested() and b.up and b.bridge_kind == "uuid_bridge" and not b_moves:
        b.set_var("bridge_to", None)
        session.hangup(b, "NORMAL_CLEARING")
    b_cause = b.hangup_cause
    # set on the partner by B's hangup, which cannot lock an A already hanging up (S11)
    if b_cause and "signal_bond" in b.vars and a.up:
        a.set_var("sip_hangup_phrase", "OK" if b.vars.get("sip_term_status") == "200" else None)
        a.set_var("last_bridge_hangup_cause", b_cause)
        a.set_var("last_bridge_proto_specific_hangup_cause",
                  b.vars.get("proto_specific_hangup_cause"))  # fmt: skip
    if a.hangup_cause:  # switch_ivr_multi_threaded_bridge's end: each learns the other's
        b.set_var("bridge_hangup_cause", a.hangup_cause)
    if b_cause:
        a.set_var("bridge_hangup_cause", b_cause)
    a.set_var("bridge_to", None)
    new = a.ctx.pop("_unbridge_new", None)
    if isinstance(new, Channel) and a.other is not None:
        a.other = (a.other[0], {**a.other[1], "Unique-ID": new.uuid})
    a.fire("CHANNEL_UNBRIDGE", func="switch_ivr_multi_threaded_bridge",
           pre={"Bridge-A-Unique-ID": a.uuid, "Bridge-B-Unique-ID": b.uuid})  # fmt: skip
    if a.partner is b:
        a.partner = None
    if b.partner is a:
        b.partner = None
    if not b.up and not b.ended.is_set():  # the bridge thread gives B its call_uuid back
        b.ctx["_call_uuid_back"] = True  # type: ignore[assignment]
    elif b.up and b_moves:  # ... also to a B leg transferred with -both (S05c)
        b.set_var("call_uuid", b.uuid)
    if b.up and not b_moves and not (not a.up and parks_after_bridge(b)):
        session.hangup(b, "NORMAL_CLEARING")


def parks_after_bridge(ch: Channel) -> bool:
    """The leg has ``park_after_bridge`` set to a true value (switch_true)."""
    value = (ch.vars.get("park_after_bridge") or "").strip().lower()
    return value in TRUE_WORDS or (ascii_int(value) or 0) > 0


def park_session(ch: Channel) -> Any:
    """switch_ivr_park_session: CS_PARK, then switch_ivr_park (CHANNEL_PARK; the outbound
    socket's sendmsg apps run) until a hangup, transfer or bridge takes the leg."""
    from callcenter.sim.apps import park

    if ch.up:
        ch.set_running_state(CS_PARK)
        park(ch)
    return None


def _after_partner_left(ch: Channel) -> Any:
    """A uuid_bridge'd A leg: parked if ``park_after_bridge`` says so, else back to
    CS_EXECUTE, then hung up (nothing else to run)."""
    if ch.up:
        if parks_after_bridge(ch):
            return park_session(ch)
        session.enter_execute(ch)
        session.hangup(ch, "NORMAL_CLEARING")
    return None
