"""The shipped sample flows, copied for a test: main.yaml's business hours opened round the
clock (the engine runs as a child process with the real clock, so a test at night would
otherwise always meet the after-hours flow)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

SHIPPED = Path(__file__).resolve().parents[2] / "ivr_flows"
QUEUES = ["sales", "support", "complaints", "operator"]  # the queues the sample flows name


def sample_flows(target: Path, *, open_hours: bool = True) -> Path:
    """Copy ivr_flows/*.yaml into ``target``; ``open_hours`` opens main.yaml all day."""
    target.mkdir(parents=True, exist_ok=True)
    for path in SHIPPED.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    if open_hours:
        main = target / "main.yaml"
        text = main.read_text(encoding="utf-8")
        text = re.sub(
            r"    hours:\n(      .*\n)+?    holidays:\n(      .*\n)+",
            '    hours:\n      all: "00:00-24:00"\n',
            text,
        )
        assert 'all: "00:00-24:00"' in text, "main.yaml's schedule node changed shape"
        main.write_text(text, encoding="utf-8")
    return target
