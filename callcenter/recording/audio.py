"""Audio helpers on pydub (ffmpeg underneath): load, silence stretches, export, PCM for ASR."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydub import AudioSegment

__all__ = [
    "CODECS",
    "channel_pcm",
    "export_atomic",
    "load",
    "silence_stretches",
]

# format -> (ffmpeg container, ffmpeg codec)
CODECS: dict[str, tuple[str, str | None]] = {
    "ogg": ("ogg", "libopus"),
    "mp3": ("mp3", "libmp3lame"),
    "wav": ("wav", None),
}


def load(path: Path) -> AudioSegment:
    """Decode any file ffmpeg reads (WAV is read natively)."""
    if path.suffix.lower() == ".wav":
        return AudioSegment.from_wav(path)
    return AudioSegment.from_file(path)


def silence_stretches(audio: AudioSegment, stretches: Iterable[Sequence[float]]) -> AudioSegment:
    """``audio`` with every ``[start, end]`` second stretch replaced by digital silence.

    The length never changes, so timestamps after a pause stay true. Stretches are clipped to
    the audio; empty or inverted ones are ignored.
    """
    length_ms = len(audio)
    for stretch in stretches:
        start_ms = max(0, int(round(float(stretch[0]) * 1000)))
        end_ms = min(length_ms, int(round(float(stretch[1]) * 1000)))
        if end_ms <= start_ms:
            continue
        quiet = AudioSegment.silent(duration=end_ms - start_ms, frame_rate=audio.frame_rate)
        quiet = quiet.set_channels(audio.channels).set_sample_width(audio.sample_width)
        audio = audio[:start_ms] + quiet + audio[end_ms:]
    return audio


def export_atomic(audio: AudioSegment, dest: Path, fmt: str, bitrate: str = "32k") -> None:
    """Encode ``audio`` to ``dest`` as ``fmt`` (ogg = Opus, mp3, wav) without a partial file.

    ffmpeg writes a temporary file in the same folder that is renamed over ``dest`` only
    when encoding succeeded.
    """
    container, codec = CODECS[fmt]
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.stem}.", suffix=dest.suffix, dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        kwargs: dict[str, object] = {"format": container}
        if codec is not None:
            kwargs.update(codec=codec, bitrate=bitrate)
            if fmt == "ogg" and audio.frame_rate not in (8000, 12000, 16000, 24000, 48000):
                audio = audio.set_frame_rate(48000)  # Opus takes only these rates
        audio.export(tmp, **kwargs).close()
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def channel_pcm(audio: AudioSegment, rate: int = 16000) -> list[bytes]:
    """Mono 16-bit PCM at ``rate`` of each channel (left first), what vosk takes."""
    channels = audio.split_to_mono() if audio.channels > 1 else [audio]
    return [c.set_frame_rate(rate).set_sample_width(2).raw_data for c in channels]
