"""What each node type does, run by the flow runner against a scripted caller: collect,
condition, schedule, lookup, transfer, voicemail, survey and speech without a recogniser."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from callcenter.ivr.callio import LookupFailed
from callcenter.ivr.loader import parse_flow
from callcenter.ivr.runner import BEEP
from tests.support.ivr_script import Lookups, ScriptedIO, flow, run

SHIPPED = Path(__file__).resolve().parents[2] / "ivr_flows"


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
