"""Channel life cycle: creation, application execution, hangup and the reporting states."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import gevent

from callcenter.sim.channel import (
    CS_DESTROY,
    CS_EXECUTE,
    CS_HANGUP,
    CS_REPORTING,
    Channel,
    new_uuid,
)
from callcenter.sim.numbers import ascii_int

if TYPE_CHECKING:
    pass

Job = Callable[[Channel], Any]
# mod_dptools / mod_conference apps registered without SAF_SUPPORT_NOMEDIA
NEEDS_MEDIA = {"playback", "play_and_get_digits", "read", "echo", "record_session",
               "stop_record_session", "record", "speak", "eavesdrop", "conference"}  # fmt: skip
CHECK_PRESENCE = ("src/switch_core_state_machine.c", "check_presence", "521")
ANSWER_PRESENCE = ("src/switch_channel.c", "switch_channel_perform_mark_answered", "3904")


def start(ch: Channel, job: Job) -> None:
    """Run ``job`` (then the hangup states) in the channel's own greenlet."""
    ch.switch.channels[ch.uuid] = ch
    ch.greenlet = gevent.spawn(_session, ch, job)


def _session(ch: Channel, job: Job | None) -> None:
    try:
        while job is not None and ch.up:
            job = job(ch)
            nxt = ch.ctx.pop("_leave", None)
            if nxt is not None and ch.up:
                job = nxt
        if ch.up:
            hangup(ch, "NORMAL_CLEARING")
        finish(ch)
    except gevent.GreenletExit:
        raise
    except Exception:  # pragma: no cover - a simulator bug must not kill the server
        ch.switch.log.exception("session %s crashed", ch.uuid)
        if ch.up:
            hangup(ch, "NORMAL_TEMPORARY_FAILURE")
        finish(ch)


def leave(ch: Channel, job: Job) -> None:
    """Ask the session to stop what it runs and continue with ``job`` (bridge, transfer)."""
    ch.ctx["_leave"] = job  # type: ignore[assignment]
    ch.poke()


# -- applications -------------------------------------------------------------------------
def execute(
    ch: Channel,
    app: str,
    arg: str | None,
    app_uuid: str | None = None,
    *,
    loops: bool | str = False,
    keep_loops: bool = False,
    sendmsg: list[tuple[str, str]] | None = None,
) -> bool:
    """switch_core_session_execute_application: CHANNEL_EXECUTE, run, EXECUTE_COMPLETE.

    An unknown application behaves as in FreeSWITCH: "Invalid Application" is logged and
    nothing runs (no events); the function returns False.
    """
    from callcenter.sim.apps import APPS

    func = APPS.get(app)
    if func is None:
        ch.switch.log.warning("Invalid Application %s", app)
        return False
    arg = arg or None
    if app in NEEDS_MEDIA:
        _media_for(ch)
    if loops:
        ch.set_var("current_loop", str(ch.ctx.get("_loop", 1)))
        ch.set_var("total_loops", loops if isinstance(loops, str) else "1")
    ch.set_var("current_application_response", None)
    ch.set_var("current_application", app)
    ch.set_var("current_application_data", arg)
    app_uuid = app_uuid or new_uuid()
    ch.fire(
        "CHANNEL_EXECUTE",
        post={"Application": app, "Application-Data": arg, "Application-UUID": app_uuid},
    )
    if arg:
        ch.set_var("current_application_data", arg)
    ch.set_var("current_application", app)
    ch.last_app = (app, arg or "")
    func(ch, arg or "")
    ch.fire(
        "CHANNEL_EXECUTE_COMPLETE",
        post={
            "Application": app,
            "Application-Data": arg,
            "Application-Response": ch.vars.get("current_application_response", "_none_"),
            "Application-UUID": app_uuid,
        },
    )
    hook = ch.ctx.pop("_after_app", None)
    if hook:
        hook(ch)
    if loops and not keep_loops:
        ch.set_var("current_loop", None)
        ch.set_var("total_loops", None)
    if sendmsg is not None:
        ch.fire("PRIVATE_COMMAND", lead=sendmsg)
    return True


def _media_for(ch: Channel) -> None:
    """An app without SAF_SUPPORT_NOMEDIA on an inbound leg without media pre-answers it first
    (switch_core_session_execute_application; S09c: 183 + early media, never a 200)."""
    if ch.direction != "inbound" or ch.answered or ch.times["Channel-Progress-Media-Time"]:
        return
    if ch.endpoint is not None and hasattr(ch.endpoint, "on_pre_answer_media"):
        ch.endpoint.on_pre_answer_media(ch)


def run_message(ch: Channel, msg: dict[str, Any]) -> None:
    """switch_ivr_parse_event for one sendmsg (execute, hangup ...)."""
    cmd = (msg.get("call-command") or "execute").lower()
    # Parked without media, FreeSWITCH parses the message directly (no PRIVATE_COMMAND);
    # with media it goes through switch_ivr_parse_next_event, which fires PRIVATE_COMMAND.
    media_ready = ch.answered or ch.times["Channel-Progress-Media-Time"] > 0
    lead = msg.get("_lead") if media_ready else None
    if cmd == "execute" and msg.get("_broadcast"):
        _run_broadcast(ch, msg, lead)
    elif cmd == "execute":
        app = msg.get("execute-app-name") or ""
        arg = msg.get("execute-app-arg") or msg.get("_body") or ""
        if not execute(ch, app, arg, msg.get("event-uuid"), loops=True, sendmsg=lead):
            if lead is not None:
                ch.fire("PRIVATE_COMMAND", lead=lead)
    elif cmd == "hangup":  # S09b: CHANNEL_HANGUP, then the message's PRIVATE_COMMAND
        hangup(ch, msg.get("hangup-cause") or "NORMAL_CLEARING")
        if lead is not None:
            ch.fire("PRIVATE_COMMAND", lead=lead)
    elif lead is not None:
        ch.fire("PRIVATE_COMMAND", lead=lead)


def _run_broadcast(ch: Channel, msg: dict[str, Any], lead: list[tuple[str, str]] | None) -> None:
    """A switch_ivr_broadcast message: the app runs ``loops`` times (-1: until stopped)."""
    from callcenter.sim.hold import MEDIA_FLOWS

    app = msg.get("execute-app-name") or ""
    arg = msg.get("execute-app-arg") or ""
    total = str(msg.get("loops") or "1")
    count = ascii_int(total, signed=True)
    count = 1 if count is None else count
    for name in MEDIA_FLOWS:
        ch.set_var(name, ch.vars.get(name))
    ch.ctx["_had_broadcast"] = True  # type: ignore[assignment]
    n = 0
    try:
        while ch.up and not ch.ctx.get("_stop_broadcast") and (count < 0 or n < max(count, 1)):
            n += 1
            ch.ctx["_loop"] = n  # type: ignore[assignment]
            if not execute(ch, app, arg, loops=total, keep_loops=True):
                break
    finally:
        ch.ctx.pop("_loop", None)
        ch.ctx.pop("_broadcast", None)
        ch.ctx.pop("_stop_broadcast", None)
    if lead is not None:
        ch.fire("PRIVATE_COMMAND", lead=lead)


def enter_execute(ch: Channel) -> None:
    """CS_EXECUTE: the state the dialplan applications run in."""
    ch.set_running_state(CS_EXECUTE)
    ch.set_var("call_uuid", ch.uuid)


def run_extension(ch: Channel, apps: list[tuple[str, str]]) -> Job | None:
    """Execute dialplan applications in order; None when done (the channel hangs up)."""
    for app, arg in apps:
        if not ch.up or ch.switch_requested():
            break
        if ch.switch.expand_needs_api(arg):
            arg = ch.switch.expand(ch, arg)
        if not execute(ch, app, arg):
            hangup(ch, "NORMAL_CLEARING")  # real FreeSWITCH: invalid application, hangup
            break
    return None


# -- answer / media ------------------------------------------------------------------------
def answer(ch: Channel) -> None:
    """Answer an inbound SIP leg (early media first, as sofia does)."""
    if ch.answered or not ch.up:
        return
    if ch.endpoint is not None and hasattr(ch.endpoint, "on_answer_media"):
        ch.endpoint.on_answer_media(ch)
    else:
        mark_answered(ch)


def pre_answer(ch: Channel) -> None:
    """CHANNEL_PROGRESS_MEDIA and the EARLY call state."""
    if ch.times["Channel-Progress-Media-Time"]:
        return
    ch.times["Channel-Progress-Media-Time"] = ch.switch.clock.now_us()
    ch.answer_state = "early"
    ch.fire("CHANNEL_PROGRESS_MEDIA")
    ch.set_callstate("EARLY")


def mark_answered(ch: Channel) -> None:
    """CHANNEL_ANSWER, presence and the ACTIVE call state."""
    if ch.answered:
        return
    ch.times["Channel-Answered-Time"] = ch.switch.clock.now_us()
    ch.answer_state = "answered"
    ch.fire("CHANNEL_ANSWER")
    ch.presence("answered", "active", ANSWER_PRESENCE)
    ch.set_callstate("ACTIVE")
    for waiter in list(ch.ctx.get("_answer_waiters", []) or []):
        waiter.set()


# -- hangup ----------------------------------------------------------------------------------
def hangup(ch: Channel, cause: str = "NORMAL_CLEARING", *, remote: bool = False) -> None:
    """switch_channel_hangup: CHANNEL_HANGUP now, the rest in the session."""
    if not ch.up:
        return
    ch.state = CS_HANGUP
    ch.answer_state = "hangup"
    ch.hangup_cause = cause
    if ch.ctx.pop("_polls_state", None):  # its own thread sees CS_HANGUP first (bridge.py)
        ch.ctx["_hangup_state_seen"] = True  # type: ignore[assignment]
        ch.set_running_state(CS_HANGUP)
    ch.times["Channel-Hangup-Time"] = ch.switch.clock.now_us()
    if ch.ctx.pop("_renegotiated", None):  # sofia after a hold re-INVITE
        ch.touch_block("unhold_sdp", stop="rtp_2833_recv_payload")
    ep = ch.endpoint
    if ep is not None and hasattr(ep, "on_hangup_vars"):
        ep.on_hangup_vars(ch, cause, remote, before_event=True)
    _bridge_hangup_vars(ch, cause)
    ch.fire("CHANNEL_HANGUP")
    if ep is not None and hasattr(ep, "on_hangup_vars"):
        ep.on_hangup_vars(ch, cause, remote, before_event=False)
    ch.wakeup.set()
    partner = ch.partner
    if partner is not None:
        if partner.ctx.get("_broadcast"):  # e.g. music on hold from this leg's hold
            partner.ctx["_stop_broadcast"] = True  # type: ignore[assignment]
            partner.break_flag = True
        partner.poke(0)
    for waiter in list(ch.ctx.get("_answer_waiters", []) or []):
        waiter.set()


def _bridge_hangup_vars(ch: Channel, cause: str) -> None:
    """switch_channel_perform_hangup's bridge variables (S03, S07, S11)."""
    role = ch.ctx.get("_bridge_role")
    if role and ch.partner is not None and ch.vars.get("bridge_to"):  # CF_BRIDGED
        ch.set_var("last_bridge_role", role)
    peer = ch.partner
    # set_variable_partner: a B leg still up learns why its A leg went (S11); an A leg gets it
    # from bridge.unbridge, in the order of the captures where B hung up first
    if role == "originator" and peer is not None and peer.up and "signal_bond" in ch.vars:
        peer.set_var("last_bridge_hangup_cause", cause)


def finish(ch: Channel) -> None:
    """CS_HANGUP, CS_REPORTING (HANGUP_COMPLETE), then CS_DESTROY once released."""
    from callcenter.sim.cdr import set_timestamps
    from callcenter.sim.media import stop_recordings

    stop_recordings(ch)
    if not ch.ctx.pop("_hangup_state_seen", None):
        ch.set_running_state(CS_HANGUP)
    ch.set_callstate("HANGUP")
    ch.state = CS_REPORTING
    ch.presence("CS_HANGUP", "idle", CHECK_PRESENCE)
    ch.set_running_state(CS_REPORTING)
    set_timestamps(ch)
    if ch.switch.cdr is not None:
        ch.switch.cdr.write(ch)
    ep = ch.endpoint
    if ep is not None and hasattr(ep, "on_report_vars"):
        ep.on_report_vars(ch)
    if ch.ctx.pop("_call_uuid_back", None):
        ch.set_var("call_uuid", ch.uuid)
    ch.fire("CHANNEL_HANGUP_COMPLETE", pre={"Hangup-Cause": ch.hangup_cause})
    ch.ended.set()
    outbound = ch.outbound
    if outbound is not None:
        outbound.on_hangup_complete(ch)
        outbound.released.wait()
    _await_bridge_thread(ch)
    ch.state = CS_DESTROY
    if ch.vars.get("call_uuid", ch.uuid) != ch.uuid:  # a bridged B leg gets its own back
        ch.set_var("call_uuid", ch.uuid)
    hook = ch.ctx.pop("_destroy_hook", None)
    if hook:
        hook(ch)
    ch.fire("CHANNEL_DESTROY")
    ch.running_state = CS_DESTROY
    ch.fire("CHANNEL_STATE")
    ch.switch.channels.pop(ch.uuid, None)
    ch.switch.on_destroy(ch)


def _await_bridge_thread(ch: Channel) -> None:
    """A B leg is destroyed once the A leg's bridge thread let go of it (its read lock): after
    A's CHANNEL_UNBRIDGE (S11)."""
    peer = ch.partner
    if peer is None or ch.ctx.get("_bridge_role") != "originatee":
        return
    deadline = time.monotonic() + ch.switch.clock.real(0.1)
    while ch.partner is peer and time.monotonic() < deadline:
        gevent.sleep(ch.switch.clock.real(0.001))
