"""The flow runner: walks a flow one node at a time for one call, through a :class:`CallIO`.

One runner per call. It keeps the call's variables, follows edges (``goto`` into other
flows through the registry), counts steps, reports every visited node to the hooks, and
returns an :class:`Outcome` (queue, transfer, hangup, voicemail, or gone when the caller
hung up). What each node type does is in :mod:`callcenter.ivr.steps`; the runner gives the
steps prompts, keys and reports. Keys the caller pressed over a ``play`` prompt are kept as
type-ahead for the next node that reads keys, so a caller who knows the menu need not wait.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, Protocol

from callcenter.ivr.callio import CallerGone, CallIO, Lookups, Outcome, RunnerHooks, Visit
from callcenter.ivr.errors import IvrError
from callcenter.ivr.expr import Value
from callcenter.ivr.model import Flow, MenuNode, Node, Prompt, Ref, SpeechNode, SurveyNode
from callcenter.ivr.speech import SpeechRecognizer
from callcenter.ivr.steps import BEEP, STEPS
from callcenter.logs import CallLog, get_logger

__all__ = ["BEEP", "DEFAULT_MAX_STEPS", "FlowRunner", "FlowSource"]

log = get_logger(__name__)

DEFAULT_MAX_STEPS = 200


class FlowSource(Protocol):
    """Finds another flow by name (the :class:`~callcenter.ivr.registry.FlowRegistry`)."""

    def get(self, name: str) -> Flow:
        """The flow in service under ``name``."""


class _End(Exception):
    """Internal: the run is over with this outcome."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.kind)
        self.outcome = outcome


class FlowRunner:
    """Runs ``flow`` for one call; create one per call and call :meth:`run` once."""

    def __init__(
        self,
        flow: Flow,
        io: CallIO,
        *,
        variables: Mapping[str, Value] | None = None,
        flows: FlowSource | None = None,
        lookups: Lookups | None = None,
        hooks: RunnerHooks | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timezone: str = "UTC",
        voicemail_dir: Path | str = "recordings/voicemail",
        max_steps: int = DEFAULT_MAX_STEPS,
        speech: SpeechRecognizer | None = None,
        speech_dir: Path | str | None = None,
        speech_silence_seconds: int = 2,
        speech_threshold: int = 200,
    ) -> None:
        self.flow = flow
        self.first_flow = flow.name
        self.io = io
        self.flows = flows
        self.lookups = lookups
        self.hooks = hooks or RunnerHooks()
        self.clock = clock
        self.timezone = timezone
        self.voicemail_dir = Path(voicemail_dir)
        self.max_steps = max_steps
        self.speech = speech  # None: speech nodes use their DTMF digits only
        self.speech_dir = Path(speech_dir or Path(tempfile.gettempdir()) / "callcenter-speech")
        self.speech_silence_seconds = speech_silence_seconds
        self.speech_threshold = speech_threshold
        self.steps = 0
        self.variables: dict[str, Value] = dict(flow.variables)
        self.variables.update(variables or {})
        self.typed = ""  # keys pressed over a play prompt, for the next node that reads keys
        self.voicemail_path = ""
        self.survey_score: int | None = None
        self.current: Node | None = None  # the node being run (for a log if it fails)
        self.log = CallLog(log, call_uuid=str(self.variables.get("call_uuid", "")))

    # -- the walk -------------------------------------------------------------------------------

    def run(self, start: Ref | None = None) -> Outcome:
        """Walk from ``start`` (default: the flow's start node) until the flow ends."""
        ref = start or self.flow.start
        try:
            node = self._resolve(ref)
            while True:
                self.steps += 1
                if self.steps > self.max_steps:
                    self.log.warning("ivr step limit reached", flow=self.flow.name, node=node.id)
                    self.visit(node, "step_limit")
                    return self.outcome("hangup", node, reason="step_limit")
                self.current = node
                next_ref = self._step(node)
                node = self._resolve(next_ref)
        except _End as end:
            return end.outcome
        except CallerGone:
            return self.outcome("gone", None, reason="caller hung up")

    def _resolve(self, ref: Ref) -> Node:
        if ref.flow is not None and ref.flow != self.flow.name:
            if self.flows is None:
                self.finish("hangup", None, reason=f"error: no flow {ref.flow}")
            try:
                other = self.flows.get(ref.flow)
            except IvrError as exc:
                self.log.error("ivr goto into a flow not in service", error=str(exc))
                self.finish("hangup", None, reason=f"error: {exc}")
            for name, value in other.variables.items():
                self.variables.setdefault(name, value)
            self.flow = other
        node_id = ref.node or self.flow.start.target
        try:
            return self.flow.node(node_id)
        except KeyError:
            reason = f"error: no node {node_id} in flow {self.flow.name}"
            self.log.error("ivr flow has no such node", flow=self.flow.name, node=node_id)
            self.finish("hangup", None, reason=reason)

    def _step(self, node: Node) -> Ref:
        return STEPS[node.type](self, node)

    # -- what the steps use -----------------------------------------------------------------------

    def name(self, node: Node | None) -> str:
        """The node's name in reports: its id, prefixed by its flow once a goto left the first."""
        if node is None:
            return ""
        return node.id if self.flow.name == self.first_flow else f"{self.flow.name}:{node.id}"

    def visit(self, node: Node, value: str) -> None:
        """Report a visit of ``node`` with what happened there to the hooks."""
        flow = self.flow
        self.hooks.step(Visit(self.name(node), flow.name, flow.version, node.id, node.type, value))

    def outcome(self, kind: str, node: Node | None, **fields: Any) -> Outcome:
        """The run's result so far, ending at ``node``, with ``fields`` of the outcome."""
        return Outcome(
            kind,  # type: ignore[arg-type]
            node=self.name(node),
            voicemail=self.voicemail_path,
            survey_score=self.survey_score,
            variables=dict(self.variables),
            **fields,
        )

    def finish(self, kind: str, node: Node | None, **fields: Any) -> NoReturn:
        """End the walk here with an outcome of ``kind``."""
        raise _End(self.outcome(kind, node, **fields))

    def render(self, prompt: Prompt) -> str:
        """The prompt's text with the call's variables filled in."""
        return prompt.render(self.variables)

    def language(self, node: Node) -> str | None:
        """The node's language, else the flow's (None: the default voice)."""
        return getattr(node, "language", None) or self.flow.language

    def play(self, prompt: Prompt | None, node: Node) -> None:
        """Play a prompt (if any); keys pressed over it become type-ahead."""
        if prompt is not None:
            self.typed += self.io.play(self.render(prompt), language=self.language(node))

    def keys(
        self,
        prompt: Prompt,
        node: Node,
        *,
        min_digits: int,
        max_digits: int,
        terminators: str,
        timeout: float,
    ) -> str:
        """Keys for an input node: type-ahead first, then the prompt and the caller's keys."""
        typed, self.typed = self.typed, ""
        language = self.language(node)
        if typed:
            cut = _cut(typed, max_digits, terminators)
            if cut is not None:
                keys, self.typed = cut
                return keys
            more = self.io.collect(
                None,
                min_digits=max(min_digits - len(typed), 0),
                max_digits=max_digits - len(typed),
                terminators=terminators,
                timeout=timeout,
                language=language,
            )
            return typed + more
        return self.io.collect(
            self.render(prompt),
            min_digits=min_digits,
            max_digits=max_digits,
            terminators=terminators,
            timeout=timeout,
            language=language,
        )

    def choice(
        self,
        node: MenuNode | SpeechNode | SurveyNode,
        choices: Mapping[str, Ref] | None,
        timeout: float,
        retries: int,
        invalid_prompt: Prompt | None,
        timeout_prompt: Prompt | None,
        valid: Callable[[str], bool] | None = None,
    ) -> str | None:
        """One key with retries; the key (valid) or None when the tries ran out."""
        for attempt in range(1 + retries):
            key = self.keys(
                node.prompt, node, min_digits=1, max_digits=1, terminators="", timeout=timeout
            )
            if not key:
                self.visit(node, "timeout")
                again = timeout_prompt
            elif (choices is not None and key in choices) or (valid is not None and valid(key)):
                self.visit(node, key)
                return key
            else:
                self.visit(node, f"invalid:{key}")
                again = invalid_prompt
            if attempt < retries:
                self.play(again, node)
                self.typed = ""  # a key pressed over the apology does not count
        return None

    def exhausted(self, node: Node, default: Ref | None) -> Ref:
        """The tries ran out: the ``default`` branch, or hang up without one."""
        if default is not None:
            self.visit(node, "default")
            return default
        self.visit(node, "hangup")
        self.finish("hangup", node, reason="no_input")


def _cut(typed: str, max_digits: int, terminators: str) -> tuple[str, str] | None:
    """Complete input from type-ahead: (keys, left over), or None if more keys are needed."""
    for index, key in enumerate(typed):
        if terminators and key in terminators:
            return typed[:index], typed[index + 1 :]
        if index + 1 == max_digits:
            return typed[: index + 1], typed[index + 1 :]
    return None
