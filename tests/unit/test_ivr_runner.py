"""The flow runner with a scripted in-memory CallIO: menus, type-ahead, goto into another
flow, the step limit, a caller hanging up mid-flow, and a step for every node type."""

from __future__ import annotations

from tests.support.ivr_script import Flows, ScriptedIO, flow, run

MENU = """\
name: m
start: welcome
nodes:
  welcome:
    type: play
    prompt: "say:Hello ${caller_number}."
    next: menu
  menu:
    type: menu
    prompt: "say:Press 1 or 2."
    choices: {1: sales, 2: support, 9: menu}
    timeout: 3
    retries: 2
    invalid_prompt: "say:Invalid."
    timeout_prompt: "say:Nothing?"
    default: operator
  sales: {type: queue, queue: sales, priority: 3, skills: [english]}
  support: {type: queue, queue: support}
  operator: {type: queue, queue: operator}
"""


def test_menu_key_goes_to_its_queue_with_priority_and_skills() -> None:
    io = ScriptedIO(["1"])
    outcome, hooks, _ = run(flow(MENU), io)
    assert outcome.kind == "queue" and outcome.queue == "sales"
    assert outcome.priority == 3 and outcome.skills == ("english",)
    assert hooks.path == [("welcome", "played"), ("menu", "1"), ("sales", "sales")]
    assert io.played == ["say:Hello 13800138000."]
    (collect,) = [c for c in io.calls if c[0] == "collect"]
    assert collect[1] == "say:Press 1 or 2."
    assert collect[2] == {
        "min_digits": 1, "max_digits": 1, "terminators": "", "timeout": 3.0, "language": None
    }  # fmt: skip


def test_menu_retries_with_invalid_and_timeout_prompts_then_default() -> None:
    io = ScriptedIO(["7", "", "5"])
    outcome, hooks, _ = run(flow(MENU), io)
    assert outcome.queue == "operator"
    assert [v for n, v in hooks.path if n == "menu"] == [
        "invalid:7",
        "timeout",
        "invalid:5",
        "default",
    ]
    assert io.played == ["say:Hello 13800138000.", "say:Invalid.", "say:Nothing?"]


def test_menu_repeat_key_then_a_choice() -> None:
    outcome, hooks, _ = run(flow(MENU), ScriptedIO(["9", "2"]))
    assert outcome.queue == "support"
    assert hooks.path[1:3] == [("menu", "9"), ("menu", "2")]


def test_key_pressed_over_the_welcome_is_type_ahead_for_the_menu() -> None:
    io = ScriptedIO([], barge={"say:Hello 13800138000.": "2"})
    outcome, hooks, _ = run(flow(MENU), io)
    assert outcome.queue == "support"
    assert hooks.path[:2] == [("welcome", "barge-in:2"), ("menu", "2")]
    assert not [c for c in io.calls if c[0] == "collect"]  # the menu prompt was skipped


def test_menu_without_default_hangs_up_when_tries_run_out() -> None:
    f = flow(MENU.replace("    default: operator\n", ""))
    outcome, hooks, _ = run(f, ScriptedIO([]))
    assert outcome.kind == "hangup" and outcome.reason == "no_input"
    assert hooks.path[-1] == ("menu", "hangup")
    assert len([c for c in hooks.path if c == ("menu", "timeout")]) == 3


def test_goto_into_another_flow_names_its_nodes_with_the_flow() -> None:
    main = flow('name: main\nstart: g\nnodes:\n  g: {type: goto, target: "other:ask"}\n')
    other = flow(
        "name: other\nstart: hi\nvariables: {x: 5}\nnodes:\n"
        '  hi: {type: play, prompt: "say:x", next: ask}\n'
        '  ask: {type: menu, prompt: "say:${x}", choices: {1: q}}\n'
        "  q: {type: queue, queue: support}\n"
    )
    io = ScriptedIO(["1"])
    outcome, hooks, runner = run(main, io, flows=Flows(main, other))
    assert hooks.path == [("g", "other:ask"), ("other:ask", "1"), ("other:q", "support")]
    assert outcome.node == "other:q" and io.calls[0][1] == "say:5"
    assert runner.variables["x"] == 5


def test_goto_into_a_missing_flow_hangs_up_with_the_reason() -> None:
    main = flow('name: main\nstart: g\nnodes:\n  g: {type: goto, target: "nope:"}\n')
    outcome, _, _ = run(main, ScriptedIO(), flows=Flows(main))
    assert outcome.kind == "hangup" and "nope" in outcome.reason


def test_step_limit_ends_an_endless_menu_loop() -> None:
    outcome, hooks, runner = run(flow(MENU), ScriptedIO(["9"] * 100), max_steps=20)
    assert outcome.kind == "hangup" and outcome.reason == "step_limit"
    assert runner.steps == 21 and hooks.path[-1] == ("menu", "step_limit")


def test_caller_hanging_up_mid_flow_ends_the_run_cleanly() -> None:
    io = ScriptedIO(["7"], gone_after=2)  # welcome, the menu try, then gone at the apology
    outcome, hooks, _ = run(flow(MENU), io)
    assert outcome.kind == "gone"
    assert hooks.path == [("welcome", "played"), ("menu", "invalid:7")]


def test_every_node_type_is_handled() -> None:
    from callcenter.ivr.model import NODE_TYPES
    from callcenter.ivr.steps import STEPS

    assert set(STEPS) == set(NODE_TYPES)
