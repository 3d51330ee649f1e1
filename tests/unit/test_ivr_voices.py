"""The TTS engine and voice for a prompt's language (setting ``ivr.tts_voices``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from callcenter.config import ConfigError, load_settings
from callcenter.ivr.voices import TtsVoices


def test_a_language_picks_its_voice_else_the_default() -> None:
    voices = TtsVoices(
        "flite",
        "kal",
        {"en": ("flite", "slt"), "zh": ("tts_commandline", "zh"), "pt-BR": ("x", "br")},
    )
    assert voices.for_language("en") == ("flite", "slt")
    assert voices.for_language("EN-us") == ("flite", "slt")  # en-US -> en
    assert voices.for_language("zh_CN") == ("tts_commandline", "zh")
    assert voices.for_language("pt-br") == ("x", "br")
    assert voices.for_language("pt") == ("flite", "kal")  # no pt entry: the default
    assert voices.for_language("ko") == ("flite", "kal")
    assert voices.for_language(None) == ("flite", "kal")


def test_the_setting_reads_from_the_environment_and_refuses_bad_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in list(os.environ):
        if name.startswith("CALLCENTER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no callcenter.yaml
    assert load_settings().ivr.tts_voices == {}
    monkeypatch.setenv("CALLCENTER_IVR__TTS_VOICES", '{"zh": ["tts_commandline", "zh"]}')
    assert load_settings().ivr.tts_voices == {"zh": ("tts_commandline", "zh")}
    monkeypatch.setenv("CALLCENTER_IVR__TTS_VOICES", '{"zh": ["tts commandline", "zh"]}')
    with pytest.raises(ConfigError, match=r"ivr.tts_voices.*'tts commandline'"):
        load_settings()
    monkeypatch.setenv("CALLCENTER_IVR__TTS_VOICES", '{"chinese!": ["flite", "kal"]}')
    with pytest.raises(ConfigError, match="language 'chinese!' must be a code"):
        load_settings()


def test_the_engine_io_speaks_say_prompts_in_the_language_voice(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from callcenter.engine.calls.ivr_io import SessionCallIO

    io = SessionCallIO(
        SimpleNamespace(uuid="u-1"),  # type: ignore[arg-type]  # media() needs no session
        SimpleNamespace(),  # type: ignore[arg-type]
        prompts_dir=tmp_path,
        tts_voices={"zh": ("tts_commandline", "zh-CN-female")},
    )
    assert io.media("say:您好  ${x}", "zh-CN") == (
        "speak",
        "tts_commandline|zh-CN-female|您好 \\${x}",
    )
    assert io.media("say:Hello", "en") == ("speak", "flite|kal|Hello")
    assert io.media("say:Hello") == ("speak", "flite|kal|Hello")
    assert io.media("hello.wav", "zh") == ("playback", str(tmp_path.resolve() / "hello.wav"))
