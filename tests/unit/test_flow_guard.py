"""When a flow fails where no error was expected (flow_guard.py): the caller goes to the
default queue (after the talk: the call ends), the failing flow and node are logged and
recorded as an IVR step."""

from __future__ import annotations

from typing import Any

import pytest

from callcenter.engine.calls.flow_guard import FLOW_FAILED, failed_flow_outcome
from callcenter.ivr.callio import RunnerHooks
from callcenter.ivr.loader import parse_flow
from callcenter.ivr.runner import FlowRunner

FLOW = """
name: greet
start: hello
nodes:
  hello: {type: play, prompt: "say:Hello", next: menu}
  menu: {type: menu, prompt: "say:Press 1", choices: {"1": bye}}
  bye: {type: hangup}
"""


class BrokenIO:
    """Plays fine, then the key input fails with an error nobody planned for."""

    def play(self, prompt: str, **options: Any) -> str:
        return ""

    def collect(self, prompt: str | None, **options: Any) -> str:
        raise OSError("disk full")


class Steps(RunnerHooks):
    def __init__(self) -> None:
        self.steps: list[tuple[str, str]] = []

    def visited(self, node: str, value: str) -> None:
        self.steps.append((node, value))


class Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, dict]] = []

    def error(self, event: str, **fields: Any) -> None:
        self.lines.append((event, fields))


@pytest.mark.parametrize("post_call", [False, True])
def test_failed_flow_goes_to_the_default_queue_or_ends(post_call: bool) -> None:
    hooks = Steps()
    runner = FlowRunner(parse_flow(FLOW, "greet.yaml").to_flow(), BrokenIO(), hooks=hooks)
    with pytest.raises(OSError) as raised:
        runner.run()
    log = Log()
    outcome = failed_flow_outcome(
        runner, raised.value, default_queue="support", post_call=post_call, log=log
    )
    assert (outcome.kind, outcome.queue) == (("hangup", "") if post_call else ("queue", "support"))
    assert (outcome.node, outcome.reason) == ("menu", FLOW_FAILED)
    assert hooks.steps == [("hello", "played"), ("menu", "error")]
    ((event, fields),) = log.lines
    assert event == "IVR flow failed; the caller goes on without it"
    assert (fields["flow"], fields["node"], fields["error"]) == (
        "greet",
        "menu",
        "OSError: disk full",
    )
