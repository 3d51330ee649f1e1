"""The agent action contract the console and the engine share (callcenter/agent_actions.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from callcenter.acd.agents import Agent, AgentState, AgentStateError
from callcenter.agent_actions import (
    ACTIONS,
    ActionError,
    AgentCommand,
    UnknownAction,
    command_from_body,
)


def test_a_body_becomes_the_message_the_engine_reads_back_unchanged() -> None:
    command = command_from_body("1000", "transfer", {"number": "+86 138-0013-8000"}, by="ann")
    assert command.message() == {
        "agent_id": "1000", "action": "transfer", "target": "number", "to": "+8613800138000",
        "by": "ann",
    }  # fmt: skip
    assert AgentCommand.from_message(command.message()) == command


@pytest.mark.parametrize(
    ("action", "body", "reason"),
    [
        ("not_ready", {}, "needs a reason"),
        ("not_ready", {"reason": 5}, "reason must be a string"),
        ("not_ready", {"reason": "x" * 65}, "at most 64"),
        ("dial", {"number": "12ab"}, "dial needs a number: it must be 1-32 digits"),
        ("dial", {"number": True}, "dial needs a number"),
        ("consult", {"queue": "sales"}, "exactly one target"),
        ("transfer", {"agent": "1001", "number": "5"}, "exactly one target"),
        ("dtmf", {"digits": "12x"}, "dtmf needs digits: 1-64 of 0-9"),
        ("extend_wrap_up", {"seconds": 601}, "between 1 and 600"),
        ("extend_wrap_up", {"seconds": "30"}, "whole seconds"),
    ],
)
def test_bad_bodies_are_refused_with_what_to_fix(action: str, body: dict, reason: str) -> None:
    with pytest.raises(ActionError, match=reason):
        command_from_body("1000", action, body, by="ann")


def test_the_engine_applies_the_same_rules_to_what_the_stream_carries() -> None:
    with pytest.raises(UnknownAction, match="unknown action 'fly'"):
        AgentCommand.from_message({"agent_id": "1000", "action": "fly"})
    with pytest.raises(ActionError, match="1-64 of 0-9"):
        AgentCommand.from_message({"agent_id": "1000", "action": "dtmf", "digits": "9" * 65})
    with pytest.raises(ActionError, match="whole seconds"):
        AgentCommand.from_message({"agent_id": "1000", "action": "extend_wrap_up", "seconds": "²"})
    # a missing not_ready reason was always taken as a break by the engine
    assert AgentCommand.from_message({"agent_id": "1", "action": "not_ready"}).reason == "break"


@pytest.mark.parametrize("action", ACTIONS)
def test_every_contract_action_has_one_state_rule_in_the_domain(action: str) -> None:
    """The console (409 before sending) and the engine (refusal to the agent) both ask
    ``Agent.check``; an action the domain did not know would be refused by both as unknown."""
    agent = Agent("1000", "1000")
    allowed = []
    for state in AgentState:
        try:
            replace_state(agent, state).check(action)
            allowed.append(state)
        except AgentStateError as exc:
            assert "unknown agent action" not in str(exc)
    assert allowed, f"{action} is allowed in no state"


def test_recording_and_wrap_up_actions_follow_the_call_state() -> None:
    idle = replace_state(Agent("1000", "1000"), AgentState.AVAILABLE)
    for action in ("record_pause", "record_resume", "extend_wrap_up"):
        with pytest.raises(AgentStateError, match="cannot"):
            idle.check(action)
    replace_state(idle, AgentState.ON_HOLD).check("record_pause")
    replace_state(idle, AgentState.WRAP_UP).check("extend_wrap_up")


def replace_state(agent: Agent, state: AgentState) -> Agent:
    return replace(agent, state=state)
