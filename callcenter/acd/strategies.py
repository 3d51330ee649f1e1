"""Routing strategies: which free agent(s) to offer a waiting caller, as plain functions of state.

Every decision is a function of the queue's configuration, the caller, the agents, the time
(passed in) and an explicit :class:`RoutingState` (round-robin's memory), plus an injected
random source for the ``random`` strategy. Nothing here reads a clock, a socket or a global.

Eligibility (the same for every strategy): the agent is ``available`` and past any delay after
a missed offer (:meth:`Agent.offerable`), a member of the queue, meets the skill minimums in
force for this caller's wait (see :func:`skill_minimums`), and their tier level has opened
(see :func:`open_levels`). Among the eligible, only the lowest
level is offered (mod_callcenter tiers). The strategy then orders that level's agents.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from callcenter.acd.agents import Agent, Skills, normalise_skills
from callcenter.acd.line import WaitingLine
from callcenter.acd.routing import WaitingCall

__all__ = [
    "STRATEGIES",
    "QueueConfig",
    "RoutingState",
    "UnknownStrategy",
    "choose_agents",
    "choose_for_queue",
    "eligible_agents",
    "next_change_at",
    "open_levels",
    "rank_agents",
    "skill_minimums",
]

STRATEGIES: tuple[str, ...] = (
    "longest-idle-agent",
    "round-robin",
    "ring-all",
    "fewest-calls",
    "least-talk-time",
    "top-down",
    "random",
    "skills-based",
)

Widening = tuple[tuple[float, int], ...]


class UnknownStrategy(ValueError):
    """A queue names a routing strategy this engine does not have."""


def _strategy_name(name: str) -> str:
    normal = name.strip().lower().replace("_", "-")
    if normal not in STRATEGIES:
        raise UnknownStrategy(
            f"unknown routing strategy {name!r}; use one of: {', '.join(STRATEGIES)}"
        )
    return normal


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """A queue's routing knobs: the strategy name and what it needs.

    ``skills``: required skill -> starting minimum proficiency (dict or pairs; applies to every
    strategy as a filter, and ``skills-based`` also ranks by proficiency).
    ``widening``: ``(seconds waited, minimum)`` steps; once a step is reached every required
    skill's minimum is capped at its value (a step never raises a requirement), e.g.
    ``((0, 8), (30, 5), (60, 1))``.
    ``tier_wait``: 0 offers every level at once (lowest free level first); above 0, level
    ``L`` opens once the caller has waited ``(L - 1) * tier_wait`` seconds.
    """

    name: str
    strategy: str = "longest-idle-agent"
    skills: Skills = ()
    widening: Widening = ()
    tier_wait: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "strategy", _strategy_name(self.strategy))
        if not isinstance(self.skills, tuple):
            object.__setattr__(self, "skills", normalise_skills(self.skills))
        steps = tuple(sorted((float(after), int(minimum)) for after, minimum in self.widening))
        if any(after < 0 for after, _ in steps):
            raise ValueError(f"queue {self.name}: widening waits must be >= 0 seconds: {steps}")
        object.__setattr__(self, "widening", steps)
        if self.tier_wait < 0:
            raise ValueError(f"queue {self.name}: tier_wait must be >= 0 seconds")


@dataclass(frozen=True, slots=True)
class RoutingState:
    """What strategies remember between calls: round-robin's last agent key per queue."""

    last: Mapping[str, tuple[int, str]] = field(default_factory=dict)

    def rotated(self, queue: str, agent: Agent) -> RoutingState:
        """The state after ``agent`` was offered a call of ``queue``."""
        return replace(self, last={**self.last, queue: _position_key(agent, queue)})


# -- eligibility ----------------------------------------------------------------------------


def _waited(call: WaitingCall, now: datetime) -> float:
    return max(0.0, (now - call.enqueued_at).total_seconds())


def skill_minimums(config: QueueConfig, call: WaitingCall, now: datetime) -> dict[str, int]:
    """Minimum proficiency per required skill (queue's and caller's) after the caller's wait."""
    required: dict[str, int] = dict(config.skills)
    for name, minimum in call.skills:
        required[name] = max(minimum, required.get(name, minimum))
    waited = _waited(call, now)
    reached = [minimum for after, minimum in config.widening if after <= waited]
    if reached:
        cap = reached[-1]
        required = {name: min(minimum, cap) for name, minimum in required.items()}
    return required


def open_levels(config: QueueConfig, call: WaitingCall, now: datetime) -> int | None:
    """Highest tier level open to this caller (None: every level)."""
    if config.tier_wait <= 0:
        return None
    return 1 + int(_waited(call, now) // config.tier_wait)


def next_change_at(config: QueueConfig, call: WaitingCall, now: datetime) -> datetime | None:
    """When more agents next become eligible for ``call`` (a widening step or a tier opening).

    An event-driven dispatcher sets a timer for this instead of polling; None: never.
    """
    waited = _waited(call, now)
    times = [after for after, _ in config.widening if after > waited]
    if config.tier_wait > 0:
        times.append((int(waited // config.tier_wait) + 1) * config.tier_wait)
    if not times:
        return None
    return call.enqueued_at + timedelta(seconds=min(times))


def _meets(agent: Agent, minimums: Mapping[str, int]) -> bool:
    return all(agent.proficiency(name) >= minimum for name, minimum in minimums.items())


def eligible_agents(
    config: QueueConfig, call: WaitingCall, agents: Iterable[Agent], now: datetime
) -> list[Agent]:
    """Free agents of the queue who may take ``call`` now, all at the lowest open tier level."""
    minimums = skill_minimums(config, call, now)
    top = open_levels(config, call, now)
    queue = config.name
    free = [
        a
        for a in agents
        if a.offerable(now)
        and queue in a.queues
        and _meets(a, minimums)
        and (top is None or a.tier(queue).level <= top)
    ]
    if not free:
        return []
    lowest = min(a.tier(queue).level for a in free)
    return [a for a in free if a.tier(queue).level == lowest]


# -- orderings ------------------------------------------------------------------------------


def _idle_key(agent: Agent, now: datetime) -> tuple[datetime, str]:
    return (agent.idle_since() or now, agent.agent_id)


def _position_key(agent: Agent, queue: str) -> tuple[int, str]:
    return (agent.tier(queue).position, agent.agent_id)


@dataclass(frozen=True, slots=True)
class _Ask:
    config: QueueConfig
    call: WaitingCall
    now: datetime
    state: RoutingState
    rng: random.Random


Ranker = Callable[[_Ask, list[Agent]], list[Agent]]


def _longest_idle(ask: _Ask, agents: list[Agent]) -> list[Agent]:
    return sorted(agents, key=lambda a: _idle_key(a, ask.now))


def _by_position(ask: _Ask, agents: list[Agent]) -> list[Agent]:
    return sorted(agents, key=lambda a: _position_key(a, ask.config.name))


def _round_robin(ask: _Ask, agents: list[Agent]) -> list[Agent]:
    ordered = _by_position(ask, agents)
    last = ask.state.last.get(ask.config.name)
    if last is None:
        return ordered
    last = tuple(last)
    after = [a for a in ordered if _position_key(a, ask.config.name) > last]
    return after + [a for a in ordered if _position_key(a, ask.config.name) <= last]


def _fewest_calls(ask: _Ask, agents: list[Agent]) -> list[Agent]:
    return sorted(agents, key=lambda a: (a.calls_answered, *_idle_key(a, ask.now)))


def _least_talk(ask: _Ask, agents: list[Agent]) -> list[Agent]:
    return sorted(agents, key=lambda a: (a.talk_seconds, *_idle_key(a, ask.now)))


def _random(ask: _Ask, agents: list[Agent]) -> list[Agent]:
    ordered = sorted(agents, key=lambda a: a.agent_id)  # same input order -> same draw
    ask.rng.shuffle(ordered)
    return ordered


def _skills_based(ask: _Ask, agents: list[Agent]) -> list[Agent]:
    needed = skill_minimums(ask.config, ask.call, ask.now)

    def key(agent: Agent) -> tuple[int, datetime, str]:
        return (-sum(agent.proficiency(name) for name in needed), *_idle_key(agent, ask.now))

    return sorted(agents, key=key)


_RANKERS: dict[str, Ranker] = {
    "longest-idle-agent": _longest_idle,
    "round-robin": _round_robin,
    "ring-all": _by_position,
    "fewest-calls": _fewest_calls,
    "least-talk-time": _least_talk,
    "top-down": _by_position,
    "random": _random,
    "skills-based": _skills_based,
}
assert set(_RANKERS) == set(STRATEGIES)

_DEFAULT_RNG = random.Random()


# -- entry points ---------------------------------------------------------------------------


def rank_agents(
    config: QueueConfig,
    call: WaitingCall,
    agents: Iterable[Agent],
    now: datetime,
    state: RoutingState | None = None,
    rng: random.Random | None = None,
) -> list[Agent]:
    """Every eligible agent, best first (the strategy's order); alternates for a lost race."""
    state = state or RoutingState()
    ranker = _RANKERS.get(config.strategy) or _RANKERS[_strategy_name(config.strategy)]
    ask = _Ask(config, call, now, state, rng or _DEFAULT_RNG)
    return ranker(ask, eligible_agents(config, call, agents, now))


def choose_agents(
    config: QueueConfig,
    call: WaitingCall,
    agents: Iterable[Agent],
    now: datetime,
    state: RoutingState | None = None,
    rng: random.Random | None = None,
) -> tuple[list[Agent], RoutingState]:
    """The agents to ring for ``call`` (one, or every eligible one for ``ring-all``) and the
    routing state to keep if the offer goes out. Empty list: nobody can take the call now.
    """
    state = state or RoutingState()
    ranked = rank_agents(config, call, agents, now, state, rng)
    if not ranked:
        return [], state
    chosen = ranked if config.strategy == "ring-all" else ranked[:1]
    if config.strategy == "round-robin":
        state = state.rotated(config.name, chosen[0])
    return chosen, state


def choose_for_queue(
    config: QueueConfig,
    waiting: WaitingLine | Iterable[WaitingCall],
    agents: Iterable[Agent],
    now: datetime,
    state: RoutingState | None = None,
    rng: random.Random | None = None,
) -> tuple[WaitingCall | None, list[Agent], RoutingState]:
    """The first caller of the queue (priority, then arrival) someone can take, and whom to ring.

    A caller whose skills nobody free has yet does not block the callers behind them. Pass a
    :class:`WaitingLine` to skip sorting the callers (it keeps them in order).
    """
    state = state or RoutingState()
    pool = [a for a in agents if a.offerable(now) and config.name in a.queues]
    if not pool:  # the usual case while callers wait: no scan of the callers at all
        return None, [], state
    if isinstance(waiting, WaitingLine):
        line: Iterable[WaitingCall] = waiting.calls(config.name)
    else:
        line = sorted((c for c in waiting if c.queue == config.name), key=WaitingCall.sort_key)
    for call in line:
        chosen, new_state = choose_agents(config, call, pool, now, state, rng)
        if chosen:
            return call, chosen, new_state
    return None, [], state
