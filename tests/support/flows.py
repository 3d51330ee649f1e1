"""The shipped sample flows, copied for a test: main.yaml's business hours opened round the
clock (the engine runs as a child process with the real clock, so a test at night would
otherwise always meet the after-hours flow), and its recording notice removed the way an admin
removes it unless a test asks for it (tests that walk the menu count its steps)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

SHIPPED = Path(__file__).resolve().parents[2] / "ivr_flows"
HELLO_FLOW = """\
name: main
start: hello
nodes:
  hello:
    type: play
    prompt: "say:hello"
    next: bye
  bye:
    type: hangup
"""
"""The smallest valid flow: greet, then hang up (flow pages and API tests publish it)."""
QUEUES = ["sales", "support", "complaints", "operator"]  # the queues the sample flows name


def sample_flows(target: Path, *, open_hours: bool = True, notice: bool = False) -> Path:
    """Copy ivr_flows/*.yaml into ``target``; ``open_hours`` opens main.yaml all day;
    ``notice`` keeps main.yaml's "this call may be recorded" notice (else it is removed)."""
    target.mkdir(parents=True, exist_ok=True)
    for path in SHIPPED.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    main = target / "main.yaml"
    text = main.read_text(encoding="utf-8")
    if open_hours:
        text = re.sub(
            r"    hours:\n(      .*\n)+?    holidays:\n(      .*\n)+",
            '    hours:\n      all: "00:00-24:00"\n',
            text,
        )
        assert 'all: "00:00-24:00"' in text, "main.yaml's schedule node changed shape"
    if not notice:
        text, opens = re.subn(r"    open: notice\b.*\n", "    open: find_customer\n", text)
        text, nodes = re.subn(r"\n(  #.*\n)*  notice:\n(    .*\n)+", "\n", text)
        assert opens == nodes == 1, "main.yaml's recording notice changed shape"
        demo = target / "demo.yaml"
        demo.write_text(
            demo.read_text(encoding="utf-8").replace("main:notice", "main:find_customer"),
            encoding="utf-8",
        )
    main.write_text(text, encoding="utf-8")
    return target


NODE_FLOWS = Path(__file__).resolve().parents[1] / "fixtures" / "ivr_nodes"


def node_flows(target: Path, **values: str) -> Path:
    """Copy tests/fixtures/ivr_nodes/*.yaml into ``target``, each ``@NAME@`` replaced by
    ``values[NAME]`` (every placeholder must be given)."""
    target.mkdir(parents=True, exist_ok=True)
    for path in NODE_FLOWS.glob("*.yaml"):
        write_flow(target / path.name, path.read_text(encoding="utf-8"), **values)
    return target


def write_flow(path: Path, text: str, **values: str) -> Path:
    """Write flow ``text`` to ``path`` with ``@NAME@`` placeholders filled in."""
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = re.findall(r"@[A-Z_]+@", text)
    assert not left, f"{path.name}: no value for {left}"
    path.write_text(text, encoding="utf-8")
    return path


PLAIN_QUEUE_FLOW = """\
name: plain
description: support queue only
start: line
nodes:
  line:
    type: queue
    queue: support
"""
"""A flow that puts every caller straight into the support queue (queue and engine tests)."""


def plain_queue_flow(target: Path) -> Path:
    """Write :data:`PLAIN_QUEUE_FLOW` as ``target/plain.yaml``; returns ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "plain.yaml").write_text(PLAIN_QUEUE_FLOW, encoding="utf-8")
    return target
