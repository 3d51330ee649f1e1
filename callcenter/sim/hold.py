"""uuid_hold: hold / unhold a leg (re-INVITE), music on hold broadcast to its bridged partner."""

from __future__ import annotations

from typing import Any

from callcenter.sim.channel import Channel

REINVITE = 0.015  # re-INVITE -> 200 OK
MEDIA_FLOWS = ("video_media_flow", "text_media_flow", "audio_media_flow")
DEFAULT_MOH = "local_stream://moh"


def hold(ch: Channel, on: bool) -> None:
    """switch_ivr_hold / switch_ivr_unhold (a no-op when the leg already is in that state)."""
    if on and not ch.hold:
        _hold(ch)
    elif not on and ch.hold:
        _unhold(ch)


def _hold(ch: Channel) -> None:
    now = ch.switch.clock.now_us()
    ch.hold = True
    ch.times["Channel-Last-Hold"] = now
    ch.ctx.setdefault("_hold_events", [])  # type: ignore[arg-type]
    ch.ctx["_hold_events"].append([now, 0])  # type: ignore[union-attr]
    ch.set_callstate("HELD")
    ch.touch_block("hold_sdp")
    partner = ch.partner
    if partner is not None and partner.up:
        broadcast(partner, "playback", ch.vars.get("hold_music") or DEFAULT_MOH, loops=-1)
    ch.fire("CHANNEL_HOLD", func="switch_ivr_hold")


def _unhold(ch: Channel) -> None:
    ch.sleep(REINVITE)
    prof = ch.profile
    if prof is not None and not prof.get("Callee-ID-Name"):
        # sofia updates the callee id from the 200 OK (no display name: the number)
        prof.set("Callee-ID-Name", prof.get("Callee-ID-Number") or None)
    now = ch.switch.clock.now_us()
    ch.hold = False
    last = ch.times["Channel-Last-Hold"]
    if last:
        ch.times["Channel-Hold-Accum"] += now - last
    events = ch.ctx.get("_hold_events") or []
    if events:
        events[-1][1] = now  # type: ignore[index]
    ch.set_callstate("UNHELD")
    ch.set_callstate("ACTIVE")
    ch.touch_block("unhold_sdp")
    ch.ctx["_renegotiated"] = True  # type: ignore[assignment]
    partner = ch.partner
    if partner is not None and partner.up:
        stop_broadcast(partner)
    ch.fire("CHANNEL_UNHOLD", func="switch_ivr_unhold")


def broadcast(ch: Channel, app: str, arg: str, *, loops: int = 1) -> None:
    """switch_ivr_broadcast: queue ``app arg`` for the leg (a COMMAND event leads its
    PRIVATE_COMMAND); the leg runs it wherever it is (park, bridge)."""
    sw = ch.switch
    headers: dict[str, str | None] = {
        "call-command": "execute", "execute-app-name": app, "execute-app-arg": arg,
        "event-lock": "true", "lead-frames": "5", "loops": str(loops),
    }  # fmt: skip
    lead = sw.events.build("COMMAND", func="switch_ivr_broadcast", pre=headers).pairs
    msg: dict[str, Any] = {k: v for k, v in headers.items()}
    msg["_lead"] = lead
    msg["_broadcast"] = True
    ch.ctx["_broadcast"] = True  # type: ignore[assignment]
    sw.deliver_message(ch, msg)


def stop_broadcast(ch: Channel, timeout: float = 5.0) -> None:
    """switch_channel_stop_broadcast, then wait (simulated ``timeout`` s) until it ended."""
    if not ch.ctx.get("_broadcast"):
        return
    ch.ctx["_stop_broadcast"] = True  # type: ignore[assignment]
    ch.break_flag = True
    ch.poke(0)
    clock = ch.switch.clock
    end = clock.now() + timeout
    while ch.up and ch.ctx.get("_broadcast") and clock.now() < end:
        ch.sleep(0.005)


def hold_vars(ch: Channel) -> list[tuple[str, str]]:
    """The CDR's hold_events value (``{{start,end},...}``), empty if never held."""
    events = ch.ctx.get("_hold_events") or []
    if not events:
        return []
    text = ",".join(f"{{{a},{b}}}" for a, b in events)  # type: ignore[misc]
    return [("hold_events", "{" + text + "}")]
