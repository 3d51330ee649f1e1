"""The flow registry: last valid version kept, fixed files picked up, polling, number mapping."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from callcenter.ivr import FlowRegistry, UnknownFlowError

GOOD = """\
name: main
start: hello
nodes:
  hello:
    type: play
    prompt: "say:{text}"
    next: bye
  bye:
    type: hangup
"""
BROKEN = GOOD.replace("next: bye", "next: nowhere")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def write(path: Path, text: str, stamp: int) -> None:
    """Write and set a distinct mtime so the change is seen whatever the clock resolution."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stamp * 10**9, stamp * 10**9))


def prompt_of(registry: FlowRegistry) -> str:
    return registry.get("main").node("hello").prompt.text  # type: ignore[attr-defined]


def test_keeps_last_valid_flow_and_picks_up_the_fix(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "main.yaml"
    write(path, GOOD.format(text="v1"), 1)
    registry = FlowRegistry(tmp_path, check_interval=5, clock=clock)
    assert prompt_of(registry) == "say:v1" and registry.problems == {}

    write(path, BROKEN.format(text="v2"), 2)
    assert prompt_of(registry) == "say:v1"  # not re-checked yet: within the interval
    clock.now += 5
    assert prompt_of(registry) == "say:v1"  # re-checked: invalid, the last valid one stays
    assert [str(problem) for problem in registry.problems[str(path)]] == [
        f"{path}:7:11: node 'hello': missing target node 'nowhere' (nodes: bye, hello)",
        f"{path}:8:3: node 'bye' is unreachable from the start node 'hello'; "
        "link to it or delete it",
    ]

    write(path, GOOD.format(text="v3"), 3)
    clock.now += 5
    assert prompt_of(registry) == "say:v3"
    assert registry.problems == {}


def test_explicit_reload_returns_problems(tmp_path: Path) -> None:
    path = tmp_path / "main.yaml"
    write(path, GOOD.format(text="v1"), 1)
    registry = FlowRegistry(tmp_path, check_interval=3600)
    write(path, BROKEN.format(text="v2"), 2)
    problems = registry.reload()
    assert [p.line for p in problems] == [7, 8]
    assert registry.reload() == []  # unchanged file: not read again
    assert prompt_of(registry) == "say:v1"


def test_invalid_at_start_is_not_served(tmp_path: Path) -> None:
    write(tmp_path / "main.yaml", BROKEN.format(text="x"), 1)
    registry = FlowRegistry(tmp_path)
    with pytest.raises(UnknownFlowError, match="no valid flow named 'main'"):
        registry.get("main")
    assert registry.names() == []


def test_new_and_deleted_files(tmp_path: Path) -> None:
    clock = FakeClock()
    write(tmp_path / "main.yaml", GOOD.format(text="v1"), 1)
    registry = FlowRegistry(tmp_path, check_interval=1, clock=clock)
    other = tmp_path / "other.yml"
    write(other, GOOD.replace("name: main", "name: other").format(text="o"), 2)
    clock.now += 1
    assert registry.names() == ["main", "other"]
    other.unlink()
    clock.now += 1
    assert registry.names() == ["main", "other"]  # kept until restart, and logged


def test_cross_flow_goto_resolves_in_the_folder(tmp_path: Path) -> None:
    write(tmp_path / "main.yaml", GOOD.format(text="v1"), 1)
    goto = "name: entry\nstart: go\nnodes:\n  go:\n    type: goto\n    target: main:bye\n"
    write(tmp_path / "entry.yaml", goto, 1)
    registry = FlowRegistry(tmp_path)
    assert registry.get("entry").start_node.edges()[0].ref.flow == "main"
    write(tmp_path / "entry.yaml", goto.replace("main:bye", "main:nope"), 2)
    [problem] = registry.reload()
    assert "flow 'main' has no node 'nope'" in problem.message


def test_dialled_number_mapping(tmp_path: Path) -> None:
    write(tmp_path / "main.yaml", GOOD.format(text="v1"), 1)
    write(tmp_path / "vip.yaml", GOOD.replace("name: main", "name: vip").format(text="vip"), 1)
    registry = FlowRegistry(tmp_path, numbers={"5001": "vip"}, default_flow="main")
    assert registry.flow_for_number("5001").name == "vip"
    assert registry.flow_for_number("5000").name == "main"
    unmapped = FlowRegistry(tmp_path, numbers={"5002": "missing"})
    write(tmp_path / "vip.yaml", GOOD.replace("name: main", "name: vip").format(text="v2"), 2)
    assert [str(p) for p in unmapped.reload()] == [
        "setting ivr.numbers: dialled number 5002 maps to flow 'missing', which is not loaded"
    ]
    with pytest.raises(UnknownFlowError, match="no flow is mapped"):
        unmapped.flow_for_number("5000")
    with pytest.raises(UnknownFlowError, match="no valid flow named 'missing'"):
        unmapped.flow_for_number("5002")
