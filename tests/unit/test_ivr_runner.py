"""The flow runner with a scripted in-memory CallIO: every node type, retries, timeouts, goto
into another flow, the step limit and a caller hanging up mid-flow."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from callcenter.ivr.callio import CallerGone, LookupFailed, Recorded, RunnerHooks
from callcenter.ivr.loader import parse_flow
from callcenter.ivr.model import Flow
from callcenter.ivr.registry import UnknownFlowError
from callcenter.ivr.runner import BEEP, FlowRunner

SHIPPED = Path(__file__).resolve().parents[2] / "ivr_flows"


def flow(text: str) -> Flow:
    draft = parse_flow(text, "test.yaml")
    assert not draft.problems, draft.problems
    return draft.to_flow()


class ScriptedIO:
    """A caller as a script: each collect() answers the next entry ('' = silence).

    ``barge`` maps a prompt text to keys pressed over it when it is played; ``gone_after``
    hangs up when that many operations have run.
    """

    def __init__(
        self,
        inputs: list[str] | None = None,
        *,
        barge: Mapping[str, str] | None = None,
        gone_after: int | None = None,
        record_ms: int = 4200,
    ) -> None:
        self.inputs = list(inputs or [])
        self.barge = dict(barge or {})
        self.gone_after = gone_after
        self.record_ms = record_ms
        self.calls: list[tuple[Any, ...]] = []

    def _op(self, *call: Any) -> None:
        if self.gone_after is not None and len(self.calls) >= self.gone_after:
            raise CallerGone("caller hung up")
        self.calls.append(call)

    def play(self, prompt: str, *, language: str | None = None) -> str:
        self._op("play", prompt)
        return self.barge.pop(prompt, "")

    def collect(self, prompt: str | None, **options: Any) -> str:
        self._op("collect", prompt, options)
        return self.inputs.pop(0) if self.inputs else ""

    def record(self, path: str, *, max_seconds: int) -> Recorded:
        self._op("record", path, max_seconds)
        return Recorded(path, self.record_ms)

    def set_variable(self, name: str, value: str) -> None:
        self._op("set_variable", name, value)

    def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        self._op("hangup", cause)

    def transfer(self, destination: str, kind: str = "extension") -> None:
        self._op("transfer", destination, kind)

    @property
    def played(self) -> list[str]:
        return [c[1] for c in self.calls if c[0] == "play"]


class Hooks(RunnerHooks):
    def __init__(self) -> None:
        self.path: list[tuple[str, str]] = []
        self.voicemails: list[tuple[str, int, str | None]] = []
        self.scores: list[int] = []

    def visited(self, node: str, value: str) -> None:
        self.path.append((node, value))

    def voicemail(self, path: str, milliseconds: int, mailbox: str | None) -> None:
        self.voicemails.append((path, milliseconds, mailbox))

    def survey(self, score: int) -> None:
        self.scores.append(score)


class Lookups:
    def __init__(self, customers: dict | None = None, hooks: dict | None = None) -> None:
        self.customers = customers or {}
        self.hooks = hooks or {}
        self.urls: list[tuple[str, float]] = []

    def customer(self, number: str) -> Mapping[str, Any] | None:
        if self.customers == "down":
            raise LookupFailed("database down")
        return self.customers.get(number)

    def webhook(self, url: str, timeout: float) -> Mapping[str, Any] | None:
        self.urls.append((url, timeout))
        answer = self.hooks.get(url)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Flows:
    def __init__(self, *flows: Flow) -> None:
        self.flows = {f.name: f for f in flows}

    def get(self, name: str) -> Flow:
        try:
            return self.flows[name]
        except KeyError:
            raise UnknownFlowError(f"no flow {name}") from None


def run(
    f: Flow, io: ScriptedIO, *, variables: dict | None = None, **kwargs: Any
) -> tuple[Any, Hooks, FlowRunner]:
    hooks = Hooks()
    runner = FlowRunner(
        f,
        io,
        variables={"caller_number": "13800138000", "call_uuid": "u1", **(variables or {})},
        hooks=hooks,
        **kwargs,
    )
    return runner.run(), hooks, runner


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


COLLECT = """\
name: c
start: ask
nodes:
  ask:
    type: collect
    prompt: "say:Order number?"
    into: order
    min_digits: 4
    max_digits: 6
    regex: "[1-9][0-9]+"
    retries: 1
    invalid_prompt: "say:Not valid."
    next: check
    default: bye
  check:
    type: condition
    if: "number(order) > 5000"
    then: big
    else: small
  big: {type: hangup, cause: CALL_REJECTED}
  small: {type: hangup}
  bye: {type: hangup, prompt: "say:Bye."}
"""


def test_collect_checks_min_and_regex_and_stores_the_variable() -> None:
    io = ScriptedIO(["0123", "6001"])
    outcome, hooks, runner = run(flow(COLLECT), io)
    assert runner.variables["order"] == "6001"
    assert hooks.path == [
        ("ask", "invalid:0123"), ("ask", "6001"), ("check", "then"), ("big", "CALL_REJECTED")
    ]  # fmt: skip
    assert outcome.kind == "hangup" and outcome.cause == "CALL_REJECTED"
    assert io.played == ["say:Not valid."]
    assert io.calls[0][2]["terminators"] == "#" and io.calls[0][2]["max_digits"] == 6


def test_collect_timeouts_go_to_default() -> None:
    outcome, hooks, _ = run(flow(COLLECT), ScriptedIO(["", "12"]))
    assert hooks.path == [("ask", "timeout"), ("ask", "invalid:12"), ("ask", "default"),
                          ("bye", "NORMAL_CLEARING")]  # fmt: skip
    assert outcome.node == "bye"


def test_collect_continues_type_ahead_keys() -> None:
    text = COLLECT.replace("start: ask", "start: hi").replace(
        "nodes:\n", 'nodes:\n  hi: {type: play, prompt: "say:Hi.", next: ask}\n'
    )
    io = ScriptedIO(["01"], barge={"say:Hi.": "60"})
    _, hooks, runner = run(flow(text), io)
    assert runner.variables["order"] == "6001"
    collect = [c for c in io.calls if c[0] == "collect"][0]
    assert collect[1] is None and collect[2]["min_digits"] == 2 and collect[2]["max_digits"] == 4


def test_condition_takes_else_when_evaluation_fails() -> None:
    text = COLLECT.replace("number(order) > 5000", "unset_variable > 1")
    _, hooks, _ = run(flow(text), ScriptedIO(["6001"]))
    assert ("check", "else") in hooks.path


SCHEDULE = """\
name: s
start: hours
nodes:
  hours:
    type: schedule
    hours: {mon-fri: "09:00-18:00"}
    holidays: ["01-01"]
    open: o
    closed: c
    holiday: h
  o: {type: hangup, cause: NORMAL_CLEARING}
  c: {type: hangup, cause: USER_BUSY}
  h: {type: hangup, cause: NO_ANSWER}
"""


@pytest.mark.parametrize(
    ("utc", "zone", "cause"),
    [
        (datetime(2025, 1, 6, 1, 0, tzinfo=UTC), "Asia/Shanghai", "NORMAL_CLEARING"),  # 09:00 Mon
        (datetime(2025, 1, 6, 0, 59, tzinfo=UTC), "Asia/Shanghai", "USER_BUSY"),  # 08:59
        (datetime(2025, 1, 6, 9, 59, tzinfo=UTC), "Asia/Shanghai", "NORMAL_CLEARING"),  # 17:59
        (datetime(2025, 1, 6, 10, 0, tzinfo=UTC), "Asia/Shanghai", "USER_BUSY"),  # 18:00
        (datetime(2025, 1, 6, 10, 0, tzinfo=UTC), "UTC", "NORMAL_CLEARING"),
        (datetime(2025, 1, 1, 3, 0, tzinfo=UTC), "UTC", "NO_ANSWER"),  # holiday
    ],
)
def test_schedule_uses_the_timezone_setting_and_injected_clock(
    utc: datetime, zone: str, cause: str
) -> None:
    outcome, _, _ = run(flow(SCHEDULE), ScriptedIO(), clock=lambda: utc, timezone=zone)
    assert outcome.cause == cause


def test_schedule_node_timezone_wins_over_the_setting() -> None:
    text = SCHEDULE.replace("    hours: {", "    timezone: Asia/Shanghai\n    hours: {")
    now = datetime(2025, 1, 6, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, 02:00 UTC
    outcome, _, _ = run(flow(text), ScriptedIO(), clock=lambda: now, timezone="UTC")
    assert outcome.cause == "NORMAL_CLEARING"


LOOKUP = """\
name: l
start: find
variables: {customer_name: "", tier: ""}
nodes:
  find:
    type: lookup
    source: customer
    results: {customer_name: name, customer_vip: vip, tags: tags}
    next: hook
    not_found: hook
  hook:
    type: lookup
    source: webhook
    url: "http://crm.test/callers?n=${caller_number}"
    timeout: 0.5
    results: {tier: data.tier}
    next: vip
    fallback: vip
  vip:
    type: set
    values:
      greeting: {expr: "'Hi ' + customer_name"}
      broken: {expr: "customer_name < 3"}
      source: ivr
    next: done
  done: {type: hangup}
"""


def test_customer_and_webhook_lookups_fill_variables() -> None:
    lookups = Lookups(
        {"13800138000": {"name": "Ann", "vip": True, "tags": ["gold"]}},
        {"http://crm.test/callers?n=13800138000": {"data": {"tier": "gold"}}},
    )
    _, hooks, runner = run(flow(LOOKUP), ScriptedIO(), lookups=lookups)
    v = runner.variables
    assert (v["customer_name"], v["customer_vip"], v["tags"], v["tier"]) == (
        "Ann", True, ["gold"], "gold"
    )  # fmt: skip
    assert v["greeting"] == "Hi Ann" and v["broken"] is None and v["source"] == "ivr"
    assert hooks.path[:3] == [("find", "found"), ("hook", "found"), ("vip", "set")]
    assert lookups.urls == [("http://crm.test/callers?n=13800138000", 0.5)]


def test_lookup_not_found_and_webhook_down_take_their_branches() -> None:
    url = "http://crm.test/callers?n=13800138000"
    lookups = Lookups({}, {url: LookupFailed("timed out")})
    _, hooks, runner = run(flow(LOOKUP), ScriptedIO(), lookups=lookups)
    assert hooks.path[:2] == [("find", "not_found"), ("hook", "fallback")]
    assert runner.variables["tier"] == ""
    _, hooks, _ = run(flow(LOOKUP), ScriptedIO(), lookups=Lookups("down"))  # type: ignore[arg-type]
    assert hooks.path[0] == ("find", "fallback")


def test_transfer_announces_and_ends_with_the_destination() -> None:
    text = """\
name: t
start: go
variables: {ext: "8001"}
nodes:
  go: {type: transfer, to: "${ext}", kind: extension, announce: "say:Transferring."}
"""
    io = ScriptedIO()
    outcome, hooks, _ = run(flow(text), io)
    assert (outcome.kind, outcome.destination, outcome.transfer_kind) == (
        "transfer", "8001", "extension"
    )  # fmt: skip
    assert io.played == ["say:Transferring."] and hooks.path == [("go", "8001")]


def test_voicemail_records_after_the_beep_into_the_voicemail_folder(tmp_path: Path) -> None:
    draft = parse_flow((SHIPPED / "after_hours.yaml").read_text(), "after_hours.yaml")
    io = ScriptedIO()
    now = datetime(2025, 3, 4, 20, 0, tzinfo=UTC)
    outcome, hooks, _ = run(draft.to_flow(), io, clock=lambda: now, voicemail_dir=tmp_path)
    path = str(tmp_path / "after_hours" / "2025/03/04" / "u1-record.wav")
    assert ("record", path, 120) in io.calls
    assert io.played[-2:] == [BEEP, "say:Thank you. Goodbye."]
    assert hooks.voicemails == [(path, 4200, "after_hours")]
    assert ("record", "recorded:4200ms") in hooks.path
    assert outcome.kind == "hangup" and outcome.voicemail == path


def test_voicemail_without_next_ends_as_voicemail(tmp_path: Path) -> None:
    text = 'name: v\nstart: r\nnodes:\n  r: {type: voicemail, prompt: "say:Speak.", beep: false}\n'
    outcome, _, _ = run(flow(text), ScriptedIO(), voicemail_dir=tmp_path)
    assert outcome.kind == "voicemail" and outcome.voicemail.endswith(
        "general/" + outcome.voicemail.split("general/")[1]
    )


def test_survey_stores_the_score_and_low_scores_hear_the_apology() -> None:
    draft = parse_flow((SHIPPED / "survey.yaml").read_text(), "survey.yaml")
    io = ScriptedIO(["8", "2"])
    outcome, hooks, runner = run(draft.to_flow(), io)
    assert hooks.scores == [2] and outcome.survey_score == 2
    assert runner.variables["survey_rating"] == 2
    assert [v for n, v in hooks.path] == ["invalid:8", "2", "then", "played", "NORMAL_CLEARING"]
    assert "say:Thank you for your feedback." in io.played


def test_survey_without_a_rating_goes_on_without_a_score() -> None:
    draft = parse_flow((SHIPPED / "survey.yaml").read_text(), "survey.yaml")
    outcome, hooks, _ = run(draft.to_flow(), ScriptedIO([]))
    assert hooks.scores == [] and outcome.survey_score is None
    assert ("low_rating", "else") in hooks.path


def test_speech_uses_the_dtmf_fallback() -> None:
    text = """\
name: sp
start: ask
nodes:
  ask:
    type: speech
    prompt: "say:Say sales or press 1."
    phrases: {sales: sales}
    digits: {1: sales}
    default: bye
  sales: {type: queue, queue: sales}
  bye: {type: hangup}
"""
    outcome, hooks, _ = run(flow(text), ScriptedIO(["", "1"]))
    assert outcome.queue == "sales" and hooks.path[:2] == [("ask", "timeout"), ("ask", "1")]
    outcome, _, _ = run(flow(text), ScriptedIO(["", ""]))
    assert outcome.node == "bye"


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
