"""The eavesdrop application: a leg listens to another call through a media bug on the target.

With ``eavesdrop_enable_dtmf`` (default on) the app reads the listener's keys at every frame:
each one fires DTMF (S11: ``uuid_recv_dtmf``, ``DTMF-Source: APP``, 21 ms later) and may change
the mode kept in ``ch.media["eavesdrop"]`` - ``mux_read`` / ``mux_write`` as
switch_ivr_eavesdrop_session sets them: ``eavesdrop_whisper_aleg`` / ``_bleg`` at the start,
digit 1 read only, 2 write only, 3 both, 0 neither. No event marks a mode (S11), and who
hears whom in each mode was not captured: the simulator only keeps the flags.
"""

from __future__ import annotations

from callcenter.sim.apps import take_digit
from callcenter.sim.bridge import TRUE_WORDS
from callcenter.sim.channel import FRAME, Channel

L16 = ("L16", "8000", "128000")
PCMA = ("PCMA", "8000", "64000")


def set_read_codec(ch: Channel, codec: tuple[str, str, str]) -> None:
    """switch_core_session_set_read_codec: a CODEC event for the new read codec."""
    ch.read_codec = codec
    ch.set_var("read_codec", codec[0])
    ch.set_var("read_rate", codec[1])
    ch.fire(
        "CODEC",
        func="switch_core_session_set_read_codec",
        post={
            "channel-read-codec-name": codec[0],
            "channel-read-codec-rate": codec[1],
            "channel-read-codec-bit-rate": codec[2],
        },
    )


def _send_callee(ch: Channel, target: Channel) -> None:
    """CALL_UPDATE (SEND): the listener's phone is told whom it hears."""
    prof = target.profile
    name = prof.get("Caller-ID-Name") if prof else ""
    num = prof.get("Caller-ID-Number") if prof else ""
    ch.set_var("last_sent_callee_id_name", name)
    ch.set_var("last_sent_callee_id_number", num)
    ch.fire(
        "CALL_UPDATE",
        func="sofia_receive_message",
        pre={"Direction": "SEND", "Sent-Callee-ID-Name": name, "Sent-Callee-ID-Number": num},
    )


def eavesdrop(ch: Channel, target_uuid: str) -> None:
    """switch_ivr_eavesdrop_session: MEDIA_BUG_START on the target, listen until either side
    ends (the target's calls and bridges are untouched), MEDIA_BUG_STOP."""
    target = ch.switch.channel(target_uuid)
    if target is None or target is ch:
        ch.switch.log.warning("eavesdrop: no such channel %s", target_uuid)
        return
    old_read = ch.read_codec or PCMA
    set_read_codec(ch, L16)
    bug = {"Media-Bug-Function": "eavesdrop", "Media-Bug-Target": target.uuid}
    target.fire("MEDIA_BUG_START", pre=dict(bug))  # type: ignore[arg-type]
    target.ctx.setdefault("_eavesdroppers", [])  # type: ignore[arg-type]
    target.ctx["_eavesdroppers"].append(ch)  # type: ignore[union-attr]
    _send_callee(ch, target)
    mode = _initial_mode(ch, target)
    ch.media["eavesdrop"] = mode
    while ch.up and target.up and not ch.switch_requested() and not ch.break_flag:
        while mode["dtmf"] and ch.dtmf:
            _on_digit(mode, take_digit(ch))
        ch.wakeup.clear()
        ch.wakeup.wait(ch.switch.clock.real(FRAME))
    ch.media.pop("eavesdrop", None)
    ch.break_flag = False
    target.ctx["_eavesdroppers"].remove(ch)  # type: ignore[union-attr]
    target.fire("MEDIA_BUG_STOP", pre=dict(bug))  # type: ignore[arg-type]
    set_read_codec(ch, old_read)


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE_WORDS


def _initial_mode(ch: Channel, target: Channel) -> dict[str, object]:
    """mod_dptools' eavesdrop flags from the listener's channel variables."""
    enable = ch.vars.get("eavesdrop_enable_dtmf")
    return {
        "target": target.uuid,
        "dtmf": True if enable is None else _true(enable),
        "mux_read": _true(ch.vars.get("eavesdrop_whisper_aleg")),
        "mux_write": _true(ch.vars.get("eavesdrop_whisper_bleg")),
    }


MODE_DIGITS = {"1": (True, False), "2": (False, True), "3": (True, True), "0": (False, False)}


def _on_digit(mode: dict[str, object], digit: str) -> None:
    """A key read by eavesdrop: 1/2/3/0 set the mux flags; other keys change nothing here."""
    if digit in MODE_DIGITS:
        mode["mux_read"], mode["mux_write"] = MODE_DIGITS[digit]
