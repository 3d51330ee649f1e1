"""Dialplan applications for IVR prompts and messages: ``speak`` (TTS) and ``record``.

``speak <engine>|<voice>|<text>`` lasts about 60 ms per character of text (scaled by the
simulator's clock). ``record <path> [<max seconds> [<silence threshold> [<silence hits>]]]``
writes a real 8 kHz mono WAV and completes on the time limit, on silence (a caller that
sends no audio; ``hits`` seconds), on a terminator key, or when the caller hangs up, and
sets ``record_ms``, ``record_seconds``, ``record_samples``, ``record_completion_cause``.

Keys follow mod_dptools' ``on_dtmf``: every key a prompt or recording reads is taken off the
channel's queue (DTMF event); a key in ``playback_terminators`` (FreeSWITCH's default ``*``;
``any``, ``none``) ends it and is kept in ``playback_terminator_used``; other keys are dropped.
"""

from __future__ import annotations

import math
import os
import random
import struct
import wave

from callcenter.sim import media
from callcenter.sim.apps import app, take_digit, terminators
from callcenter.sim.channel import Channel
from callcenter.sim.numbers import ascii_int
from callcenter.sim.voice import overlay

SPEAK_SECONDS_PER_CHAR = 0.06
CAUSES = {"done": "success-maxtime", "silence": "success-silence", "hangup": "success-hangup"}


def _wait(ch: Channel, seconds: float | None, *, silence_after: float | None = None) -> str:
    """Wait ``seconds`` (None: forever) while reading keys: done, key, silence, break, leave,
    hangup. ``silence_after``: end after that many seconds when the caller sends no audio."""
    clock = ch.switch.clock
    start = clock.now()
    end = None if seconds is None else start + seconds
    quiet_end = None
    if silence_after is not None and not getattr(ch.endpoint, "audio", False):
        quiet_end = start + silence_after
    keys = terminators(ch)
    while True:
        if not ch.up:
            return "hangup"
        if ch.switch_requested():
            ch.break_flag = False
            return "leave"
        if ch.break_flag:
            ch.break_flag = False
            return "break"
        while ch.dtmf:
            digit = take_digit(ch)
            if digit in keys:
                ch.set_var("playback_terminator_used", digit)
                return "key"
        talking = getattr(ch.endpoint, "audio", False)
        if quiet_end is not None and talking:
            quiet_end = None  # the caller started talking
        elif silence_after is not None and quiet_end is None and not talking:
            quiet_end = clock.now() + silence_after  # ... and stopped (sim.voice.say_file)
        now = clock.now()
        if end is not None and now >= end:
            return "done"
        if quiet_end is not None and now >= quiet_end:
            return "silence"
        waits = [t - now for t in (end, quiet_end) if t is not None]
        ch.wait(min(waits) if waits else None, messages=False)


@app("speak")
def _speak(ch: Channel, arg: str) -> None:
    parts = arg.split("|", 2)
    text = parts[2] if len(parts) == 3 else arg
    seconds = SPEAK_SECONDS_PER_CHAR * len(text.strip())
    ch.media["playing"] = "speak:" + text
    status = _wait(ch, seconds)
    ch.media.pop("playing", None)
    if status in ("hangup", "leave"):
        ch.set_var("current_application_response", "SPEAK ERROR")


@app("record")
def _record(ch: Channel, arg: str) -> None:
    words = arg.split()
    if not words:
        return
    path = words[0]
    limit = ascii_int(words[1]) if len(words) > 1 else None
    limit = limit or None  # 0: no limit
    hits = ascii_int(words[3]) if len(words) > 3 else None
    started = ch.switch.clock.now()
    ch.fire("RECORD_START", post={"Record-File-Path": path})
    status = _wait(ch, limit, silence_after=hits)
    seconds = max(ch.switch.clock.now() - started, 0.0)
    size = write_mono_wav(path, seconds, voice=getattr(ch.endpoint, "audio", False))
    overlay(ch, path, started)  # what a say_file caller said (callcenter.sim.voice)
    samples = int(seconds * media.RATE)
    cause = CAUSES.get(status, "success")
    ch.set_var("record_file_size", str(size))
    ch.set_var("record_samples", str(samples))
    ch.set_var("record_seconds", str(int(seconds)))
    ch.set_var("record_ms", str(int(seconds * 1000)))
    ch.set_var("record_completion_cause", cause)
    ch.fire("RECORD_STOP", post={"Record-File-Path": path})


def write_mono_wav(path: str, seconds: float, *, voice: bool) -> int:
    """An 8 kHz 16-bit mono WAV of ``seconds``: speech-like tones, or low noise (silence)."""
    frames = max(int(seconds * media.RATE), 0)
    rnd = random.Random(frames)
    out = bytearray()
    for i in range(frames):
        t = i / media.RATE
        value = 0.5 * math.sin(2 * math.pi * 220 * t) + 0.3 * math.sin(2 * math.pi * 330 * t)
        sample = (value if voice else 0.0) + rnd.uniform(-0.02, 0.02)
        out += struct.pack("<h", int(sample * 6000))
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(media.RATE)
        w.writeframes(bytes(out))
    return os.path.getsize(path)
