"""Convert an uploaded audio file into FreeSWITCH prompt files.

FreeSWITCH plays a file ``<dir>/<name>.wav`` from ``<dir>/<rate>/<name>.wav`` when that file
exists for the channel's sample rate (mod_sndfile tries the rate folder first), so no
resampling happens on a call: 8 kHz for PCMA/PCMU calls, 16 kHz for wideband ones. A prompt
``welcome.mp3`` therefore becomes, in the prompts folder::

    8000/welcome.wav    16000/welcome.wav    welcome.wav (16 kHz: other rates, the simulator)

all mono 16-bit PCM. Flows name it ``welcome.wav``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RATES", "ImportedPrompt", "PromptError", "import_prompt"]

RATES = (8000, 16000)
FALLBACK_RATE = 16000  # the plain <name>.wav, for any other channel rate


class PromptError(Exception):
    """A file that cannot be imported; the message says which and why."""


@dataclass(frozen=True)
class ImportedPrompt:
    """One imported prompt: its name for flows, its length, the files written."""

    source: Path
    name: str
    seconds: float
    files: tuple[Path, ...]

    def summary(self) -> str:
        """One line for the CLI."""
        rates = ", ".join(f"{rate}/" for rate in RATES)
        return f"{self.source.name} -> {self.name}  {self.seconds:.2f} s  (mono 16-bit, {rates})"


def _load(source: Path):  # noqa: ANN202 - pydub.AudioSegment
    from pydub import AudioSegment
    from pydub.exceptions import CouldntDecodeError

    if not source.is_file():
        raise PromptError(f"{source}: no such file")
    try:
        return AudioSegment.from_file(source)
    except CouldntDecodeError:
        raise PromptError(
            f"{source}: not an audio file ffmpeg can decode; upload an MP3 or WAV"
        ) from None
    except FileNotFoundError as exc:  # ffmpeg itself is missing
        raise PromptError(f"{source}: cannot decode ({exc}); is ffmpeg installed?") from None
    except (OSError, IndexError, ValueError) as exc:
        raise PromptError(f"{source}: cannot read it as audio ({exc})") from None


def _write(audio, dest: Path) -> None:  # noqa: ANN001 - pydub.AudioSegment
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.stem}.", suffix=".wav", dir=dest.parent)
    os.close(fd)
    try:
        audio.export(tmp, format="wav").close()
        os.replace(tmp, dest)
    finally:
        Path(tmp).unlink(missing_ok=True)


def import_prompt(source: Path, prompts_dir: Path, name: str | None = None) -> ImportedPrompt:
    """Convert ``source`` into ``prompts_dir`` (8000/, 16000/ and the plain fallback)."""
    audio = _load(source)
    if len(audio) == 0:
        raise PromptError(f"{source}: the audio is empty (0 seconds)")
    mono = audio.set_channels(1).set_sample_width(2)
    filename = (name or source.stem) + ".wav"
    if "/" in filename or filename.startswith("."):
        raise PromptError(f"{filename!r} is not a plain file name")
    written: list[Path] = []
    for rate in RATES:
        dest = prompts_dir / str(rate) / filename
        _write(mono.set_frame_rate(rate), dest)
        written.append(dest)
    plain = prompts_dir / filename
    _write(mono.set_frame_rate(FALLBACK_RATE), plain)
    written.append(plain)
    return ImportedPrompt(source, filename, round(len(audio) / 1000.0, 2), tuple(written))
