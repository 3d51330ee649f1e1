"""Which text-to-speech engine and voice speaks a ``say:`` prompt in a given language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["TtsVoices", "language_keys"]


def language_keys(language: str | None) -> list[str]:
    """The keys to try for ``language``, most specific first: ``zh-CN`` -> zh-cn, zh."""
    if not language:
        return []
    key = language.strip().lower().replace("_", "-")
    primary = key.split("-", 1)[0]
    return [key] if key == primary else [key, primary]


@dataclass(frozen=True)
class TtsVoices:
    """The default (engine, voice) and one per language (setting ``ivr.tts_voices``)."""

    engine: str = "flite"
    voice: str = "kal"
    by_language: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        normalised = {
            language_keys(lang)[0]: (str(pair[0]), str(pair[1]))
            for lang, pair in self.by_language.items()
        }
        object.__setattr__(self, "by_language", normalised)

    def for_language(self, language: str | None) -> tuple[str, str]:
        """(engine, voice) for ``language``: the exact tag, else its primary language
        (``zh-CN`` -> ``zh``), else the default."""
        for key in language_keys(language):
            if key in self.by_language:
                return self.by_language[key]
        return self.engine, self.voice
