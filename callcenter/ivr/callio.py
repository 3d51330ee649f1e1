"""What a flow runner needs from the outside: the call's media (CallIO), lookups, and results.

The runner decides; the engine carries out. ``CallIO`` is the small protocol the engine
implements on the outbound session (so nothing here knows ESL), and a scripted in-memory
version makes the runner testable without a switch. ``Lookups`` fetches customer data and
webhook answers. A run ends with an :class:`Outcome` the engine acts upon.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from callcenter.ivr.expr import Value
from callcenter.ivr.model import Ref
from callcenter.ivr.schedule import Calendar

__all__ = [
    "CallIO",
    "CallerGone",
    "LookupFailed",
    "Lookups",
    "Outcome",
    "OutcomeKind",
    "Recorded",
    "RunnerHooks",
    "Visit",
    "field_value",
]


class CallerGone(Exception):
    """The caller hung up (or the call went away); every CallIO method may raise it."""


class LookupFailed(Exception):
    """The store or the webhook could not answer (down, timed out, bad reply)."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """A finished recording: where the file is and how long it lasted."""

    path: str
    milliseconds: int = 0
    digits: str = ""  # a key that ended the recording, if any


class CallIO(Protocol):
    """Media operations on one live call. ``prompt`` strings are rendered prompt texts
    (``say:...``, ``tone_stream://...``, ``silence_stream://...``, ``local_stream://...`` or a
    file name); every method raises :class:`CallerGone` when the caller has hung up."""

    def play(self, prompt: str, *, language: str | None = None) -> str:
        """Play a prompt to its end; return the keys that interrupted it ('' if none)."""

    def collect(
        self,
        prompt: str | None,
        *,
        min_digits: int,
        max_digits: int,
        terminators: str,
        timeout: float,
        language: str | None = None,
    ) -> str:
        """Play ``prompt`` (None: none) and gather keys; '' when none came within ``timeout``.

        Input ends at ``max_digits`` keys, a key of ``terminators`` (not returned), or
        ``timeout`` seconds without a key. Checking min/regex is the caller's business.
        """

    def record(
        self,
        path: str,
        *,
        max_seconds: int,
        silence_seconds: int | None = None,
        silence_threshold: int | None = None,
    ) -> Recorded:
        """Record the caller into ``path`` (a WAV file) until silence, a key or max_seconds.

        ``silence_seconds`` / ``silence_threshold``: how many seconds below which energy end
        the recording (None: the IO's defaults for messages). Speech nodes pass short ones.
        """

    def set_variable(self, name: str, value: str) -> None:
        """Set a channel variable on the call."""

    def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        """Hang the call up."""

    def transfer(self, destination: str, kind: str = "extension") -> None:
        """Send the call to an extension or an external number (the IVR is done with it)."""


class Lookups(Protocol):
    """Where ``lookup`` nodes get their answers."""

    def customer(self, number: str) -> Mapping[str, Any] | None:
        """The customer with this phone number (fields id, name, vip, region, tags, notes),
        None if there is none; :class:`LookupFailed` if the store cannot answer."""

    def webhook(self, url: str, timeout: float) -> Mapping[str, Any] | None:
        """The JSON object a GET of ``url`` answers; None on HTTP 404;
        :class:`LookupFailed` on any other failure or after ``timeout`` seconds."""

    def calendar(self, name: str) -> Calendar | None:
        """The active named calendar (schedule nodes' ``calendar:``), None if there is none;
        :class:`LookupFailed` if the store cannot answer."""


def field_value(data: Mapping[str, Any], path: str) -> Value:
    """``a.b`` of nested JSON objects; None when a key is missing; other types as text."""
    current: Any = data
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    if current is None or isinstance(current, str | int | float | bool):
        return current
    if isinstance(current, list | tuple):
        return [
            item if isinstance(item, str | int | float | bool) else str(item) for item in current
        ]
    return str(current)


OutcomeKind = Literal["queue", "transfer", "hangup", "voicemail", "gone"]


@dataclass(frozen=True)
class Outcome:
    """How the IVR ended: what the engine does next with the call.

    ``queue``: enqueue (queue, priority, skills; ``resume`` is the queue node's ``next``).
    ``transfer``: send to ``destination`` (``transfer_kind`` extension/external).
    ``hangup`` / ``voicemail``: hang up with ``cause``. ``gone``: the caller hung up.
    ``reason`` says why a run ended early (``no_input``, ``step_limit``, ``error: ...``).
    """

    kind: OutcomeKind
    node: str = ""
    queue: str = ""
    priority: int = 0
    skills: tuple[str, ...] = ()
    resume: Ref | None = None
    destination: str = ""
    transfer_kind: str = "extension"
    cause: str = "NORMAL_CLEARING"
    reason: str = ""
    voicemail: str = ""  # path of a message recorded during the run
    survey_score: int | None = None
    variables: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Visit:
    """One visit of a node: where (flow, its version, node id and type) and what happened."""

    name: str  # the node's name in the call's IVR path (prefixed by its flow after a goto)
    flow: str
    version: int
    node: str
    node_type: str
    value: str


class RunnerHooks:
    """Callbacks for what happens during a run (the engine publishes them as bus events)."""

    def visited(self, node: str, value: str) -> None:
        """A node was visited; ``value`` is what the caller did or the branch taken."""

    def step(self, visit: Visit) -> None:
        """A node was visited, with its flow and version (default: :meth:`visited`)."""
        self.visited(visit.name, visit.value)

    def voicemail(self, path: str, milliseconds: int, mailbox: str | None) -> None:
        """A voicemail message was recorded to ``path``."""

    def survey(self, score: int) -> None:
        """The caller gave a 1-5 rating."""
