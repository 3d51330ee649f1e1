"""Callers that speak: a script step that sends a WAV file as the caller's audio.

``say_file(path)`` in a :class:`~callcenter.sim.endpoints.Caller` script sends the file's
samples (any WAV; resampled to the simulator's 8 kHz mono) as the caller's audio, taking as
long as the file lasts in simulated time. While it plays the endpoint counts as sending
speech (``audio``), so a ``record`` app's silence detection waits; afterwards the caller is
quiet again and the silence countdown restarts, as FreeSWITCH's energy detector does. The
``record`` app calls :func:`overlay` after writing its WAV: every sample the caller spoke
while the recording ran is written into the file at its time offset, so what the engine
recognises is what the caller said.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callcenter.sim import media

if TYPE_CHECKING:
    from callcenter.sim.channel import Channel

__all__ = ["Utterance", "overlay", "say_file", "speak"]


def say_file(path: str | Path) -> tuple[Any, ...]:
    """Script step: say the WAV file at ``path`` (its samples become the caller's audio)."""
    return ("say_file", str(path))


@dataclass(frozen=True)
class Utterance:
    """Caller audio sent from ``start`` (simulated seconds): 8 kHz 16-bit mono samples."""

    start: float
    pcm: bytes

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / media.RATE


def load_pcm(path: str | Path) -> bytes:
    """8 kHz 16-bit mono PCM of a WAV file (other formats/rates converted with pydub)."""
    try:
        with wave.open(str(path)) as w:
            if (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, media.RATE):
                return w.readframes(w.getnframes())
    except (wave.Error, EOFError):
        pass
    from pydub import AudioSegment

    audio = AudioSegment.from_file(str(path))
    return audio.set_channels(1).set_sample_width(2).set_frame_rate(media.RATE).raw_data


def speak(caller: Any, ch: Channel, path: str) -> None:
    """Run the ``say_file`` step: send the file's audio for as long as it lasts."""
    utterance = Utterance(ch.switch.clock.now(), load_pcm(path))
    spoken: list[Utterance] = caller.__dict__.setdefault("spoken", [])
    spoken.append(utterance)
    before = caller.audio
    caller.audio = True
    ch.poke(0)
    ch.ended.wait(ch.switch.clock.real(utterance.seconds))
    caller.audio = before
    ch.poke(0)  # a record app waiting for silence starts counting now


def overlay(ch: Channel, path: str, started: float) -> None:
    """Write what the caller said between ``started`` and now into the recording at ``path``."""
    spoken: list[Utterance] = getattr(ch.endpoint, "spoken", None) or []
    if not spoken:
        return
    with wave.open(path) as w:
        rate, frames = w.getframerate(), bytearray(w.readframes(w.getnframes()))
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            return
    for utterance in spoken:
        offset = int(round((utterance.start - started) * rate)) * 2
        pcm = utterance.pcm
        if offset < 0:
            pcm, offset = pcm[-offset:], 0
        pcm = pcm[: max(len(frames) - offset, 0)]
        if pcm:
            frames[offset : offset + len(pcm)] = pcm
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
