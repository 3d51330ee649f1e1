"""Settings of IVR flows: files, numbers, prompts and TTS, limits, flood guard, speech."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from callcenter.settings.base import Section


class IvrSettings(Section):
    """IVR flows: where they are, which dialled number runs which flow, prompts, reloading."""

    flows: Path = Field(Path("ivr_flows"), description="folder of flow files (*.yaml)")
    source: Literal["folder", "database"] = Field(
        "folder",
        description="where the engine reads flows: the ivr.flows folder, or the published "
        "versions in the database (the folder is imported there on first start; hotline "
        "numbers then come from the database, seeded from ivr.numbers)",
    )
    prompts: Path = Field(Path("prompts"), description="folder that prompt file names are under")
    numbers: dict[str, str] = Field(
        default_factory=dict,
        description="dialled number -> flow name, e.g. {'5000': main}; with ivr.source "
        "database it only seeds the hotline numbers table while that table is empty",
    )
    default_flow: str = Field("main", description="flow for numbers not in ivr.numbers")
    survey_flow: str = Field(
        "",
        pattern=r"^[A-Za-z0-9_.-]*$",
        description="flow a caller is taken to when the agent hangs up first (post-call "
        "survey, e.g. survey); empty = off",
    )
    reload_interval: float = Field(
        2.0, ge=0, le=3600, description="seconds between checks for changed flow files"
    )
    region_table: Path | None = Field(
        None, description="CSV of number prefixes -> region (default: the shipped table)"
    )
    home_country_code: str = Field("86", pattern=r"^[1-9][0-9]{0,2}$")
    tts_engine: str = Field(
        "flite", pattern=r"^[A-Za-z0-9_.-]+$", description="FreeSWITCH TTS module for say: prompts"
    )
    tts_voice: str = Field("kal", pattern=r"^[A-Za-z0-9_.-]+$", description="TTS voice")
    tts_voices: dict[str, tuple[str, str]] = Field(
        default_factory=dict,
        description="language -> [engine, voice] for say: prompts in that language (a flow's "
        "or node's language), e.g. {en: [flite, kal], zh: [tts_commandline, zh]}; "
        "zh-CN falls back to zh, other languages to tts_engine/tts_voice",
    )
    max_steps: int = Field(200, ge=10, le=10000, description="nodes one call may visit")
    max_flow_bytes: int = Field(
        1_000_000, ge=1_000, le=100_000_000, description="a bigger flow file is refused"
    )
    max_flow_nodes: int = Field(
        2_000, ge=1, le=100_000, description="nodes one flow file may have (split it by goto)"
    )
    max_flow_depth: int = Field(
        64, ge=4, le=1_000, description="nested mappings and lists one flow file may have"
    )
    input_margin: float = Field(
        60.0, gt=0, le=600, description="seconds a prompt may play beyond its input timeout"
    )
    transfer_context: str = Field(
        "default", pattern=r"^[A-Za-z0-9_.-]+$", description="dialplan context of transfers"
    )
    blacklist_prompt: str = Field(
        "say:We are sorry, calls from your number cannot be accepted.",
        description="played to blacklisted and flooding callers before hanging up",
    )
    flood_max_calls: int = Field(
        10, ge=0, le=100000, description="calls one number may make per window (0: no limit)"
    )
    flood_window_minutes: float = Field(5.0, gt=0, le=1440)
    speech: bool = Field(True, description="recognise speech on speech nodes (off: DTMF only)")
    vosk_model: Path | None = Field(
        None, description="vosk model folder for speech nodes; empty = recording.vosk_model"
    )
    speech_min_confidence: float = Field(
        0.6, ge=0, le=1, description="a near match needs similarity x confidence >= this"
    )
    speech_silence_seconds: int = Field(
        2, ge=1, le=10, description="seconds of silence that end the caller's answer"
    )
    speech_threshold: int = Field(
        200, ge=1, le=10000, description="energy below which the record app hears silence"
    )
    speech_workers: int = Field(4, ge=1, le=64, description="OS threads recognising speech")
    speech_dir: Path | None = Field(
        None, description="folder for answers being recognised (empty: the temp folder)"
    )

    @field_validator("tts_voices")
    @classmethod
    def _voices(cls, value: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
        for language, pair in value.items():
            if not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?", language):
                raise ValueError(f"language {language!r} must be a code such as en, zh or zh-CN")
            for name in pair:
                if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                    raise ValueError(
                        f"TTS engine/voice {name!r} for {language} must be letters, digits, "
                        "'_', '.' or '-'"
                    )
        return value

    @field_validator("numbers")
    @classmethod
    def _number_to_flow(cls, value: dict[str, str]) -> dict[str, str]:
        for number, flow in value.items():
            if not number.lstrip("+").isdigit():
                raise ValueError(f"dialled number {number!r} must be digits (a leading + is ok)")
            if not flow or not all(ch.isalnum() or ch in "_-" for ch in flow):
                raise ValueError(f"flow name {flow!r} for {number} must be letters, digits, _ or -")
        return value
