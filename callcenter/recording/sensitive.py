"""Sensitive words: find them in a transcript's turns and describe the supervisor alert."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from callcenter.recording.transcribe import Segment

__all__ = ["alert_message", "find_sensitive", "normalise"]


def normalise(text: str) -> str:
    """Case-folded NFKC text without spaces: vosk may split one word into several tokens."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def find_sensitive(segments: Iterable[Segment], words: Sequence[str]) -> list[dict[str, Any]]:
    """One hit per (word, turn) where a listed word occurs, in turn order."""
    wanted = [(word, normalise(word)) for word in words if normalise(word)]
    hits: list[dict[str, Any]] = []
    for segment in segments:
        text = normalise(segment.text)
        for word, key in wanted:
            if key in text:
                hits.append({"word": word, "speaker": segment.speaker, "start": segment.start})
    return hits


def alert_message(
    *, recording_id: int, call_uuid: str | None, hits: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The wallboard message for supervisors: ``{"alert": {...}}``."""
    return {
        "alert": {
            "type": "sensitive_words",
            "recording_id": recording_id,
            "call_uuid": call_uuid,
            "words": sorted({hit["word"] for hit in hits}),
            "hits": list(hits),
        }
    }
