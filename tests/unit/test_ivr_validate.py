"""The flow validator: each kind of error with its exact file:line:column, and the samples."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.ivr import (
    NODE_TYPES,
    FlowError,
    MenuNode,
    ScheduleNode,
    load_flow,
    validate,
)

FLOWS = Path(__file__).resolve().parents[2] / "ivr_flows"
QUEUES = {"sales", "support", "complaints", "operator"}

BASE = """\
name: t
start: a
nodes:
  a:
    type: menu
    prompt: "say:hi"
    choices:
      1: b
    default: b
  b:
    type: hangup
"""


def write(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(path: Path, **kwargs: object) -> list[str]:
    return [str(problem) for problem in validate([path], **kwargs)]  # type: ignore[arg-type]


def test_base_flow_is_valid_and_walkable(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    assert problems(path, known_queues=QUEUES, prompts_dir=tmp_path) == []
    flow = load_flow(path)
    menu = flow.start_node
    assert isinstance(menu, MenuNode)
    assert (menu.timeout, menu.retries, menu.prompt.kind) == (5.0, 2, "say")
    assert [(e.label, e.ref.target) for e in menu.edges()] == [("1", "b"), ("default", "b")]
    assert flow.node("b").terminal


def test_unknown_node_type_suggests(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("type: menu", "type: menuu"))
    assert problems(path)[0].startswith(
        f"{path}:5:11: node 'a': unknown node type 'menuu'; did you mean 'menu'? (types: play, "
    )


def test_unknown_field_suggests_and_missing_field(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace('prompt: "say:hi"', 'promt: "say:hi"'))
    assert problems(path) == [
        f"{path}:4:3: node 'a' (menu): missing field 'prompt' (the menu prompt)",
        f"{path}:6:5: node 'a' (menu): unknown field 'promt'; did you mean 'prompt'? (fields: "
        "label, prompt, choices, timeout, retries, invalid_prompt, timeout_prompt, default, "
        "language)",
    ]


def test_field_of_another_type_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "    queue: sales\n")
    assert problems(path) == [
        f"{path}:12:5: node 'b' (hangup): unknown field 'queue'; it is a field of queue "
        "(fields: label, prompt, cause)"
    ]


def test_wrong_typed_fields(tmp_path: Path) -> None:
    text = BASE.replace("    default: b\n", "    default: b\n    timeout: five\n    retries: 99\n")
    path = write(tmp_path, text.replace("      1: b", "      1: [b]"))
    assert problems(path) == [
        f"{path}:8:10: node 'a' (menu): choices '1' must be text, not a list",
        f"{path}:10:14: node 'a' (menu): timeout must be a number of seconds, got 'five'",
        f"{path}:11:14: node 'a' (menu): retries must be between 0 and 10, got 99",
    ]


def test_bad_digit_key(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("      1: b", "      12: b"))
    assert problems(path) == [
        f"{path}:8:7: node 'a' (menu): choices: '12' is not one DTMF key "
        "(0-9, * or #; quote * and #)"
    ]


def test_missing_target_node(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("      1: b", "      1: bb"))
    assert problems(path) == [f"{path}:8:10: node 'a': missing target node 'bb'; did you mean 'b'?"]


def test_missing_start_node(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("start: a", "start: zzz"))
    assert problems(path) == [f"{path}:2:8: start: missing target node 'zzz' (nodes: a, b)"]


def test_unreachable_node(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "  lonely:\n    type: hangup\n")
    assert problems(path) == [
        f"{path}:12:3: node 'lonely' is unreachable from the start node 'a'; "
        "link to it or delete it"
    ]


def test_missing_prompt_file_and_fine_schemes(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    (prompts / "en").mkdir(parents=True)
    (prompts / "en" / "there.wav").write_bytes(b"RIFF")
    text = BASE.replace('prompt: "say:hi"', "prompt: en/missing.wav").replace(
        "    type: hangup\n",
        "    type: hangup\n    prompt: en/there.wav\n",
    )
    path = write(tmp_path, text)
    assert problems(path, prompts_dir=prompts) == [
        f"{path}:6:13: node 'a' (menu) prompt: prompt file 'en/missing.wav' not found in the "
        f"prompts folder {prompts}; import it (callcenter prompts import) or use say:, "
        "tone_stream:// or silence_stream://"
    ]
    for prompt in ("tone_stream://%(500,0,800)", "silence_stream://500", "'say:hello'"):
        path = write(tmp_path, BASE.replace('"say:hi"', prompt))
        assert problems(path, prompts_dir=prompts) == [], prompt
    path = write(tmp_path, BASE.replace('"say:hi"', "ftp://x/y.wav"))
    assert problems(path)[0].startswith(
        f"{path}:6:13: node 'a' (menu): prompt: unknown prompt scheme 'ftp://'"
    )


def test_unknown_queue(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("type: hangup", "type: queue\n    queue: sails"))
    assert problems(path, known_queues=QUEUES) == [
        f"{path}:12:12: node 'b' (queue): unknown queue 'sails'; did you mean 'sales'?"
    ]
    assert problems(path, known_queues=None) == []  # no queue list: that check is skipped


LOOP = """\
name: loop
start: count
variables:
  n: 0
nodes:
  count:
    type: set
    values:
      n: {expr: "n + 1"}
    next: check
  check:
    type: condition
    if: "n < 3"
    then: count
    else: ask
  ask:
    type: menu
    prompt: "say:again?"
    choices:
      1: count
"""


def test_loop_that_never_waits(tmp_path: Path) -> None:
    path = write(tmp_path, LOOP)
    assert problems(path) == [
        f"{path}:6:3: loop that never waits for the caller: count -> check -> count; add a "
        "menu, collect, play or other node that waits, or break the loop"
    ]


def test_loop_through_a_menu_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, LOOP.replace("then: count", "then: ask"))
    assert problems(path) == []


def test_self_loop_goto(tmp_path: Path) -> None:
    path = write(tmp_path, "name: g\nstart: a\nnodes:\n  a:\n    type: goto\n    target: a\n")
    assert problems(path) == [
        f"{path}:4:3: loop that never waits for the caller: a -> a; add a menu, collect, play "
        "or other node that waits, or break the loop"
    ]


def test_bad_expression_points_at_the_column(tmp_path: Path) -> None:
    text = LOOP.replace('if: "n < 3"', 'if: "n < 3 and caller_number.startswith(1)"')
    path = write(tmp_path, text.replace("then: count", "then: ask"))
    assert problems(path) == [
        f"{path}:13:33: node 'check' (condition): if: bad expression: attribute access ('.') "
        "is not allowed"
    ]
    path = write(tmp_path, text.replace('if: "n < 3 and caller_number.startswith(1)"', "if: n <"))
    assert problems(path) == [
        f"{path}:13:12: node 'check' (condition): if: bad expression: expected a value, got "
        "the end of the expression"
    ]


def test_unknown_variable(tmp_path: Path) -> None:
    text = LOOP.replace('if: "n < 3"', "if: n < 3 or caler_number == '1'")
    path = write(tmp_path, text.replace("then: count", "then: ask"))
    assert problems(path) == [
        f"{path}:13:18: node 'check' (condition): unknown variable 'caler_number'; did you mean "
        "'caller_number'?; set it earlier or declare it under variables:"
    ]


def test_builtin_variable_cannot_be_set(tmp_path: Path) -> None:
    text = LOOP.replace("      n: {expr:", "      caller_number: '1'\n      n: {expr:")
    path = write(tmp_path, text.replace("then: count", "then: ask"))
    assert problems(path) == [
        f"{path}:6:3: node 'count' (set): 'caller_number' is a built-in variable and cannot be "
        "set; choose another name"
    ]


SCHEDULE = """\
name: s
start: hours
nodes:
  hours:
    type: schedule
    timezone: Asia/Shanghai
    hours:
      mon-fri: "09:00-18:00"
      sat: ["10:00-12:00", "13:00-16:00"]
    holidays: ["2025-10-01..2025-10-07", "01-01"]
    open: a
    closed: a
  a:
    type: hangup
"""


def test_schedule_reads(tmp_path: Path) -> None:
    flow = load_flow(write(tmp_path, SCHEDULE))
    node = flow.start_node
    assert isinstance(node, ScheduleNode)
    assert node.hours[0] == ((540, 1080),) and node.hours[5] == ((600, 720), (780, 960))
    assert node.hours[6] == () and len(node.holidays) == 2


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ('"09:00-18:00"', '"18:00-09:00"', "8:16", "hours mon-fri: opening hours '18:00-09:00' end before they start"),  # noqa: E501
        ('"09:00-18:00"', '"9am-6pm"', "8:16", "hours mon-fri: bad time '9am'; write HH:MM"),
        ('"09:00-18:00"', '"09:00-24:30"', "8:16", "hours mon-fri: bad time '24:30'"),
        ("mon-fri:", "mon-fry:", "8:7", "hours: unknown weekday 'fry'"),
        ("sat:", "fri:", "9:7", "hours: fri is given twice (line 8)"),
        ('"01-01"', '"02-30"', "10:42", "holidays: bad date '02-30': no such day"),
        ('"2025-10-01..2025-10-07"', '"2025-10-07..2025-10-01"', "10:16", "holidays: holiday range '2025-10-07..2025-10-01' ends before"),  # noqa: E501
        ("Asia/Shanghai", "Mars/Olympus", "6:15", "timezone: unknown time zone 'Mars/Olympus'"),
    ],
)  # fmt: skip
def test_bad_schedule(tmp_path: Path, old: str, new: str, where: str, message: str) -> None:
    path = write(tmp_path, SCHEDULE.replace(old, new, 1))
    found = problems(path)
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}:{where}: node 'hours' (schedule): {message}"), found


def test_yaml_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("    default: b\n", "    default: [b\n"))
    assert problems(path)[0].startswith(f"{path}:10:4: not valid YAML: expected ',' or ']'")


def test_duplicate_node_and_top_level_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "colour: red\n" + BASE + "  b:\n    type: hangup\n")
    assert problems(path) == [
        f"{path}:1:1: unknown top-level key 'colour' (allowed: name, description, start, "
        "language, variables, nodes)",
        f"{path}:13:3: duplicate key 'b' in nodes (first at line 11)",
    ]


def test_empty_file_and_missing_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    assert problems(path) == [f"{path}:1:1: the file is empty; a flow needs name, start and nodes"]
    path = write(tmp_path, "name: x\n")
    assert problems(path) == [
        f"{path}:1:1: missing top-level key 'nodes'",
        f"{path}:1:1: missing top-level key 'start'",
    ]


def test_lookup_rules(tmp_path: Path) -> None:
    text = BASE.replace(
        "    type: menu\n",
        "    type: lookup\n    source: webhook\n    results: {tier: data.tier}\n    next: b\n"
        "  m:\n    type: menu\n",
    )
    path = write(tmp_path, text.replace("start: a", "start: a\nvariables: {}"))
    found = problems(path)
    assert f"{path}:5:3: node 'a' (lookup): a webhook lookup needs 'url'" in found
    assert f"{path}:5:3: node 'a' (lookup): a webhook lookup needs 'fallback'" in found


def test_cross_flow_goto(tmp_path: Path) -> None:
    write(tmp_path, "name: other\nstart: x\nnodes:\n  x:\n    type: hangup\n", "other.yaml")
    goto = "name: g\nstart: a\nnodes:\n  a:\n    type: goto\n    target: {}\n"
    for target in ('"other:"', "other:x"):
        assert problems(write(tmp_path, goto.format(target), "g.yaml")) == []
    path = write(tmp_path, goto.format("other:y"), "g.yaml")
    assert problems(path) == [f"{path}:6:13: node 'a': flow 'other' has no node 'y'"]
    path = write(tmp_path, goto.format("'nope:'"), "g.yaml")
    assert problems(path) == [
        f"{path}:6:13: node 'a': unknown flow 'nope' in 'nope:'; add nope.yaml next to this file"
    ]
    path = write(tmp_path, BASE.replace("      1: b", "      1: other:x"))
    assert problems(path) == [
        f"{path}:8:10: node 'a' (menu): choices '1' 'other:x' names another flow; only a goto "
        "node can leave the flow"
    ]


def test_duplicate_flow_names(tmp_path: Path) -> None:
    first = write(tmp_path, BASE, "one.yaml")
    second = write(tmp_path, BASE, "two.yaml")
    assert [str(p) for p in validate([first, second])] == [
        f"{second}:1:7: flow name 't' is also used by {first}; each flow needs its own name"
    ]


def test_many_errors_are_all_reported(tmp_path: Path) -> None:
    text = BASE.replace("type: menu", "type: menu\n    timeout: -1").replace("1: b", "1: c")
    path = write(tmp_path, text + "  z:\n    type: hangup\n    cause: polite\n")
    found = problems(path)
    assert len(found) == 4, found
    assert [line.split(": ", 1)[0] for line in found] == [
        f"{path}:6:14",
        f"{path}:9:10",
        f"{path}:13:3",
        f"{path}:15:12",
    ]


def test_load_flow_raises_with_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("1: b", "1: c") + "  z:\n    type: hangup\n")
    with pytest.raises(FlowError) as info:
        load_flow(path)
    assert len(info.value.problems) == 2
    assert "2 problem(s)" in str(info.value)


def test_shipped_sample_flows_validate_clean() -> None:
    paths = sorted(FLOWS.glob("*.yaml"))
    assert {p.stem for p in paths} >= {"main", "after_hours", "survey"}
    assert validate(paths, known_queues=QUEUES, prompts_dir=FLOWS / "no-prompts-needed") == []
    main = load_flow(FLOWS / "main.yaml")
    menu = main.node("menu")
    assert isinstance(menu, MenuNode)
    assert {digit: ref.target for digit, ref in menu.choices.items()} == {
        "1": "sales",
        "2": "support",
        "3": "complaints",
        "0": "operator",
        "9": "menu",
    }
    assert main.start_node.type == "schedule"


def test_readme_documents_every_node_type_and_field() -> None:
    readme = (FLOWS / "README.md").read_text(encoding="utf-8")
    for name, cls in NODE_TYPES.items():
        assert f"### `{name}`" in readme, name
        for field, meta in cls.field_specs().items():
            key = str(meta.get("key", field))
            assert f"`{key}`" in readme, (name, key)


_WORDS = st.sampled_from(
    ["name", "start", "nodes", "type", "menu", "play", "goto", "next", "choices", "prompt",
     "hours", "holidays", "if", "then", "else", "values", "a", "b", "1", "x:y", "say:hi"]
)  # fmt: skip
_YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 99) | st.text(max_size=8) | _WORDS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_WORDS, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_WORDS, _YAML_VALUES, max_size=5))
def test_fuzz_any_yaml_gives_problems_not_crashes(data: dict) -> None:
    from callcenter.ivr.checks import check_draft
    from callcenter.ivr.loader import parse_flow

    for problem in check_draft(parse_flow(yaml.safe_dump(data), "f.yaml")):
        assert problem.file == "f.yaml" and problem.message
