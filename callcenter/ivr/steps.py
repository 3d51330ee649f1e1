"""What each node type does when the runner reaches it: one step function per type.

A step reads the node, talks to the call through the runner (prompts, keys, recordings),
reports the visit, and returns the next node's :class:`Ref` - or ends the walk with
:meth:`FlowRunner.finish`. :data:`STEPS` maps every node type to its step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callcenter.ivr.callio import LookupFailed, field_value
from callcenter.ivr.errors import EvaluationError
from callcenter.ivr.model import (
    CollectNode,
    ConditionNode,
    Expr,
    GotoNode,
    HangupNode,
    LookupNode,
    MenuNode,
    PlayNode,
    Prompt,
    QueueNode,
    Ref,
    ScheduleNode,
    SetNode,
    SurveyNode,
    TransferNode,
    VoicemailNode,
)
from callcenter.ivr.schedule import Calendar, schedule_state
from callcenter.ivr.speech_step import speech_step

if TYPE_CHECKING:
    from callcenter.ivr.runner import FlowRunner

__all__ = ["BEEP", "STEPS"]

BEEP = "tone_stream://%(500,0,800)"


def play_step(runner: FlowRunner, node: PlayNode) -> Ref:
    """Play the prompt; keys pressed over it are kept as type-ahead."""
    before = runner.typed
    runner.play(node.prompt, node)
    pressed = runner.typed[len(before) :]
    runner.visit(node, f"barge-in:{pressed}" if pressed else "played")
    return node.next


def menu_step(runner: FlowRunner, node: MenuNode) -> Ref:
    """One key chooses a branch; retries on a wrong key or silence, then the default."""
    key = runner.choice(
        node, node.choices, node.timeout, node.retries, node.invalid_prompt,
        node.timeout_prompt,
    )  # fmt: skip
    return node.choices[key] if key is not None else runner.exhausted(node, node.default)


def collect_step(runner: FlowRunner, node: CollectNode) -> Ref:
    """Read several keys into a variable; retries while they do not fit."""
    for attempt in range(1 + node.retries):
        keys = runner.keys(
            node.prompt,
            node,
            min_digits=node.min_digits,
            max_digits=node.max_digits,
            terminators=node.terminator,
            timeout=node.timeout,
        )
        if not keys:
            runner.visit(node, "timeout")
        elif len(keys) < node.min_digits or (
            node.regex is not None and re.fullmatch(node.regex, keys) is None
        ):
            runner.visit(node, f"invalid:{keys}")
            if attempt < node.retries:
                runner.play(node.invalid_prompt, node)
                runner.typed = ""
        else:
            runner.variables[node.into] = keys
            runner.visit(node, keys)
            return node.next
    return runner.exhausted(node, node.default)


def survey_step(runner: FlowRunner, node: SurveyNode) -> Ref:
    """A rating 1-5 into a variable and the hooks; thanks, then on or hang up."""
    key = runner.choice(
        node, None, node.timeout, node.retries, None, None, valid=lambda k: k in "12345"
    )
    if key is None:
        if node.next is None:
            runner.finish("hangup", node, reason="no_rating")
        return node.next
    runner.survey_score = int(key)
    runner.variables[node.into] = runner.survey_score
    runner.hooks.survey(runner.survey_score)
    runner.play(node.thanks, node)
    if node.next is None:
        runner.finish("hangup", node, reason="survey_done")
    return node.next


def condition_step(runner: FlowRunner, node: ConditionNode) -> Ref:
    """Branch on an expression; one that cannot be evaluated takes ``else``."""
    try:
        result = node.if_.expression.test(runner.variables)
    except EvaluationError as exc:
        runner.log.info("ivr condition not evaluated", node=node.id, error=str(exc))
        runner.visit(node, "else")
        return node.else_
    runner.visit(node, "then" if result else "else")
    return node.then if result else node.else_


def schedule_step(runner: FlowRunner, node: ScheduleNode) -> Ref:
    """Branch on opening hours and holidays (inline, or the named calendar's) at the clock's
    time; a calendar that cannot be found counts as closed."""
    if node.calendar:
        calendar = _calendar(runner, node.calendar)
        if calendar is None:
            runner.visit(node, "closed")
            return node.closed
        hours, holidays, zone = calendar.hours, calendar.holidays, calendar.timezone
    else:
        hours, holidays, zone = node.hours or ((),) * 7, node.holidays, node.timezone
    state = schedule_state(hours, holidays, runner.clock(), zone or runner.timezone)
    runner.visit(node, state)
    if state == "holiday":
        return node.holiday or node.closed
    return node.open if state == "open" else node.closed


def _calendar(runner: FlowRunner, name: str) -> Calendar | None:
    find = getattr(runner.lookups, "calendar", None)
    try:
        found = find(name) if find is not None else None
    except LookupFailed as exc:
        runner.log.warning("ivr calendar lookup failed", calendar=name, error=str(exc))
        return None
    if found is None:
        runner.log.warning("ivr calendar not found: counted as closed", calendar=name)
    return found


def set_step(runner: FlowRunner, node: SetNode) -> Ref:
    """Set variables to values or evaluated expressions (None when one fails)."""
    for name, value in node.values.items():
        if isinstance(value, Expr):
            try:
                runner.variables[name] = value.expression.evaluate(runner.variables)
            except EvaluationError as exc:
                runner.log.info("ivr set value not evaluated", node=node.id, error=str(exc))
                runner.variables[name] = None
        else:
            runner.variables[name] = value
    runner.visit(node, "set")
    return node.next


def lookup_step(runner: FlowRunner, node: LookupNode) -> Ref:
    """Fill variables from a customer record or a webhook; branch on found or not."""
    try:
        if runner.lookups is None:
            raise LookupFailed("no lookups configured")
        if node.source == "customer":
            number = str(runner.variables.get("caller_number") or "")
            found = runner.lookups.customer(number) if number else None
        else:
            url = Prompt(node.url or "").render(runner.variables)
            found = runner.lookups.webhook(url, node.timeout)
    except LookupFailed as exc:
        runner.log.warning("ivr lookup failed", node=node.id, error=str(exc))
        runner.visit(node, "fallback")
        return node.fallback or node.not_found or node.next
    if found is None:
        runner.visit(node, "not_found")
        return node.not_found or node.next
    for variable, path in node.results.items():
        runner.variables[variable] = field_value(found, path)
    runner.visit(node, "found")
    return node.next


def queue_step(runner: FlowRunner, node: QueueNode) -> Ref:
    """End the walk: the caller goes to a queue."""
    runner.visit(node, node.queue)
    runner.finish(
        "queue",
        node,
        queue=node.queue,
        priority=node.priority,
        skills=tuple(node.skills),
        resume=node.next,
    )


def transfer_step(runner: FlowRunner, node: TransferNode) -> Ref:
    """End the walk: announce, then transfer to the rendered destination."""
    destination = Prompt(node.to).render(runner.variables)
    runner.play(node.announce, node)
    runner.visit(node, destination)
    runner.finish("transfer", node, destination=destination, transfer_kind=node.kind)


def voicemail_step(runner: FlowRunner, node: VoicemailNode) -> Ref:
    """Record a voicemail into the mailbox folder of the day; then on or the end."""
    runner.play(node.prompt, node)
    runner.typed = ""
    if node.beep:
        runner.io.play(BEEP)
    path = _voicemail_path(runner, node)
    recorded = runner.io.record(str(path), max_seconds=node.max_seconds)
    runner.voicemail_path = recorded.path
    runner.hooks.voicemail(recorded.path, recorded.milliseconds, node.mailbox)
    runner.visit(node, f"recorded:{recorded.milliseconds}ms")
    if node.next is None:
        runner.finish("voicemail", node)
    return node.next


def _voicemail_path(runner: FlowRunner, node: VoicemailNode) -> Path:
    day: date = runner.clock().date()
    name = f"{runner.variables.get('call_uuid') or 'call'}-{node.id}.wav"
    folder = runner.voicemail_dir / (node.mailbox or "general") / f"{day:%Y/%m/%d}"
    return folder / name


def goto_step(runner: FlowRunner, node: GotoNode) -> Ref:
    """Go on at another node or flow."""
    runner.visit(node, node.target.target)
    return node.target


def hangup_step(runner: FlowRunner, node: HangupNode) -> Ref:
    """Play the goodbye prompt, then end the walk with the cause."""
    runner.play(node.prompt, node)
    runner.visit(node, node.cause)
    runner.finish("hangup", node, cause=node.cause)


STEPS: dict[str, Callable[[FlowRunner, Any], Ref]] = {
    "play": play_step,
    "menu": menu_step,
    "speech": speech_step,
    "collect": collect_step,
    "survey": survey_step,
    "condition": condition_step,
    "schedule": schedule_step,
    "set": set_step,
    "lookup": lookup_step,
    "queue": queue_step,
    "transfer": transfer_step,
    "voicemail": voicemail_step,
    "goto": goto_step,
    "hangup": hangup_step,
}
