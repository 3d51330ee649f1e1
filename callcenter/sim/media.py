"""Media: what a file/stream lasts, playing it on a channel, and stereo call recordings."""

from __future__ import annotations

import functools
import math
import os
import random
import re
import struct
import wave
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from callcenter.sim.numbers import ascii_int

if TYPE_CHECKING:
    from callcenter.sim.channel import Channel

RATE = 8000


def _tone_spec_ms(spec: str) -> float | None:
    """Duration of a tone_stream spec (``%(on,off,freq...)`` segments, ``;loops=N``)."""
    loops = 1
    m = re.search(r";loops=(-?\d+)", spec)
    if m:
        loops = int(m.group(1))
        spec = spec[: m.start()] + spec[m.end() :]
    if loops < 0:
        return None
    total = 0.0
    for seg in re.finditer(r"%\(([^)]*)\)", spec):
        parts = [p for p in seg.group(1).split(",") if p.strip()]
        if len(parts) >= 2:
            total += float(parts[0]) + float(parts[1])
    for seg in re.finditer(r"v=(-?\d+)", spec):  # volume directives last no time
        del seg
    return total * max(loops, 1)


def duration(path: str) -> float | None:
    """Seconds a playback of ``path`` lasts; None for endless streams (MOH, loops=-1)."""
    if path.startswith("tone_stream://"):
        ms = _tone_spec_ms(path[len("tone_stream://") :])
        return None if ms is None else ms / 1000
    if path.startswith("silence_stream://"):
        ms = path[len("silence_stream://") :].split(",")[0]
        value = ascii_int(ms, signed=True)
        value = -1 if value is None else value
        return None if value < 0 else value / 1000
    if path.startswith("local_stream://"):
        return None
    if path.startswith("say:") or path.startswith("speak:"):
        return 1.0
    try:
        with wave.open(path) as w:
            return w.getnframes() / float(w.getframerate())
    except (OSError, wave.Error, EOFError):
        return None if not os.path.exists(path) else 1.0


def file_type(path: str) -> str | None:
    """Playback-File-Type: the stream scheme or the file extension; None (no header) for
    ``silence_stream://``, which FreeSWITCH plays without a file handle (S10)."""
    if path.startswith("silence_stream://"):
        return None
    if "://" in path:
        return path.split("://", 1)[0]
    return os.path.splitext(path)[1].lstrip(".") or "file"


def exists(path: str) -> bool:
    """Whether FreeSWITCH could open ``path`` for playback."""
    if "://" in path or path.startswith(("say:", "speak:")):
        return True
    return os.path.exists(path)


# -- recording --------------------------------------------------------------------------------
@dataclass
class Recording:
    """A running uuid_record / record_session: writes a stereo WAV when it stops."""

    path: str
    started: float
    limit: float | None = None
    stopped: float | None = None
    segments: list[tuple[float, float, str]] = field(default_factory=list)
    masked: list[list[float | None]] = field(default_factory=list)  # [start, end] from start


def _signal(kind: str, i: int) -> float:
    t = i / RATE
    if kind == "voice":
        return 0.5 * math.sin(2 * math.pi * 220 * t) + 0.3 * math.sin(2 * math.pi * 330 * t)
    if kind == "tone":
        return 0.6 * math.sin(2 * math.pi * 440 * t)
    return 0.5 * math.sin(2 * math.pi * 550 * t) + 0.3 * math.sin(2 * math.pi * 770 * t)


@functools.lru_cache(maxsize=16)
def _one_second(left: str, right: str) -> bytes:
    """One second of the stereo signal: the tones are whole hertz, so seconds tile."""
    rnd = random.Random(f"{left}/{right}")
    out = bytearray()
    for i in range(RATE):
        lv = _signal(left, i) + rnd.uniform(-0.05, 0.05)
        rv = _signal(right, i) + rnd.uniform(-0.05, 0.05)
        out += struct.pack("<hh", int(lv * 6000), int(rv * 6000))
    return bytes(out)


def write_stereo_wav(
    path: str,
    seconds: float,
    left: str = "voice",
    right: str = "agent",
    silent: list[tuple[float, float]] = (),  # type: ignore[assignment]
) -> int:
    """Write an 8 kHz 16-bit stereo WAV: caller on the left, the other party on the right.

    ``silent`` stretches (seconds from the start) are written as silence, as a masked
    recording is (``uuid_record ... mask``). Built from a cached second of signal: a
    sample-by-sample loop took seconds per long call and stalled the simulator under load.
    """
    frames = max(int(seconds * RATE), 0)
    second = _one_second(left, right)
    whole, rest = divmod(frames, RATE)
    out = bytearray(second * whole + second[: rest * 4])
    for start, end in silent:
        lo, hi = max(int(start * RATE), 0) * 4, min(int(end * RATE), frames) * 4
        if hi > lo:
            out[lo:hi] = bytes(hi - lo)
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with wave.open(path, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(out))
    return os.path.getsize(path)


def record_start(ch: Channel, path: str, *, app: str = "uuid_record") -> None:
    """Start a recording media bug: RECORD_START, then MEDIA_BUG_START (after the file opened).

    Opening the file is the switch's own work (``Clock.work``): a slowed clock does not make it
    longer. S03 answered ``uuid_record start`` after 12 ms with RECORD_START after the reply;
    here both events come first (the reply after some 30 ms), which S03's replay accepts - the
    captured order raced the session's ``uuid_break`` and ``uuid_bridge`` in the replay."""
    import gevent

    rec = Recording(path, ch.switch.clock.now())
    ch.recorders.append(rec)
    ch.fire("RECORD_START", post={"Record-File-Path": path})
    # Opening the file takes a moment; the session keeps running meanwhile.
    gevent.sleep(ch.switch.clock.work(0.03))
    ch.fire(
        "MEDIA_BUG_START",
        pre={"Media-Bug-Function": "session_record", "Media-Bug-Target": path},
    )


def record_stop(ch: Channel, path: str, cause: str = "success-maxtime") -> bool:
    """Stop one recording (``all`` stops every one); writes the WAV, RECORD_STOP, MEDIA_BUG_STOP."""
    found = [r for r in ch.recorders if path in (r.path, "all")]
    for rec in found:
        ch.recorders.remove(rec)
        _finish(ch, rec, cause)
    return bool(found)


def record_mask(ch: Channel, path: str, mask: bool) -> bool:
    """Mask (write silence from now on) or unmask a running recording; False if none."""
    found = [r for r in ch.recorders if path in (r.path, "all")]
    offset = ch.switch.clock.now()
    for rec in found:
        open_stretch = rec.masked and rec.masked[-1][1] is None
        if mask and not open_stretch:
            rec.masked.append([offset - rec.started, None])
        elif not mask and open_stretch:
            rec.masked[-1][1] = offset - rec.started
    return bool(found)


def _finish(ch: Channel, rec: Recording, cause: str) -> None:
    seconds = max(ch.switch.clock.now() - rec.started, 0.0)
    right = "agent" if ch.partner is not None or ch.conference is not None else "tone"
    silent = [(a or 0.0, seconds if b is None else b) for a, b in rec.masked]
    size = write_stereo_wav(rec.path, seconds, "voice", right, silent)
    samples = int(seconds * RATE)
    ch.set_var("record_file_size", str(size))
    ch.set_var("record_samples", str(samples))
    ch.set_var("record_seconds", str(int(seconds)))
    ch.set_var("record_ms", str(int(seconds * 1000)))
    ch.set_var("record_completion_cause", cause)
    ch.fire("RECORD_STOP", post={"Record-File-Path": rec.path, "Record-Completion-Cause": cause})
    ch.fire(
        "MEDIA_BUG_STOP",
        pre={"Media-Bug-Function": "session_record", "Media-Bug-Target": rec.path},
    )


def stop_recordings(ch: Channel) -> None:
    """A hung-up channel closes its recordings."""
    for rec in list(ch.recorders):
        ch.recorders.remove(rec)
        _finish(ch, rec, "success-maxtime")
