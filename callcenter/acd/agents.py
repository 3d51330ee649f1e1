"""Agent state machine: pure domain logic, no I/O; time is passed in by the caller."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from callcenter.acd.refusals import Refusal


class AgentState(StrEnum):
    """States of an agent (DESIGN.md conventions)."""

    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    NOT_READY = "not_ready"
    RESERVED = "reserved"
    RINGING = "ringing"
    ON_CALL = "on_call"
    ON_HOLD = "on_hold"
    WRAP_UP = "wrap_up"


class AgentStateError(Refusal):
    """An action the agent's current state does not allow; the message says why."""


# While a call is offered or up, not_ready and logout are remembered as the agent's next
# state ("pending") and carried out when the agent's part of the call is over: after wrap-up
# when the queue has one, at call end (or a failed / withdrawn offer) when it has none - as
# Amazon Connect's "next status". Ready in these states cancels what is pending.
OFFERED = frozenset({AgentState.RESERVED, AgentState.RINGING})
"""An offer is up: the agent is held for one call, its phone maybe ringing."""
DEFERRING = frozenset(
    {AgentState.RESERVED, AgentState.RINGING, AgentState.ON_CALL, AgentState.ON_HOLD}
)

# action -> states it may start from
_ALLOWED: dict[str, frozenset[AgentState]] = {
    "login": frozenset({AgentState.LOGGED_OUT}),
    "logout": frozenset({AgentState.AVAILABLE, AgentState.NOT_READY, AgentState.WRAP_UP})
    | DEFERRING,
    "ready": frozenset({AgentState.NOT_READY, AgentState.WRAP_UP, AgentState.AVAILABLE}),
    "not_ready": frozenset({AgentState.AVAILABLE, AgentState.NOT_READY, AgentState.WRAP_UP})
    | DEFERRING,
    "reserve": frozenset({AgentState.AVAILABLE}),
    "ring": frozenset({AgentState.RESERVED}),
    "answer": frozenset({AgentState.RINGING, AgentState.RESERVED}),
    "miss": frozenset({AgentState.RINGING, AgentState.RESERVED}),
    "release": frozenset({AgentState.RINGING, AgentState.RESERVED}),
    "hold": frozenset({AgentState.ON_CALL}),
    "unhold": frozenset({AgentState.ON_HOLD}),
    "end_call": frozenset({AgentState.ON_CALL, AgentState.ON_HOLD}),
    "hangup": frozenset({AgentState.ON_CALL, AgentState.ON_HOLD}),
    # click-to-call: the agent's own phone rings first (not while a call is offered or on)
    "dial": frozenset({AgentState.AVAILABLE, AgentState.NOT_READY, AgentState.WRAP_UP}),
    # CTI actions on the agent's current call (the engine checks the finer conditions, e.g.
    # that a consultation is in progress)
    "transfer": frozenset({AgentState.ON_CALL, AgentState.ON_HOLD}),
    "consult": frozenset({AgentState.ON_CALL, AgentState.ON_HOLD}),
    "consult_complete": frozenset({AgentState.ON_HOLD}),
    "consult_cancel": frozenset({AgentState.ON_HOLD}),
    "conference": frozenset({AgentState.ON_HOLD}),
    "dtmf": frozenset({AgentState.ON_CALL, AgentState.ON_HOLD}),
    # more wrap-up time before the agent is offered calls again
    "extend_wrap_up": frozenset({AgentState.WRAP_UP}),
    # masking the recording of the agent's current call (card numbers)
    "record_pause": frozenset({AgentState.ON_CALL, AgentState.ON_HOLD}),
    "record_resume": frozenset({AgentState.ON_CALL, AgentState.ON_HOLD}),
    # the wrap-up time is up (the engine's timer): the pending state, or available
    "finish_wrap_up": frozenset({AgentState.WRAP_UP}),
}

MAX_EXTEND_SECONDS = 600
"""Most wrap-up seconds one ``extend_wrap_up`` may add."""

# Hangup causes of a failed offer, by the kind of miss (anything else counts as no answer).
_REJECTED = frozenset({"CALL_REJECTED", "DECLINE"})
_BUSY = frozenset({"USER_BUSY"})
_UNREGISTERED = frozenset({"USER_NOT_REGISTERED", "SUBSCRIBER_ABSENT"})


def miss_kind(cause: str) -> str:
    """The kind of a failed offer: ``reject``, ``busy``, ``unregistered`` or ``no_answer``."""
    cause = cause.upper()
    if cause in _REJECTED:
        return "reject"
    if cause in _BUSY:
        return "busy"
    if cause in _UNREGISTERED:
        return "unregistered"
    return "no_answer"


@dataclass(frozen=True, slots=True)
class MissDelays:
    """Seconds an agent is not offered calls after a missed offer, by its cause."""

    reject: float = 0.0
    busy: float = 0.0
    unregistered: float = 0.0
    no_answer: float = 0.0

    def for_cause(self, cause: str) -> float:
        """The delay after an offer that failed with hangup cause ``cause``."""
        return float(getattr(self, miss_kind(cause)))


@dataclass(frozen=True, slots=True)
class Tier:
    """An agent's place in a queue: lower ``level`` is tried first; ``position`` orders top-down."""

    queue: str
    level: int = 1
    position: int = 1


Skills = tuple[tuple[str, int], ...]


def normalise_skills(value: Mapping[str, int] | Iterable[tuple[str, int]]) -> Skills:
    """``{skill: proficiency}`` or pairs as a sorted tuple of pairs (hashable, comparable)."""
    pairs = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(name), int(level)) for name, level in pairs))


@dataclass(frozen=True, slots=True)
class Agent:
    """One agent's live state. Every transition returns a new Agent (immutable value)."""

    agent_id: str
    extension: str
    state: AgentState = AgentState.LOGGED_OUT
    reason: str = ""
    since: datetime | None = None
    last_call_end: datetime | None = None
    missed_in_a_row: int = 0
    calls_answered: int = 0
    call_uuid: str = ""
    queues: tuple[str, ...] = field(default=())
    skills: Skills = ()  # (skill, proficiency) pairs; a dict is accepted and normalised
    tiers: tuple[Tier, ...] = ()  # level/position per queue; a queue without one is (1, 1)
    talk_seconds: float = 0.0  # answered-call time (incl. hold) since the counters were reset
    answered_at: datetime | None = None
    wrap_up_until: datetime | None = None  # wrap-up with a deadline: when it ends
    available_after: datetime | None = None  # after a missed offer: no offers before this
    pending: str = ""  # next state after this call: "not_ready:<reason>" or "logout" ("" none)

    def __post_init__(self) -> None:
        if not isinstance(self.skills, tuple):
            object.__setattr__(self, "skills", normalise_skills(self.skills))
        object.__setattr__(self, "tiers", tuple(self.tiers))

    def proficiency(self, skill: str) -> int:
        """The agent's proficiency in ``skill`` (0 when they do not have it)."""
        return next((level for name, level in self.skills if name == skill), 0)

    def tier(self, queue: str) -> Tier:
        """The agent's tier in ``queue`` (level 1, position 1 unless configured)."""
        return next((t for t in self.tiers if t.queue == queue), None) or Tier(queue)

    def check(self, action: str) -> None:
        """Raise :class:`AgentStateError` saying why ``action`` is not allowed right now."""
        if action not in _ALLOWED:
            raise AgentStateError(
                "unknown_action", action=action, actions=", ".join(sorted(_ALLOWED))
            )
        self._check(action)

    def _check(self, action: str) -> None:
        if action == "ready" and self.pending and self.state in DEFERRING:
            return  # cancels the pending not_ready / logout
        if self.state not in _ALLOWED[action]:
            raise AgentStateError(
                "state_forbids",
                agent=self.agent_id,
                action=action.replace("_", " "),
                state=self.state,
            )

    def _to(self, state: AgentState, now: datetime, **changes: object) -> Agent:
        changes.setdefault("wrap_up_until", None)  # only end_call sets a wrap-up deadline
        return replace(self, state=state, since=now, **changes)  # type: ignore[arg-type]

    def _settle(self, now: datetime) -> Agent:
        """The agent's part of the call is over: the pending state, if any, takes effect."""
        kind, _, reason = self.pending.partition(":")
        if kind == "logout":
            return self._to(AgentState.LOGGED_OUT, now, reason="", call_uuid="", pending="")
        if kind == "not_ready":
            return self._to(AgentState.NOT_READY, now, reason=reason, call_uuid="", pending="")
        return self

    def offerable(self, now: datetime) -> bool:
        """Whether a queue call may be offered now: available and past any delay after a miss."""
        return self.state == AgentState.AVAILABLE and (
            self.available_after is None or self.available_after <= now
        )

    def login(self, now: datetime, queues: tuple[str, ...] = ()) -> Agent:
        """Sign in; the agent starts not ready ('login') until they say ready."""
        self._check("login")
        return self._to(
            AgentState.NOT_READY,
            now,
            reason="login",
            queues=queues,
            missed_in_a_row=0,
            available_after=None,
            pending="",
        )

    def logout(self, now: datetime) -> Agent:
        """Sign out; while a call is offered or up: once the agent's part of it is over."""
        self._check("logout")
        if self.state in DEFERRING:
            return replace(self, pending="logout")
        return self._to(AgentState.LOGGED_OUT, now, reason="", call_uuid="", pending="")

    def ready(self, now: datetime) -> Agent:
        """Become available for calls (also ends wrap-up early); while a call is offered or
        up it cancels the pending not_ready / logout."""
        self._check("ready")
        if self.state in DEFERRING:
            return replace(self, pending="")
        return self._to(AgentState.AVAILABLE, now, reason="", call_uuid="", pending="")

    def not_ready(self, now: datetime, reason: str) -> Agent:
        """Stop taking calls for a reason (break, lunch, training, missed, ...); while a call
        is offered or up: once the agent's part of it is over ("not ready after this call")."""
        self._check("not_ready")
        if not reason:
            raise AgentStateError("reason_required")
        if self.state in DEFERRING:
            return replace(self, pending=f"not_ready:{reason}")
        return self._to(AgentState.NOT_READY, now, reason=reason, pending="")

    def reserve(self, now: datetime, call_uuid: str) -> Agent:
        """Hold the agent for one offered call, before the phone rings."""
        self._check("reserve")
        return self._to(AgentState.RESERVED, now, call_uuid=call_uuid)

    def dial(self, now: datetime, call_uuid: str) -> Agent:
        """Click-to-call: the agent's phone is about to be rung for an outbound call.

        The agent is reserved for the call (no queue call is offered meanwhile); then ``ring``,
        ``answer`` and ``end_call`` (or ``release`` when the dial fails) as for a queue call.
        """
        self._check("dial")
        return self._to(AgentState.RESERVED, now, reason="", call_uuid=call_uuid)

    def ring(self, now: datetime) -> Agent:
        """The agent's phone is ringing."""
        self._check("ring")
        return self._to(AgentState.RINGING, now)

    def answer(self, now: datetime) -> Agent:
        """The agent picked up the offered call."""
        self._check("answer")
        return self._to(
            AgentState.ON_CALL,
            now,
            missed_in_a_row=0,
            calls_answered=self.calls_answered + 1,
            answered_at=now,
            available_after=None,
        )

    def miss(
        self, now: datetime, max_missed: int, cause: str = "NO_ANSWER", delay: float = 0.0
    ) -> Agent:
        """The offer failed (no answer, busy, rejected, unregistered).

        After ``max_missed`` consecutive misses the agent goes not_ready('missed'); otherwise
        they are available again. ``delay`` (seconds, by cause: :class:`MissDelays`): no
        queue call is offered to the agent before it passes, whatever their state.
        """
        self._check("miss")
        missed = self.missed_in_a_row + 1
        after = now + timedelta(seconds=delay) if delay > 0 else None
        if cause == "USER_NOT_REGISTERED" or missed >= max_missed:
            reason = "unregistered" if cause == "USER_NOT_REGISTERED" else "missed"
            return self._to(
                AgentState.NOT_READY,
                now,
                reason=reason,
                call_uuid="",
                missed_in_a_row=missed,
                available_after=after,
            )._settle(now)
        return self._to(
            AgentState.AVAILABLE, now, call_uuid="", missed_in_a_row=missed, available_after=after
        )._settle(now)

    def release(self, now: datetime) -> Agent:
        """The offer was withdrawn (the caller left first): available again, no miss counted
        (or the pending state)."""
        self._check("release")
        return self._to(AgentState.AVAILABLE, now, call_uuid="")._settle(now)

    def hold(self, now: datetime) -> Agent:
        """The agent put the caller on hold."""
        self._check("hold")
        return self._to(AgentState.ON_HOLD, now)

    def unhold(self, now: datetime) -> Agent:
        """The agent took the caller off hold."""
        self._check("unhold")
        return self._to(AgentState.ON_CALL, now)

    def end_call(self, now: datetime, wrap_up: bool, seconds: float = 0.0) -> Agent:
        """The call ended: wrap-up if the queue has wrap-up time, else available again (or
        the pending state at once, so the next caller does not ring).

        ``seconds`` > 0 sets the wrap-up deadline (``wrap_up_until``); without it wrap-up
        lasts until the agent finishes it. A pending state waits for :meth:`finish_wrap_up`.
        """
        self._check("end_call")
        state = AgentState.WRAP_UP if wrap_up else AgentState.AVAILABLE
        talked = (now - self.answered_at).total_seconds() if self.answered_at else 0.0
        until = now + timedelta(seconds=seconds) if wrap_up and seconds > 0 else None
        ended = self._to(
            state,
            now,
            last_call_end=now,
            call_uuid="" if not wrap_up else self.call_uuid,
            talk_seconds=self.talk_seconds + max(0.0, talked),
            answered_at=None,
            wrap_up_until=until,
        )
        return ended if wrap_up else ended._settle(now)

    def finish_wrap_up(self, now: datetime) -> Agent:
        """The wrap-up time is up: the pending not_ready / logout, else available."""
        self._check("finish_wrap_up")
        if self.pending:
            return self._settle(now)
        return self._to(AgentState.AVAILABLE, now, reason="", call_uuid="")

    def extend_wrap_up(self, now: datetime, seconds: int) -> Agent:
        """More wrap-up time: the deadline becomes max(deadline, now) + ``seconds`` (1-600).

        The state and its ``since`` stay as they are.
        """
        self._check("extend_wrap_up")
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise AgentStateError("extend_not_whole", seconds=repr(seconds))
        if not 1 <= seconds <= MAX_EXTEND_SECONDS:
            raise AgentStateError("extend_range", limit=MAX_EXTEND_SECONDS, seconds=seconds)
        base = max(self.wrap_up_until or now, now)
        return replace(self, wrap_up_until=base + timedelta(seconds=seconds))

    def reset_counters(self) -> Agent:
        """Start a new statistics period (e.g. a new day): no calls and no talk time yet."""
        return replace(self, calls_answered=0, talk_seconds=0.0)

    def idle_since(self) -> datetime | None:
        """When the agent last became free (for longest-idle routing)."""
        return self.since if self.state == AgentState.AVAILABLE else None
