"""``callcenter prompts import``: uploaded MP3/WAV become 8 kHz and 16 kHz mono WAV prompts."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydub import AudioSegment
from pydub.generators import Sine

from callcenter.cli import main

FLOW = """\
name: greet
start: hello
nodes:
  hello: {type: play, prompt: welcome.wav, next: bye}
  bye: {type: hangup}
"""


def wav_info(path: Path) -> tuple[int, int, int, float]:
    with wave.open(str(path)) as w:
        return (
            w.getnchannels(),
            w.getsampwidth(),
            w.getframerate(),
            w.getnframes() / w.getframerate(),
        )


@pytest.fixture
def uploads(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "uploads"
    folder.mkdir()
    mp3 = folder / "welcome.mp3"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "sine=frequency=440:duration=2.5", "-ar", "22050", "-ac", "1", str(mp3)],
        check=True,
    )  # fmt: skip
    stereo = folder / "menu.wav"
    tone = Sine(330).to_audio_segment(duration=1750).set_frame_rate(44100)
    AudioSegment.from_mono_audiosegments(tone, tone).export(stereo, format="wav")
    assert wav_info(stereo)[:3] == (2, 2, 44100)
    bad = folder / "broken.mp3"
    bad.write_bytes(b"this is not audio\n" * 20)
    return {"mp3": mp3, "wav": stereo, "bad": bad}


def test_mp3_and_stereo_wav_become_8k_and_16k_mono(tmp_path: Path, uploads: dict) -> None:
    prompts = tmp_path / "prompts"
    result = CliRunner().invoke(
        main, ["prompts", "import", str(uploads["mp3"]), str(uploads["wav"]), "--to", str(prompts)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("welcome.mp3 -> welcome.wav  2.5")
    assert lines[1].startswith("menu.wav -> menu.wav  1.75 s")
    assert lines[-1] == f"2 of 2 prompts imported into {prompts}"
    for name, seconds in (("welcome.wav", 2.5), ("menu.wav", 1.75)):
        for rate in (8000, 16000):
            channels, width, got_rate, length = wav_info(prompts / str(rate) / name)
            assert (channels, width, got_rate) == (1, 2, rate)
            assert length == pytest.approx(seconds, abs=0.06)  # MP3 frames pad a little
        assert wav_info(prompts / name)[:3] == (1, 2, 16000)


def test_a_bad_file_is_reported_and_the_others_still_import(tmp_path: Path, uploads: dict) -> None:
    prompts = tmp_path / "prompts"
    missing = tmp_path / "nope.wav"
    result = CliRunner().invoke(
        main,
        ["prompts", "import", str(uploads["bad"]), str(missing), str(uploads["wav"]),
         "--to", str(prompts)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert f"error: {uploads['bad']}: not an audio file ffmpeg can decode" in result.output
    assert f"error: {missing}: no such file" in result.output
    assert "1 of 3 prompts imported" in result.output
    assert (prompts / "8000" / "menu.wav").is_file()
    assert not (prompts / "8000" / "broken.wav").exists()


def test_validation_finds_imported_prompts(tmp_path: Path, uploads: dict) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "greet.yaml").write_text(FLOW, encoding="utf-8")
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    validate = ["ivr", "validate", str(flows / "greet.yaml"), "--prompts", str(prompts)]
    before = CliRunner().invoke(main, validate)
    assert before.exit_code == 1 and "prompt file 'welcome.wav' not found" in before.output
    imported = CliRunner().invoke(
        main, ["prompts", "import", str(uploads["mp3"]), "--to", str(prompts)]
    )
    assert imported.exit_code == 0, imported.output
    after = CliRunner().invoke(main, validate)
    assert after.exit_code == 0, after.output
    # FreeSWITCH's rate folders alone are enough too.
    (prompts / "welcome.wav").unlink()
    assert CliRunner().invoke(main, validate).exit_code == 0
