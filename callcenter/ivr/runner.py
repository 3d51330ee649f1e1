"""The flow runner: walks a flow one node at a time for one call, through a :class:`CallIO`.

One runner per call. It keeps the call's variables, follows edges (``goto`` into other
flows through the registry), counts steps, reports every visited node to the hooks, and
returns an :class:`Outcome` (queue, transfer, hangup, voicemail, or gone when the caller
hung up). Keys the caller pressed over a ``play`` prompt are kept as type-ahead for the next
node that reads keys, so a caller who knows the menu need not wait for it.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from callcenter.ivr.callio import (
    CallerGone,
    CallIO,
    LookupFailed,
    Lookups,
    Outcome,
    RunnerHooks,
    field_value,
)
from callcenter.ivr.errors import EvaluationError, IvrError
from callcenter.ivr.expr import Value
from callcenter.ivr.model import (
    CollectNode,
    ConditionNode,
    Expr,
    Flow,
    GotoNode,
    HangupNode,
    LookupNode,
    MenuNode,
    Node,
    PlayNode,
    Prompt,
    QueueNode,
    Ref,
    ScheduleNode,
    SetNode,
    SpeechNode,
    SurveyNode,
    TransferNode,
    VoicemailNode,
)
from callcenter.ivr.schedule import schedule_state
from callcenter.ivr.speech import SpeechError, SpeechRecognizer
from callcenter.logs import get_logger

__all__ = ["BEEP", "DEFAULT_MAX_STEPS", "FlowRunner", "FlowSource"]

log = get_logger(__name__)

DEFAULT_MAX_STEPS = 200
BEEP = "tone_stream://%(500,0,800)"
DIGIT_KEYS = "0123456789*#"


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
        self.log = log.bind(call_uuid=str(self.variables.get("call_uuid", "")))

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
                    self._visit(node, "step_limit")
                    return self._outcome("hangup", node, reason="step_limit")
                self.current = node
                next_ref = self._step(node)
                node = self._resolve(next_ref)
        except _End as end:
            return end.outcome
        except CallerGone:
            return self._outcome("gone", None, reason="caller hung up")

    def _resolve(self, ref: Ref) -> Node:
        if ref.flow is not None and ref.flow != self.flow.name:
            if self.flows is None:
                raise _End(self._outcome("hangup", None, reason=f"error: no flow {ref.flow}"))
            try:
                other = self.flows.get(ref.flow)
            except IvrError as exc:
                self.log.error("ivr goto into a flow not in service", error=str(exc))
                raise _End(self._outcome("hangup", None, reason=f"error: {exc}")) from None
            for name, value in other.variables.items():
                self.variables.setdefault(name, value)
            self.flow = other
        node_id = ref.node or self.flow.start.target
        try:
            return self.flow.node(node_id)
        except KeyError:
            reason = f"error: no node {node_id} in flow {self.flow.name}"
            self.log.error("ivr flow has no such node", flow=self.flow.name, node=node_id)
            raise _End(self._outcome("hangup", None, reason=reason)) from None

    def _step(self, node: Node) -> Ref:
        handler = getattr(self, "_node_" + node.type)
        return handler(node)

    # -- helpers --------------------------------------------------------------------------------

    def _name(self, node: Node | None) -> str:
        if node is None:
            return ""
        return node.id if self.flow.name == self.first_flow else f"{self.flow.name}:{node.id}"

    def _visit(self, node: Node, value: str) -> None:
        self.hooks.visited(self._name(node), value)

    def _outcome(self, kind: str, node: Node | None, **fields: Any) -> Outcome:
        return Outcome(
            kind,  # type: ignore[arg-type]
            node=self._name(node),
            voicemail=self.voicemail_path,
            survey_score=self.survey_score,
            variables=dict(self.variables),
            **fields,
        )

    def _render(self, prompt: Prompt) -> str:
        return prompt.render(self.variables)

    def _language(self, node: Node) -> str | None:
        return getattr(node, "language", None) or self.flow.language

    def _play(self, prompt: Prompt | None, node: Node) -> None:
        if prompt is not None:
            self.typed += self.io.play(self._render(prompt), language=self._language(node))

    def _keys(
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
        language = self._language(node)
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
            self._render(prompt),
            min_digits=min_digits,
            max_digits=max_digits,
            terminators=terminators,
            timeout=timeout,
            language=language,
        )

    def _choice(
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
            key = self._keys(
                node.prompt, node, min_digits=1, max_digits=1, terminators="", timeout=timeout
            )
            if not key:
                self._visit(node, "timeout")
                again = timeout_prompt
            elif (choices is not None and key in choices) or (valid is not None and valid(key)):
                self._visit(node, key)
                return key
            else:
                self._visit(node, f"invalid:{key}")
                again = invalid_prompt
            if attempt < retries:
                self._play(again, node)
                self.typed = ""  # a key pressed over the apology does not count
        return None

    def _exhausted(self, node: Node, default: Ref | None) -> Ref:
        if default is not None:
            self._visit(node, "default")
            return default
        self._visit(node, "hangup")
        raise _End(self._outcome("hangup", node, reason="no_input"))

    # -- node types -----------------------------------------------------------------------------

    def _node_play(self, node: PlayNode) -> Ref:
        before = self.typed
        self._play(node.prompt, node)
        pressed = self.typed[len(before) :]
        self._visit(node, f"barge-in:{pressed}" if pressed else "played")
        return node.next

    def _node_menu(self, node: MenuNode) -> Ref:
        key = self._choice(
            node, node.choices, node.timeout, node.retries, node.invalid_prompt,
            node.timeout_prompt,
        )  # fmt: skip
        return node.choices[key] if key is not None else self._exhausted(node, node.default)

    def _node_speech(self, node: SpeechNode) -> Ref:
        """Prompt, record the answer, recognise it against the phrases; keys count too.

        Each try: the prompt (a key over it is a DTMF answer), then a recording that ends on
        silence, then recognition off the event loop. A phrase -> ``speech:<phrase>``; nothing
        matched -> ``speech:nomatch`` and, while tries remain, ``invalid_prompt`` and again.
        When the speech tries are used up and the node has ``digits``, one last DTMF-only try
        (the prompt again, then a key); then ``default`` (absent: hang up).
        """
        if self.speech is None:
            key = self._choice(
                node, node.digits, node.timeout, node.retries, node.invalid_prompt, None
            )
            return node.digits[key] if key is not None else self._exhausted(node, node.default)
        for attempt in range(1 + node.retries):
            answer = self._listen(node, attempt)
            if answer is not None:
                return answer
            if self.speech is None:  # the recogniser failed: keys only from here
                break
            if attempt < node.retries:
                self._play(node.invalid_prompt, node)
                self.typed = ""
        if node.digits:
            key = self._choice(node, node.digits, node.timeout, 0, None, None)
            if key is not None:
                return node.digits[key]
        return self._exhausted(node, node.default)

    def _listen(self, node: SpeechNode, attempt: int) -> Ref | None:
        """One speech try: the branch, or None when nothing matched."""
        typed, self.typed = self.typed, ""
        if not typed:
            typed = self.io.play(self._render(node.prompt), language=self._language(node))
        if typed:
            return self._speech_key(node, typed[0])
        path = self.speech_dir / (
            f"{self.variables.get('call_uuid') or 'call'}-{node.id}-{self.steps}-{attempt}.wav"
        )
        recorded = self.io.record(
            str(path),
            max_seconds=max(int(node.timeout), 1),
            silence_seconds=self.speech_silence_seconds,
            silence_threshold=self.speech_threshold,
        )
        if recorded.digits:
            return self._speech_key(node, recorded.digits[0])
        assert self.speech is not None
        try:
            heard = self.speech.recognize(
                recorded.path or str(path), list(node.phrases), language=self._language(node)
            )
        except SpeechError as exc:
            self.log.error("speech recognition failed; using DTMF", node=node.id, error=str(exc))
            self.speech = None
            self._visit(node, "speech:error")
            return None
        finally:
            Path(recorded.path or path).unlink(missing_ok=True)
        if heard.phrase is None or heard.phrase not in node.phrases:
            self.log.info("speech not matched", node=node.id, heard=heard.text)
            self._visit(node, "speech:nomatch")
            return None
        self.variables[node.into] = heard.text
        self._visit(node, f"speech:{heard.phrase}")
        return node.phrases[heard.phrase]

    def _speech_key(self, node: SpeechNode, key: str) -> Ref | None:
        if key in node.digits:
            self._visit(node, key)
            return node.digits[key]
        self._visit(node, f"invalid:{key}")
        return None

    def _node_collect(self, node: CollectNode) -> Ref:
        for attempt in range(1 + node.retries):
            keys = self._keys(
                node.prompt,
                node,
                min_digits=node.min_digits,
                max_digits=node.max_digits,
                terminators=node.terminator,
                timeout=node.timeout,
            )
            if not keys:
                self._visit(node, "timeout")
            elif len(keys) < node.min_digits or (
                node.regex is not None and re.fullmatch(node.regex, keys) is None
            ):
                self._visit(node, f"invalid:{keys}")
                if attempt < node.retries:
                    self._play(node.invalid_prompt, node)
                    self.typed = ""
            else:
                self.variables[node.into] = keys
                self._visit(node, keys)
                return node.next
        return self._exhausted(node, node.default)

    def _node_survey(self, node: SurveyNode) -> Ref | None:
        key = self._choice(
            node, None, node.timeout, node.retries, None, None, valid=lambda k: k in "12345"
        )
        if key is None:
            if node.next is None:
                raise _End(self._outcome("hangup", node, reason="no_rating"))
            return node.next
        self.survey_score = int(key)
        self.variables[node.into] = self.survey_score
        self.hooks.survey(self.survey_score)
        self._play(node.thanks, node)
        if node.next is None:
            raise _End(self._outcome("hangup", node, reason="survey_done"))
        return node.next

    def _node_condition(self, node: ConditionNode) -> Ref:
        try:
            result = node.if_.expression.test(self.variables)
        except EvaluationError as exc:
            self.log.info("ivr condition not evaluated", node=node.id, error=str(exc))
            self._visit(node, "else")
            return node.else_
        self._visit(node, "then" if result else "else")
        return node.then if result else node.else_

    def _node_schedule(self, node: ScheduleNode) -> Ref:
        state = schedule_state(
            node.hours, node.holidays, self.clock(), node.timezone or self.timezone
        )
        self._visit(node, state)
        if state == "holiday":
            return node.holiday or node.closed
        return node.open if state == "open" else node.closed

    def _node_set(self, node: SetNode) -> Ref:
        for name, value in node.values.items():
            if isinstance(value, Expr):
                try:
                    self.variables[name] = value.expression.evaluate(self.variables)
                except EvaluationError as exc:
                    self.log.info("ivr set value not evaluated", node=node.id, error=str(exc))
                    self.variables[name] = None
            else:
                self.variables[name] = value
        self._visit(node, "set")
        return node.next

    def _node_lookup(self, node: LookupNode) -> Ref:
        try:
            if self.lookups is None:
                raise LookupFailed("no lookups configured")
            if node.source == "customer":
                number = str(self.variables.get("caller_number") or "")
                found = self.lookups.customer(number) if number else None
            else:
                url = Prompt(node.url or "").render(self.variables)
                found = self.lookups.webhook(url, node.timeout)
        except LookupFailed as exc:
            self.log.warning("ivr lookup failed", node=node.id, error=str(exc))
            self._visit(node, "fallback")
            return node.fallback or node.not_found or node.next
        if found is None:
            self._visit(node, "not_found")
            return node.not_found or node.next
        for variable, path in node.results.items():
            self.variables[variable] = field_value(found, path)
        self._visit(node, "found")
        return node.next

    def _node_queue(self, node: QueueNode) -> Ref:
        self._visit(node, node.queue)
        raise _End(
            self._outcome(
                "queue",
                node,
                queue=node.queue,
                priority=node.priority,
                skills=tuple(node.skills),
                resume=node.next,
            )
        )

    def _node_transfer(self, node: TransferNode) -> Ref:
        destination = Prompt(node.to).render(self.variables)
        self._play(node.announce, node)
        self._visit(node, destination)
        raise _End(
            self._outcome("transfer", node, destination=destination, transfer_kind=node.kind)
        )

    def _node_voicemail(self, node: VoicemailNode) -> Ref:
        self._play(node.prompt, node)
        self.typed = ""
        if node.beep:
            self.io.play(BEEP)
        path = self._voicemail_path(node)
        recorded = self.io.record(str(path), max_seconds=node.max_seconds)
        self.voicemail_path = recorded.path
        self.hooks.voicemail(recorded.path, recorded.milliseconds, node.mailbox)
        self._visit(node, f"recorded:{recorded.milliseconds}ms")
        if node.next is None:
            raise _End(self._outcome("voicemail", node))
        return node.next

    def _voicemail_path(self, node: VoicemailNode) -> Path:
        day: date = self.clock().date()
        name = f"{self.variables.get('call_uuid') or 'call'}-{node.id}.wav"
        folder = self.voicemail_dir / (node.mailbox or "general") / f"{day:%Y/%m/%d}"
        return folder / name

    def _node_goto(self, node: GotoNode) -> Ref:
        self._visit(node, node.target.target)
        return node.target

    def _node_hangup(self, node: HangupNode) -> Ref:
        self._play(node.prompt, node)
        self._visit(node, node.cause)
        raise _End(self._outcome("hangup", node, cause=node.cause))


def _cut(typed: str, max_digits: int, terminators: str) -> tuple[str, str] | None:
    """Complete input from type-ahead: (keys, left over), or None if more keys are needed."""
    for index, key in enumerate(typed):
        if terminators and key in terminators:
            return typed[:index], typed[index + 1 :]
        if index + 1 == max_digits:
            return typed[: index + 1], typed[index + 1 :]
    return None
