"""``callcenter ivr validate`` and ``callcenter ivr graph`` through click's CliRunner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from callcenter.cli import main

FLOWS = Path(__file__).resolve().parents[2] / "ivr_flows"
QUEUE_ARGS = [
    "--queue",
    "sales",
    "--queue",
    "support",
    "--queue",
    "complaints",
    "--queue",
    "operator",
]


@pytest.fixture
def workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("CALLCENTER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FLOWS, tmp_path / "ivr_flows")
    return tmp_path


def test_validate_default_folder_ok(workdir: Path) -> None:
    result = CliRunner().invoke(main, ["ivr", "validate", *QUEUE_ARGS])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: 4 flow file(s) valid: ivr_flows/after_hours.yaml")
    assert result.stderr == ""


def test_validate_without_database_notes_the_skipped_check(workdir: Path) -> None:
    result = CliRunner().invoke(main, ["ivr", "validate"])
    assert result.exit_code == 0, result.output
    assert "note: queue names not checked: the database var/callcenter.db does not exist" in (
        result.stderr
    )


def test_validate_broken_copy_fails_with_file_line_column(workdir: Path) -> None:
    broken = workdir / "ivr_flows" / "broken.yaml"
    text = (FLOWS / "main.yaml").read_text(encoding="utf-8")
    broken.write_text(
        text.replace("    queue: sales", "    queue: sails").replace("type: menu", "type: menuu"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["ivr", "validate", str(broken), *QUEUE_ARGS])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(
        f"{broken}:56:11: node 'menu': unknown node type 'menuu'; did you mean 'menu'?"
    )
    assert lines[1:] == [
        f"{broken}:75:12: node 'sales' (queue): unknown queue 'sails'; did you mean 'sales'?",
        "2 problem(s) in 1 of 1 file(s)",
    ]
    assert result.stdout == ""


def test_validate_no_files(workdir: Path) -> None:
    shutil.rmtree(workdir / "ivr_flows")
    (workdir / "ivr_flows").mkdir()
    result = CliRunner().invoke(main, ["ivr", "validate"])
    assert result.exit_code == 1
    assert "no flow files (*.yaml) in ivr_flows" in result.output


def test_graph_writes_svg_with_node_ids(workdir: Path) -> None:
    result = CliRunner().invoke(main, ["ivr", "graph", "main", "-o", "main.svg"])
    assert result.exit_code == 0, result.output
    svg = (workdir / "main.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for node_id in ("hours", "find_customer", "menu", "sales", "support", "complaints", "operator"):
        assert f">{node_id}</text>" in svg, node_id
    assert "flow after_hours" in svg


def test_graph_dot_text_and_errors(workdir: Path) -> None:
    result = CliRunner().invoke(
        main, ["ivr", "graph", str(workdir / "ivr_flows" / "survey.yaml"), "-o", "s.dot"]
    )
    assert result.exit_code == 0, result.output
    dot = (workdir / "s.dot").read_text(encoding="utf-8")
    assert "low_rating -> sorry [label=then]" in dot
    result = CliRunner().invoke(main, ["ivr", "graph", "nosuch"])
    assert result.exit_code == 1 and "no flow file nosuch" in result.output
    result = CliRunner().invoke(main, ["ivr", "graph", "main", "-o", "main.bmp"])
    assert result.exit_code == 1 and "use a .svg, .png, .pdf or .dot" in result.output
