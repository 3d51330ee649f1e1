"""The quality pages' code values and the quality services' messages are in both catalogues
(the templates translate them with ``_(value)``, which the literal extractor cannot see)."""

from __future__ import annotations

import re

from callcenter.quality.evaluations import ANSWERS
from callcenter.quality.listing import STATES
from callcenter.quality.queue import REASONS
from console.i18n import translate
from tests.unit.test_i18n_catalogue import ROOT, problems

RAISED = re.compile(
    r'(?:Invalid|BadLine|FormFrozen|AlreadyAnswered)\((?:\s*[\w"]+,)?\s*"([^"]+)"\)'
)


def service_messages() -> set[str]:
    """Every message callcenter/quality raises (shown translated next to a form field)."""
    found: set[str] = set()
    for path in (ROOT / "callcenter" / "quality").glob("*.py"):
        found |= set(RAISED.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_extractor_finds_the_messages() -> None:
    messages = service_messages()
    assert {"say why you dispute the evaluation", "answer every question"} <= messages
    assert "this evaluation was already answered" in messages
    assert len(messages) >= 18


def test_quality_values_and_messages_are_in_both_catalogues() -> None:
    values = set(ANSWERS) | set(STATES) | {r for r in REASONS if r} | {"QA average"}
    assert problems(values | service_messages()) == []


def test_a_bad_line_reads_in_chinese() -> None:
    problem = translate("the weight must be a whole number 1-100", "zh")
    line = translate("line %(line)s: %(problem)s", "zh") % {"line": 3, "problem": problem}
    assert line == "第 3 行：权重必须是 1-100 的整数"
