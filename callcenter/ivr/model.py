"""The flow model: a Flow of typed Nodes, each with its fields and its outgoing edges."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from callcenter.ivr.errors import NOWHERE, Pos
from callcenter.ivr.expr import Expression, Value
from callcenter.ivr.schedule import Holiday, WeeklyHours

__all__ = [
    "NODE_TYPES",
    "CollectNode",
    "ConditionNode",
    "Edge",
    "Expr",
    "Flow",
    "GotoNode",
    "HangupNode",
    "LookupNode",
    "MenuNode",
    "Node",
    "PlayNode",
    "Prompt",
    "QueueNode",
    "Ref",
    "ScheduleNode",
    "SetNode",
    "SpeechNode",
    "SurveyNode",
    "TransferNode",
    "VoicemailNode",
    "spec",
]

PROMPT_SCHEMES = ("say:", "tone_stream://", "silence_stream://", "local_stream://")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a node: ``node``, ``flow:node``, or ``flow:`` (that flow's start)."""

    target: str
    pos: Pos = NOWHERE

    @property
    def flow(self) -> str | None:
        """The other flow's name, or None for a node of this flow."""
        return self.target.split(":", 1)[0] if ":" in self.target else None

    @property
    def node(self) -> str | None:
        """The node id; None means the other flow's start node."""
        return self.target.split(":", 1)[1] or None if ":" in self.target else self.target


@dataclass(frozen=True, slots=True)
class Prompt:
    """What to play: a file under the prompts folder, a tone/silence/local stream, or say:TTS."""

    text: str
    pos: Pos = NOWHERE

    @property
    def kind(self) -> str:
        """``say``, ``tone``, ``silence``, ``stream`` or ``file``."""
        for scheme, kind in zip(PROMPT_SCHEMES, ("say", "tone", "silence", "stream"), strict=True):
            if self.text.startswith(scheme):
                return kind
        return "file"

    @property
    def variables(self) -> list[str]:
        """Variables used as ``${name}`` in the text."""
        return _VARIABLE.findall(self.text)

    def render(self, variables: Mapping[str, Value]) -> str:
        """The text with each ``${name}`` replaced by the variable's value ('' when unset)."""

        def value(match: re.Match[str]) -> str:
            found = variables.get(match.group(1))
            return "" if found is None else str(found)

        return _VARIABLE.sub(value, self.text)


@dataclass(frozen=True, slots=True)
class Expr:
    """An expression from the file with its position (the parsed form is ``expression``)."""

    expression: Expression
    pos: Pos = NOWHERE
    exact: bool = False  # pos is the first character and the text is on one line

    @property
    def source(self) -> str:
        """The expression's text."""
        return self.expression.source

    def pos_of_column(self, column: int) -> Pos:
        """Where column ``column`` (1-based) of the expression is in the file."""
        if not self.exact:
            return self.pos
        return Pos(self.pos.line, self.pos.column + column - 1)


@dataclass(frozen=True, slots=True)
class Edge:
    """An outgoing edge: its label (a digit, 'then', 'open', ...), the field and the target."""

    label: str
    field: str
    ref: Ref


def spec(kind: str, doc: str, *, required: bool = False, default: Any = None, **opts: Any) -> Any:
    """A node field: how the loader reads it (``kind`` and options) and what it means."""
    meta = {"kind": kind, "doc": doc, "required": required, **opts}
    if isinstance(default, dict | list):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True, kw_only=True)
class Node:
    """A step of a flow. ``instant`` nodes never wait for the caller."""

    type: ClassVar[str] = ""
    doc: ClassVar[str] = ""
    instant: ClassVar[bool] = False
    terminal: ClassVar[bool] = False

    id: str
    pos: Pos = field(default=NOWHERE, compare=False)
    marks: Mapping[str, Pos] = field(default_factory=dict, compare=False, repr=False)
    label: str | None = spec("str", "free text shown in the flow picture")

    @classmethod
    def field_specs(cls) -> dict[str, Mapping[str, Any]]:
        """The fields a flow file may give this node type, with their specs."""
        return {f.name: f.metadata for f in fields(cls) if f.metadata}

    def edges(self) -> list[Edge]:
        """Every outgoing edge in field order (a map field gives one edge per key)."""
        out: list[Edge] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Ref):
                out.append(Edge(f.metadata.get("edge", f.name), f.name, value))
            elif isinstance(value, dict):
                out.extend(
                    Edge(key, f.name, ref) for key, ref in value.items() if isinstance(ref, Ref)
                )
        return out

    def prompts(self) -> Iterator[tuple[str, Prompt]]:
        """Every prompt the node plays, with its field name."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Prompt):
                yield f.name, value

    def mark(self, name: str) -> Pos:
        """Where field ``name``'s value is, else where the node is."""
        return self.marks.get(name, self.pos)


_TIMEOUT = {"min": 1, "max": 60}
_RETRIES = {"min": 0, "max": 10}


@dataclass(frozen=True, kw_only=True)
class PlayNode(Node):
    type: ClassVar[str] = "play"
    doc: ClassVar[str] = "play a prompt (file, tone, silence or say:TTS text), then go on"
    prompt: Prompt = spec("prompt", "what to play", required=True)
    language: str | None = spec("language", "TTS language for say: prompts, e.g. en, zh")
    next: Ref = spec("target", "node after the prompt", required=True)


@dataclass(frozen=True, kw_only=True)
class MenuNode(Node):
    type: ClassVar[str] = "menu"
    doc: ClassVar[str] = "play a prompt and branch on one DTMF digit"
    prompt: Prompt = spec("prompt", "the menu prompt", required=True)
    choices: dict[str, Ref] = spec("targets", "digit -> node", required=True, keys="digit")
    timeout: float = spec("seconds", "seconds to wait for a digit", default=5.0, **_TIMEOUT)
    retries: int = spec(
        "int", "extra tries after an invalid or missing digit", default=2, **_RETRIES
    )
    invalid_prompt: Prompt | None = spec("prompt", "played after a digit with no choice")
    timeout_prompt: Prompt | None = spec("prompt", "played when no digit came in time")
    default: Ref | None = spec("target", "node when tries run out (absent: hang up)")
    language: str | None = spec("language", "TTS language for say: prompts")


@dataclass(frozen=True, kw_only=True)
class CollectNode(Node):
    type: ClassVar[str] = "collect"
    doc: ClassVar[str] = "collect several digits into a variable"
    prompt: Prompt = spec("prompt", "what to ask", required=True)
    into: str = spec("varname", "variable that receives the digits", required=True)
    min_digits: int = spec("int", "fewest digits", default=1, min=1, max=64)
    max_digits: int = spec("int", "most digits", default=20, min=1, max=64)
    terminator: str = spec("dtmf", "keys that end input early ('' for none)", default="#")
    regex: str | None = spec("regex", "the digits must match this regex (whole input)")
    timeout: float = spec("seconds", "seconds to wait for input", default=5.0, **_TIMEOUT)
    retries: int = spec("int", "extra tries after invalid or missing input", default=2, **_RETRIES)
    invalid_prompt: Prompt | None = spec("prompt", "played after input that does not match")
    next: Ref = spec("target", "node after valid input", required=True)
    default: Ref | None = spec("target", "node when tries run out (absent: hang up)")
    language: str | None = spec("language", "TTS language for say: prompts")


@dataclass(frozen=True, kw_only=True)
class SpeechNode(Node):
    type: ClassVar[str] = "speech"
    doc: ClassVar[str] = "ask a question, recognise a phrase (or a DTMF digit) and branch"
    prompt: Prompt = spec("prompt", "the question", required=True)
    phrases: dict[str, Ref] = spec("targets", "phrase -> node", required=True, keys="phrase")
    digits: dict[str, Ref] = spec(
        "targets", "DTMF fallback: digit -> node", default={}, keys="digit"
    )
    into: str = spec("varname", "variable that receives the recognised text", default="speech_text")
    timeout: float = spec("seconds", "seconds to wait for speech", default=5.0, **_TIMEOUT)
    retries: int = spec("int", "extra tries when nothing matched", default=1, **_RETRIES)
    invalid_prompt: Prompt | None = spec("prompt", "played when nothing matched")
    default: Ref | None = spec("target", "node when tries run out (absent: hang up)")
    language: str | None = spec("language", "recognition and TTS language")


@dataclass(frozen=True, kw_only=True)
class LookupNode(Node):
    type: ClassVar[str] = "lookup"
    doc: ClassVar[str] = "look up the customer by caller number, or ask an HTTP webhook"
    instant: ClassVar[bool] = True
    source: str = spec(
        "enum", "customer or webhook", required=True, choices=("customer", "webhook")
    )
    url: str | None = spec(
        "url", "webhook URL (http/https; ${var} allowed); GET with caller fields"
    )
    timeout: float = spec("seconds", "webhook timeout in seconds", default=3.0, min=0.1, max=30)
    results: dict[str, str] = spec(
        "results", "variable -> result field (a.b for nested JSON)", default={}
    )
    next: Ref = spec("target", "node after a successful lookup", required=True)
    not_found: Ref | None = spec("target", "node when nothing was found (absent: next)")
    fallback: Ref | None = spec("target", "node when the store/webhook fails (webhook: required)")


@dataclass(frozen=True, kw_only=True)
class ConditionNode(Node):
    type: ClassVar[str] = "condition"
    doc: ClassVar[str] = "branch on an expression over variables"
    instant: ClassVar[bool] = True
    if_: Expr = spec("expr", "the expression", required=True, key="if")
    then: Ref = spec("target", "node when true", required=True)
    else_: Ref = spec("target", "node when false", required=True, key="else", edge="else")


@dataclass(frozen=True, kw_only=True)
class ScheduleNode(Node):
    type: ClassVar[str] = "schedule"
    doc: ClassVar[str] = "branch on business hours and holidays"
    instant: ClassVar[bool] = True
    timezone: str | None = spec("timezone", "IANA zone (absent: the timezone setting)")
    hours: WeeklyHours | None = spec("hours", "weekday -> open ranges (or calendar)")
    holidays: tuple[Holiday, ...] = spec("holidays", "closed dates or date ranges", default=())
    calendar: str | None = spec(
        "name", "a calendar of the admin pages (its hours, holidays, zone), instead of hours"
    )
    open: Ref = spec("target", "node while open", required=True)
    closed: Ref = spec("target", "node while closed", required=True)
    holiday: Ref | None = spec("target", "node on holidays (absent: closed)")


@dataclass(frozen=True, kw_only=True)
class SetNode(Node):
    type: ClassVar[str] = "set"
    doc: ClassVar[str] = "set variables (literals, or {expr: ...})"
    instant: ClassVar[bool] = True
    values: dict[str, Value | Expr] = spec("values", "variable -> value", required=True)
    next: Ref = spec("target", "node after", required=True)


@dataclass(frozen=True, kw_only=True)
class QueueNode(Node):
    type: ClassVar[str] = "queue"
    doc: ClassVar[str] = "put the caller in a queue for an agent"
    queue: str = spec("name", "queue name (a queue in the database)", required=True)
    priority: int = spec("int", "higher is served first", default=0, min=0, max=100)
    skills: tuple[str, ...] = spec("names", "skills the agent must have", default=())
    next: Ref | None = spec("target", "node if the queue gives the call back (absent: queue rules)")


@dataclass(frozen=True, kw_only=True)
class TransferNode(Node):
    type: ClassVar[str] = "transfer"
    doc: ClassVar[str] = "transfer to an extension or an external number"
    terminal: ClassVar[bool] = True
    to: str = spec(
        "phone", "extension or number (digits, leading + allowed, ${var})", required=True
    )
    kind: str = spec(
        "enum", "extension or external", default="extension", choices=("extension", "external")
    )
    announce: Prompt | None = spec("prompt", "played before transferring")


@dataclass(frozen=True, kw_only=True)
class VoicemailNode(Node):
    type: ClassVar[str] = "voicemail"
    doc: ClassVar[str] = "record a message (becomes a ticket)"
    prompt: Prompt = spec("prompt", "played before the beep", required=True)
    max_seconds: int = spec("int", "longest message", default=120, min=5, max=600)
    beep: bool = spec("bool", "beep before recording", default=True)
    mailbox: str | None = spec("name", "mailbox / ticket category")
    next: Ref | None = spec("target", "node after recording (absent: hang up)")


@dataclass(frozen=True, kw_only=True)
class SurveyNode(Node):
    type: ClassVar[str] = "survey"
    doc: ClassVar[str] = "ask for a 1-5 rating and store it on the call"
    prompt: Prompt = spec("prompt", "the question", required=True)
    into: str = spec("varname", "variable for the rating", default="survey_rating")
    timeout: float = spec("seconds", "seconds to wait for a digit", default=5.0, **_TIMEOUT)
    retries: int = spec("int", "extra tries", default=1, **_RETRIES)
    thanks: Prompt | None = spec("prompt", "played after a rating")
    next: Ref | None = spec("target", "node after (absent: hang up)")


@dataclass(frozen=True, kw_only=True)
class GotoNode(Node):
    type: ClassVar[str] = "goto"
    doc: ClassVar[str] = "jump to a node, or to another flow (flow:node, or flow: for its start)"
    instant: ClassVar[bool] = True
    target: Ref = spec("target", "node, flow:node or flow:", required=True, cross_flow=True)


@dataclass(frozen=True, kw_only=True)
class HangupNode(Node):
    type: ClassVar[str] = "hangup"
    doc: ClassVar[str] = "end the call"
    terminal: ClassVar[bool] = True
    prompt: Prompt | None = spec("prompt", "played before hanging up")
    cause: str = spec("cause", "hangup cause", default="NORMAL_CLEARING")


NODE_TYPES: dict[str, type[Node]] = {
    cls.type: cls
    for cls in (
        PlayNode,
        MenuNode,
        CollectNode,
        SpeechNode,
        LookupNode,
        ConditionNode,
        ScheduleNode,
        SetNode,
        QueueNode,
        TransferNode,
        VoicemailNode,
        SurveyNode,
        GotoNode,
        HangupNode,
    )
}


def yaml_key(name: str, meta: Mapping[str, Any]) -> str:
    """The key a field has in a flow file (``if_`` is written ``if``)."""
    return str(meta.get("key", name))


@dataclass(frozen=True)
class Flow:
    """One flow file: its nodes by id, the start node and declared variables."""

    name: str
    path: str
    start: Ref
    nodes: Mapping[str, Node]
    description: str = ""
    language: str | None = None
    variables: Mapping[str, Value] = field(default_factory=dict)
    pos: Pos = NOWHERE
    version: int = 0  # the published version number (flows from the database); 0: a file

    def node(self, node_id: str) -> Node:
        """The node with this id; KeyError if there is none."""
        return self.nodes[node_id]

    @property
    def start_node(self) -> Node:
        """Where a call enters the flow."""
        return self.nodes[self.start.target]
