"""Every node type loads into its model class with its edges, in the order a runner follows."""

from __future__ import annotations

from pathlib import Path

from callcenter.ivr import NODE_TYPES, Prompt, load_flow, validate
from callcenter.ivr.graph import flow_graph

ALL = """\
name: all
start: hours
language: zh
variables:
  tier: ""
nodes:
  hours:
    type: schedule
    hours: {all: "00:00-24:00"}
    open: crm
    closed: bye
  crm:
    type: lookup
    source: webhook
    url: "https://crm.example.com/caller?n=${caller_number}"
    timeout: 1.5
    results: {tier: data.tier}
    next: who
    not_found: who
    fallback: who
  who:
    type: lookup
    source: customer
    results: {customer_name: name}
    next: vip
  vip:
    type: condition
    if: "tier == 'gold' or startswith(caller_number, '138')"
    then: greet
    else: mark
  mark:
    type: set
    values: {tries: 0, note: "no", count: {expr: "tries + 1"}}
    next: greet
  greet:
    type: play
    prompt: "say:你好 ${customer_name}"
    next: ask
  ask:
    type: speech
    prompt: "say:Sales or support?"
    phrases: {sales: menu, "technical support": order}
    digits: {"1": menu, "#": order}
    default: menu
  menu:
    type: menu
    prompt: silence_stream://200
    choices: {"1": order, "2": rate, "3": vm, "4": out, "5": q, "*": sub}
  order:
    type: collect
    prompt: "say:Order number?"
    into: order_number
    regex: "[0-9]{6}"
    terminator: ""
    next: q
    default: bye
  q:
    type: queue
    queue: support
    priority: 3
    skills: [mandarin, billing]
    next: vm
  vm:
    type: voicemail
    prompt: "tone_stream://%(500,0,800)"
    beep: no
    next: rate
  rate:
    type: survey
    prompt: "say:1 to 5?"
    next: bye
  out:
    type: transfer
    to: "+8610123456"
    kind: external
  sub:
    type: goto
    target: "all:bye"
  bye:
    type: hangup
    cause: NORMAL_CLEARING
"""


def test_every_node_type_loads_with_edges(tmp_path: Path) -> None:
    path = tmp_path / "all.yaml"
    path.write_text(ALL, encoding="utf-8")
    assert [str(p) for p in validate([path])] == []
    flow = load_flow(str(path))
    assert {node.type for node in flow.nodes.values()} == set(NODE_TYPES)
    edges = {
        node.id: [(e.label, e.ref.target) for e in node.edges()] for node in flow.nodes.values()
    }
    assert edges["hours"] == [("open", "crm"), ("closed", "bye")]
    assert edges["crm"] == [("next", "who"), ("not_found", "who"), ("fallback", "who")]
    assert edges["vip"] == [("then", "greet"), ("else", "mark")]
    assert edges["ask"] == [
        ("sales", "menu"), ("technical support", "order"), ("1", "menu"), ("#", "order"),
        ("default", "menu"),
    ]  # fmt: skip
    assert edges["menu"][-1] == ("*", "sub")
    assert edges["out"] == [] and flow.node("out").terminal
    assert edges["sub"] == [("target", "all:bye")]
    mark = flow.node("mark")
    assert mark.values["tries"] == 0 and mark.values["note"] == "no"  # type: ignore[attr-defined]
    assert mark.values["count"].expression.evaluate({"tries": 1}) == 2  # type: ignore[attr-defined]
    assert flow.node("vm").beep is False  # type: ignore[attr-defined]
    assert flow.node("order").terminator == ""  # type: ignore[attr-defined]
    assert flow.node("q").skills == ("mandarin", "billing")  # type: ignore[attr-defined]
    greet = flow.node("greet").prompt  # type: ignore[attr-defined]
    assert greet.render({"customer_name": "李雷"}) == "say:你好 李雷"
    assert [n.id for n in flow.nodes.values() if n.instant] == [
        "hours",
        "crm",
        "who",
        "vip",
        "mark",
        "sub",
    ]
    dot = flow_graph(flow).source
    for node_id in flow.nodes:
        assert f"\t{node_id} [" in dot, node_id


def test_prompt_kinds() -> None:
    kinds = {
        "say:hi": "say",
        "tone_stream://%(100,0,440)": "tone",
        "silence_stream://100": "silence",
        "local_stream://moh": "stream",
        "en/welcome.wav": "file",
    }
    assert {text: Prompt(text).kind for text in kinds} == kinds
