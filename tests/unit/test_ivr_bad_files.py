"""Hostile flow files become problems with file:line:col, never exceptions (issue 14, item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.ivr.checks import validate
from tests.support.bad_flows import CASES


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_is_a_positioned_problem(tmp_path: Path, case: str) -> None:
    data, words = CASES[case]
    path = tmp_path / f"{case}.yaml"
    path.write_bytes(data)
    problems = validate([path])
    assert problems and words in problems[0].message
    assert problems[0].line >= 1 and str(problems[0]).startswith(f"{path}:")


def test_too_many_nodes(tmp_path: Path) -> None:
    nodes = "".join(f"  n{i}: {{type: hangup}}\n" for i in range(2001))
    path = tmp_path / "many.yaml"
    path.write_text("name: x\nstart: n0\nnodes:\n" + nodes)
    assert any("at most 2000" in p.message for p in validate([path]))
