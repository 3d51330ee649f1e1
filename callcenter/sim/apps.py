"""Dialplan applications (answer, playback, play_and_get_digits, park, socket, bridge ...)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import gevent

from callcenter.sim import media
from callcenter.sim.channel import Channel
from callcenter.sim.numbers import ascii_int
from callcenter.sim.session import answer, hangup

App = Callable[[Channel, str], None]
DEFAULT_TERMINATORS = "*"  # FreeSWITCH's playback_terminators when the channel sets none
APPS: dict[str, App] = {}


def app(name: str) -> Callable[[App], App]:
    """Register a dialplan application."""

    def deco(func: App) -> App:
        APPS[name] = func
        return func

    return deco


@app("answer")
def _answer(ch: Channel, arg: str) -> None:
    answer(ch)


@app("pre_answer")
def _pre_answer(ch: Channel, arg: str) -> None:
    from callcenter.sim.session import pre_answer

    pre_answer(ch)


@app("set")
def _set(ch: Channel, arg: str) -> None:
    name, _, value = arg.partition("=")
    ch.set_var(name.strip(), value if value else None)


@app("export")
def _export(ch: Channel, arg: str) -> None:
    name, _, value = arg.partition("=")
    name = name.strip()
    ch.set_var(name, value if value else None)
    names = [n for n in (ch.vars.get("export_vars") or "").split(",") if n]
    if name not in names:
        names.append(name)
    ch.set_var("export_vars", ",".join(names))


@app("unset")
def _unset(ch: Channel, arg: str) -> None:
    ch.set_var(arg.strip(), None)


@app("hangup")
def _hangup(ch: Channel, arg: str) -> None:
    hangup(ch, arg.strip() or "NORMAL_CLEARING")


@app("sleep")
def _sleep(ch: Channel, arg: str) -> None:
    wait_for(ch, (ascii_int(arg) or 0) / 1000)


@app("echo")
def _echo(ch: Channel, arg: str) -> None:
    while ch.up and not ch.switch_requested() and not ch.break_flag:
        ch.wait(None, messages=False)
    ch.break_flag = False


@app("park")
def _park(ch: Channel, arg: str) -> None:
    park(ch)


@app("playback")
def _playback(ch: Channel, arg: str) -> None:
    play_file(ch, arg, read_keys=True)


@app("play_and_get_digits")
def _play_and_get_digits(ch: Channel, arg: str) -> None:
    parts = arg.split()
    if len(parts) < 7:
        return
    lo, hi, tries, timeout = int(parts[0]), int(parts[1]), int(parts[2]), int(parts[3])
    terminators, prompt, invalid = parts[4], parts[5], parts[6]
    var = parts[7] if len(parts) > 7 else ""
    regexp = parts[8] if len(parts) > 8 else ""
    digit_timeout = int(parts[9]) / 1000 if len(parts) > 9 else timeout / 1000
    result = "timeout"
    for attempt in range(max(tries, 1)):
        digits = collect(ch, prompt, lo, hi, timeout / 1000, digit_timeout, terminators)
        if not ch.up:
            result = "failure"
            break
        if len(digits) >= lo and (not regexp or re.fullmatch(regexp, digits)):
            result = "success"
            ch.set_var("read_result", result)
            if var:
                ch.set_var(var, digits)
            return
        result = "failure" if digits else "timeout"
        if attempt < tries - 1 and invalid not in ("", "silence_stream://0"):
            play_file(ch, invalid, response=False)
    ch.set_var("read_result", result)


@app("read")
def _read(ch: Channel, arg: str) -> None:
    parts = arg.split()
    if len(parts) < 4:
        return
    lo, hi, prompt, var = int(parts[0]), int(parts[1]), parts[2], parts[3]
    timeout = int(parts[4]) / 1000 if len(parts) > 4 else 5.0
    terminators = parts[5] if len(parts) > 5 else "#"
    digits = collect(ch, prompt, lo, hi, timeout, timeout, terminators)
    ch.set_var("read_result", "success" if len(digits) >= lo else "timeout")
    ch.set_var(var, digits or None)


@app("socket")
def _socket(ch: Channel, arg: str) -> None:
    from callcenter.sim.esl import connect_outbound

    words = arg.split()
    if not words:
        return
    host, _, port = words[0].partition(":")
    ch.ctx.pop("_socket_resume", None)  # left over from an earlier socket of this channel
    ch.set_var("socket_host", host)
    ch.ctx["_socket_async"] = "async" in words[1:]  # type: ignore[assignment]
    ch.ctx["_socket_full"] = "full" in words[1:]  # type: ignore[assignment]
    target = ch.switch.connect_map.get(words[0], (host, int(port or 8084)))
    conn = connect_outbound(ch.switch, ch, target[0], target[1])
    if conn is None:
        ch.switch.log.error("socket app: cannot connect to %s", words[0])
        return
    ch.outbound = conn
    while ch.up and not conn.connected.is_set() and not conn.closed:
        # woken by the engine's connect, the socket closing or the hangup (no polling: with
        # thousands of sessions waiting for a slow engine the polls would starve the switch)
        ch.wakeup.clear()
        if ch.up and not conn.connected.is_set() and not conn.closed:
            gevent.wait([conn.connected, conn.released, ch.wakeup], timeout=1.0, count=1)
    if not ch.up or conn.closed:
        return
    gevent.sleep(0.02)  # parks on its next switch_cond_next(), after connect/myevents
    park(ch, controller=conn)
    # socket_function: switch_ivr_parse_all_events after the park - messages still queued
    # run now, media ones ending at once (the channel is not ready while leaving), so none is
    # left for the next socket; then, with socket_resume, the dialplan goes on (CS_EXECUTE).
    from callcenter.sim.session import run_message

    while ch.inbox and ch.up:
        run_message(ch, ch.inbox.popleft())
    ch.ctx.pop("_socket_resume", None)


@app("record_session")
def _record_session(ch: Channel, arg: str) -> None:
    media.record_start(ch, arg.split()[0], app="record_session")


@app("stop_record_session")
def _stop_record_session(ch: Channel, arg: str) -> None:
    media.record_stop(ch, arg.strip() or "all")


@app("bridge")
def _bridge(ch: Channel, arg: str) -> None:
    from callcenter.sim.originate import bridge_app

    bridge_app(ch, arg)


@app("conference")
def _conference(ch: Channel, arg: str) -> None:
    from callcenter.sim.conference import conference_app

    conference_app(ch, arg)


@app("eavesdrop")
def _eavesdrop(ch: Channel, arg: str) -> None:
    from callcenter.sim.eavesdrop import eavesdrop

    eavesdrop(ch, arg.strip())


# -- helpers ------------------------------------------------------------------------------
def wait_for(ch: Channel, seconds: float | None) -> str:
    """Wait while media flows: 'done', 'break' (uuid_break), 'leave' (bridge, transfer: the
    channel is no longer ready, which FreeSWITCH checks before a pending break) or 'hangup'."""
    return _wait_media(ch, seconds, lambda: False)


def play_file(
    ch: Channel,
    path: str,
    *,
    response: bool = True,
    dtmf_stops: bool = False,
    read_keys: bool = False,
) -> str:
    """switch_ivr_play_file: PLAYBACK_START, wait, playback_* variables, PLAYBACK_STOP.

    ``read_keys``: mod_dptools' ``playback`` input callback (on_dtmf) takes every key off the
    channel (a DTMF event each); one of ``playback_terminators`` stops the file.
    """
    kind = media.file_type(path)
    if not media.exists(path):
        ch.switch.log.error("playback: cannot open %s", path)
        if response:
            ch.set_var("current_application_response", "FILE NOT FOUND")
        return "error"
    ch.fire("PLAYBACK_START", post={"Playback-File-Type": kind, "Playback-File-Path": path})
    ch.media["playing"] = path
    started = ch.switch.clock.now()
    length = media.duration(path)
    if dtmf_stops:
        status = _wait_or_dtmf(ch, length)
    elif read_keys:
        status = _wait_reading_keys(ch, length)
    else:
        status = wait_for(ch, length)
    ch.media.pop("playing", None)
    played = ch.switch.clock.now() - started if status != "done" or length is None else length
    samples = int(played * media.RATE)
    ch.set_var("playback_last_offset_pos", str(samples - samples % 160))
    ch.set_var("playback_seconds", str(int(played)))
    ch.set_var("playback_ms", str(int(played * 1000)))
    ch.set_var("playback_samples", str(samples))
    ch.fire(
        "PLAYBACK_STOP",
        post={
            "Playback-File-Type": kind,
            "Playback-File-Path": path,
            "Playback-Status": "break" if status == "break" else "done",
        },
    )
    if response:
        ch.set_var(
            "current_application_response",
            "PLAYBACK ERROR" if status in ("hangup", "leave") else "FILE PLAYED",
        )
    return status


def terminators(ch: Channel) -> str:
    """The keys that end a prompt or a recording on this channel (``playback_terminators``)."""
    value = ch.vars.get("playback_terminators", DEFAULT_TERMINATORS)
    if value == "none":
        return ""
    if value == "any":
        return "0123456789*#"
    return value


def _wait_reading_keys(ch: Channel, seconds: float | None) -> str:
    keys = terminators(ch)

    def on_keys() -> bool:  # every key is read (a DTMF event); a terminator stops the file
        while ch.dtmf:
            digit = take_digit(ch)
            if digit in keys:
                ch.set_var("playback_terminator_used", digit)
                return True
        return False

    return _wait_media(ch, seconds, on_keys)


def _wait_or_dtmf(ch: Channel, seconds: float | None) -> str:
    return _wait_media(ch, seconds, lambda: bool(ch.dtmf))  # a key stops it, left queued


def _wait_media(ch: Channel, seconds: float | None, key_stops: Callable[[], bool]) -> str:
    """Media for ``seconds`` (None: forever): done, break (a key or uuid_break), leave
    (bridge, transfer) or hangup."""
    clock = ch.switch.clock
    end = None if seconds is None else clock.now() + seconds
    while ch.up:
        if key_stops():
            return "break"
        if ch.switch_requested():
            ch.break_flag = False
            return "leave"
        if ch.break_flag:
            ch.break_flag = False
            return "break"
        left = None if end is None else end - clock.now()
        if left is not None and left <= 0:
            return "done"
        ch.wait(left, messages=False)
    return "hangup"


def take_digit(ch: Channel) -> str:
    """switch_channel_dequeue_dtmf: fire the DTMF event for the next queued digit."""
    digit, dur, source = ch.dtmf.popleft()
    ch.fire("DTMF", post={"DTMF-Digit": digit, "DTMF-Duration": str(dur), "DTMF-Source": source})
    dialed = ch.ctx.get("digits_dialed", "")
    ch.ctx["digits_dialed"] = dialed + digit
    return digit


def collect(
    ch: Channel,
    prompt: str,
    lo: int,
    hi: int,
    first_timeout: float,
    digit_timeout: float,
    terminators: str,
) -> str:
    """Play ``prompt`` (digits barge in), then gather up to ``hi`` digits."""
    if prompt and not ch.dtmf:
        play_file(ch, prompt, response=False, dtmf_stops=True)
    digits = ""
    timeout = first_timeout
    clock = ch.switch.clock
    while ch.up and len(digits) < hi:
        end = clock.now() + timeout
        while ch.up and not ch.dtmf and clock.now() < end and not ch.switch_requested():
            ch.wait(end - clock.now(), messages=False, breaks=False)  # (no spin on a break)
        if not ch.dtmf:
            break
        digit = take_digit(ch)
        if digit in terminators and terminators != "none":
            break
        digits += digit
        timeout = digit_timeout
    return digits


def park(ch: Channel, controller: Any = None) -> None:
    """switch_ivr_park: CHANNEL_PARK, run queued messages, CHANNEL_UNPARK when it ends.

    ``controller``: the socket app's ESL connection; its end clears CF_CONTROLLED, which ends
    the park once the running message is done."""
    from callcenter.sim.session import run_message

    ch.parked = True
    ch.fire("CHANNEL_PARK")
    ch.sleep(0.02)
    while ch.up and not ch.switch_requested() and not (controller and controller.closed):
        if ch.inbox:
            run_message(ch, ch.inbox.popleft())
            continue
        # a uuid_break with nothing playing leaves the break pending (for the next media
        # app); park does not consume it, so it must not wake on it (it would spin for ever)
        ch.wait(None, breaks=False)
    ch.parked = False
    ch.fire("CHANNEL_UNPARK")
