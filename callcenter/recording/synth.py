"""Synthetic call audio for tests, the benchmark and demos: sox tones, espeak-ng speech.

Nothing here runs in production; it makes stereo WAVs shaped like the engine's recordings
(caller left, agent right, 8 kHz 16-bit unless asked otherwise).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from pydub import AudioSegment

__all__ = ["speech", "stereo", "tone", "write_wav"]


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise RuntimeError(f"{tool} is not installed (scripts/install.sh installs it)")
    return found


def tone(seconds: float, frequency: float = 440.0, rate: int = 8000) -> AudioSegment:
    """A mono sine tone made by sox."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tone.wav"
        subprocess.run(
            [_need("sox"), "-n", "-r", str(rate), "-b", "16", "-c", "1", str(out)]
            + ["synth", f"{seconds}", "sine", f"{frequency}", "vol", "0.5"],
            check=True,
            capture_output=True,
        )
        return AudioSegment.from_wav(out)


def speech(text: str, voice: str = "ko", rate: int = 16000) -> AudioSegment:
    """``text`` spoken by espeak-ng (mono, resampled to ``rate`` by sox)."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw.wav", Path(tmp) / "speech.wav"
        subprocess.run(
            [_need("espeak-ng"), "-v", voice, "-w", str(raw), text], check=True, capture_output=True
        )
        subprocess.run(
            [_need("sox"), str(raw), "-r", str(rate), "-b", "16", "-c", "1", str(out)],
            check=True,
            capture_output=True,
        )
        return AudioSegment.from_wav(out)


def stereo(left: AudioSegment, right: AudioSegment) -> AudioSegment:
    """Caller on the left, agent on the right; the shorter side is padded with silence."""
    rate = max(left.frame_rate, right.frame_rate)
    left, right = left.set_frame_rate(rate), right.set_frame_rate(rate)
    length = max(len(left), len(right))
    left = left + AudioSegment.silent(length - len(left), frame_rate=rate)
    right = right + AudioSegment.silent(length - len(right), frame_rate=rate)
    return AudioSegment.from_mono_audiosegments(
        left.set_sample_width(2)[:length], right.set_sample_width(2)[:length]
    )


def write_wav(audio: AudioSegment, path: Path) -> Path:
    """Write ``audio`` as PCM WAV, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    audio.export(path, format="wav").close()
    return path
