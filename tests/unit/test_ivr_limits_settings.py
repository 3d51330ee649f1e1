"""Flow file limits come from settings ivr.max_flow_bytes / _nodes / _depth (issue 14, item 1),
and ``callcenter ivr validate`` answers every hostile file with ``file:line:col: message``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from callcenter.cli import main
from callcenter.config import ConfigError, load_settings
from callcenter.ivr.limits import FlowLimits
from callcenter.ivr.registry import FlowRegistry
from tests.support.bad_flows import CASES
from tests.support.engine_process import child_env

ROOT = Path(__file__).resolve().parents[2]
FOUR_NODES = "name: four\nstart: n0\nnodes:\n" + "".join(
    f"  n{i}: {{type: goto, target: n{i + 1}}}\n" for i in range(3)
) + "  n3: {type: hangup}\n"  # fmt: skip
GOOD = "name: good\nstart: bye\nnodes:\n  bye: {type: hangup}\n"


@pytest.fixture
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("CALLCENTER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_default_settings_are_the_built_in_limits() -> None:
    assert FlowLimits.of(load_settings().ivr) == FlowLimits()


def test_a_lower_configured_node_limit_turns_a_file_into_a_problem(tmp_path: Path) -> None:
    (tmp_path / "four.yaml").write_text(FOUR_NODES)
    assert FlowRegistry(tmp_path).names() == ["four"]
    settings = load_settings(ivr={"max_flow_nodes": 3})
    registry = FlowRegistry(tmp_path, limits=FlowLimits.of(settings.ivr))
    assert registry.names() == []
    problems = registry.problems[str(tmp_path / "four.yaml")]
    refused = [p for p in problems if "at most 3 (setting ivr.max_flow_nodes)" in p.message]
    assert [(p.line, p.column) for p in refused] == [(3, 1)]


def test_a_lower_configured_size_and_depth_turn_files_into_problems(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_text(GOOD + "description: '" + "x" * 2000 + "'\n")
    deep = "name: deep\nstart: a\nnodes:\n  a: {type: menu, prompt: p, choices: {1: [[a]]}}\n"
    (tmp_path / "deep.yaml").write_text(deep)
    limits = FlowLimits.of(load_settings(ivr={"max_flow_bytes": 1000, "max_flow_depth": 4}).ivr)
    problems = FlowRegistry(tmp_path, limits=limits).problems
    assert "larger than 1000 bytes (setting ivr.max_flow_bytes)" in (
        problems[str(tmp_path / "big.yaml")][0].message
    )
    assert "nested deeper than 4 levels (setting ivr.max_flow_depth)" in (
        problems[str(tmp_path / "deep.yaml")][0].message
    )


def test_a_limit_out_of_range_is_refused_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="max_flow_nodes"):
        load_settings(ivr={"max_flow_nodes": 0})


def test_validate_uses_the_configured_limits(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "four.yaml").write_text(FOUR_NODES)
    ok = CliRunner().invoke(main, ["ivr", "validate", "four.yaml", "--queue", "support"])
    assert ok.exit_code == 0, ok.output
    monkeypatch.setenv("CALLCENTER_IVR__MAX_FLOW_NODES", "3")
    refused = CliRunner().invoke(main, ["ivr", "validate", "four.yaml", "--queue", "support"])
    assert refused.exit_code == 1
    assert "four.yaml:3:1: 4 nodes; a flow may have at most 3" in refused.stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_validate_reports_a_hostile_file_as_file_line_column(workdir: Path, case: str) -> None:
    data, words = CASES[case]
    (workdir / f"{case}.yaml").write_bytes(data)
    result = CliRunner().invoke(main, ["ivr", "validate", f"{case}.yaml", "--queue", "support"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    first = result.stderr.splitlines()[0]
    assert re.fullmatch(rf"{case}\.yaml:\d+:\d+: .+", first), first
    assert words in first
    assert result.stdout == ""


def test_validate_command_line_no_traceback_exit_1_then_0(workdir: Path) -> None:
    names = []
    for case, (data, _) in sorted(CASES.items()):
        (workdir / f"{case}.yaml").write_bytes(data)
        names.append(f"{case}.yaml")
    (workdir / "good.yaml").write_text(GOOD)
    env = child_env()
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code
    command = [sys.executable, "-c", "from callcenter.entry import run; run()", "ivr", "validate"]
    bad = subprocess.run(
        [*command, *names, "--queue", "support"], cwd=workdir, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 1, bad.stderr
    assert "Traceback" not in bad.stderr + bad.stdout
    for name in names:
        assert re.search(rf"^{re.escape(name)}:\d+:\d+: ", bad.stderr, re.M), name
    assert f"problem(s) in {len(names)} of {len(names)} file(s)" in bad.stderr
    good = subprocess.run(
        [*command, "good.yaml", "--queue", "support"], cwd=workdir, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("ok: 1 flow file(s) valid: good.yaml")
