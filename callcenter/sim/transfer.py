"""uuid_transfer: a leg (or both legs of a bridge) goes to an extension or ``inline`` apps."""

from __future__ import annotations

from typing import Any

from callcenter.sim import session
from callcenter.sim.bridge import push_transfer_history, step_profile
from callcenter.sim.channel import CS_EXECUTE, CS_ROUTING, Channel, new_uuid
from callcenter.sim.hold import MEDIA_FLOWS
from callcenter.sim.numbers import ascii_int

Job = Any


def uuid_transfer(ch: Channel, dest: str, dialplan: str, context: str, leg: str = "") -> None:
    """``uuid_transfer <uuid> [-bleg|-both] <dest> [<dialplan>] [<context>]``."""
    partner = ch.partner
    if leg == "-bleg":
        if partner is not None and partner.up:
            transfer(partner, dest, dialplan, context)
        return
    both = leg == "-both" and partner is not None and partner.up
    if both:
        assert partner is not None
        transfer(partner, dest, dialplan, context, keep_partner=True)
    transfer(ch, dest, dialplan, context, keep_partner=both)


def parse_inline(text: str) -> list[tuple[str, str]]:
    """The inline dialplan: ``app:arg,app2:arg2`` (an app without ``:`` gets no argument)."""
    apps = []
    for item in text.split(","):
        app, _, arg = item.strip().partition(":")
        if app:
            apps.append((app, arg))
    return apps


def transfer(
    ch: Channel, dest: str, dialplan: str = "XML", context: str = "", *, keep_partner: bool = False
) -> None:
    """switch_ivr_session_transfer: new caller profile, CS_ROUTING, then the extension runs; a
    uuid_bridge'd partner is hung up (unless it is transferred too)."""
    prof = ch.profile
    assert prof is not None
    dialplan = dialplan or prof.get("Dialplan") or "XML"
    context = context or (dialplan if dialplan == "inline" else prof.get("Context") or "default")
    now_s = int(ch.switch.clock.now())
    old_dest = prof.get("Destination-Number")
    source = f"{now_s}:{new_uuid()}:bl_xfer:{dest}/{context}/{dialplan}"
    if ch.ctx.get("_had_broadcast"):
        # the media flow variables are set again, moving them last: seen after the leg had
        # music on hold (S05a); not for a leg that never had a broadcast (S05c)
        for name in MEDIA_FLOWS:
            ch.set_var(name, ch.vars.get(name))
    hops = ch.vars.get("max_forwards")  # unset: 70 (S05c: 1001, originated with &park())
    count = ascii_int(hops)
    ch.set_var("max_forwards", str(max(count - 1, 0)) if count is not None else "70")
    push_transfer_history(ch, source)
    ch.set_var("transfer_source", source)
    ch.set_var("current_loop", None)
    ch.set_var("total_loops", None)
    step_profile(ch, source)
    new = ch.profile
    assert new is not None
    new.set("Destination-Number", dest)
    new.set("RDNIS", old_dest or None)
    new.set("Context", context)
    new.set("Dialplan", dialplan)
    ch.other = None
    peer = ch.partner
    ch.set_var("signal_bond", None)
    if peer is not None:
        peer.set_var("signal_bond", None)
        if not keep_partner and peer.up and peer.bridge_kind == "uuid_bridge":
            peer.set_var("bridge_to", None)
            session.hangup(peer, "NORMAL_CLEARING")
    ch.ctx["_transferred"] = True  # type: ignore[assignment]
    ch.break_flag = False  # switch_core_session_reset clears CF_BREAK
    ch.state = CS_ROUTING
    if dialplan == "inline":
        apps = parse_inline(dest)
    else:
        apps = ch.switch.route(ch, dest)
    session.leave(ch, lambda c: _routing(c, apps))


def sort_cid(ch: Channel) -> None:
    """switch_channel_sort_cid at routing: an outgoing leg that has not been through a dialplan
    (CF_DIALPLAN; cleared on the B side of uuid_bridge) flips its caller id (S05c: the
    uuid_bridge'd agent does, 1001 - only originated to &park() - does not)."""
    from callcenter.sim.originate import flip_cid

    if ch.direction == "outbound" and not ch.hit_dialplan:
        flip_cid(ch)


def _routing(ch: Channel, apps: list[tuple[str, str]] | None) -> Job:
    """CS_ROUTING (RINGING), CS_EXECUTE (ACTIVE again if answered), then the applications."""
    ch.running_state = CS_ROUTING
    ch.state = CS_ROUTING
    if ch.direction == "inbound":  # an outgoing leg stays ACTIVE (S05c: agent, 1001)
        ch.set_callstate("RINGING")
    ch.fire("CHANNEL_STATE")
    ch.set_var("call_uuid", ch.uuid)
    prof = ch.profile
    if prof is not None and prof.get("Dialplan") == "inline":
        # inline_dialplan_hunt: destination_number = rdnis, rdnis = "" once the apps are parsed
        prof.set("Destination-Number", prof.get("RDNIS") or None)
        prof.set("RDNIS", None)
    sort_cid(ch)
    ch.state = CS_EXECUTE
    ch.presence("CS_ROUTING", "active" if ch.answered else "alerting", session.CHECK_PRESENCE)
    ch.running_state = CS_EXECUTE
    if ch.answered:
        ch.set_callstate("ACTIVE")
    ch.fire("CHANNEL_STATE")
    ch.set_var("call_uuid", ch.uuid)  # again (S05c: after the flipped caller id's variables)
    if apps is None:
        session.hangup(ch, "NO_ROUTE_DESTINATION")
        return None
    return session.run_extension(ch, apps)
