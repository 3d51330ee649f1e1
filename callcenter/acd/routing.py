"""Queue order and agent choice: plain functions of state that unit tests call directly."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from callcenter.acd.agents import Agent, AgentState, Skills, normalise_skills


@dataclass(frozen=True, slots=True)
class WaitingCall:
    """A caller waiting in a queue."""

    call_uuid: str
    queue: str
    caller_number: str
    enqueued_at: datetime
    priority: int = 0
    skills: Skills = ()  # extra skills this caller needs (IVR-set, e.g. language), as pairs

    def __post_init__(self) -> None:
        if not isinstance(self.skills, tuple):
            object.__setattr__(self, "skills", normalise_skills(self.skills))

    def sort_key(self) -> tuple[int, datetime, str]:
        """Higher priority first, then earlier arrival."""
        return (-self.priority, self.enqueued_at, self.call_uuid)


def next_caller(waiting: Iterable[WaitingCall], queue: str) -> WaitingCall | None:
    """The caller at the head of ``queue``."""
    candidates = [call for call in waiting if call.queue == queue]
    return min(candidates, key=WaitingCall.sort_key) if candidates else None


def position(waiting: Iterable[WaitingCall], call_uuid: str) -> int | None:
    """1-based place of a caller in its queue, ``None`` if not waiting."""
    calls = list(waiting)
    me = next((call for call in calls if call.call_uuid == call_uuid), None)
    if me is None:
        return None
    ahead = [c for c in calls if c.queue == me.queue and c.sort_key() < me.sort_key()]
    return len(ahead) + 1


def longest_idle_agent(agents: Iterable[Agent], queue: str, now: datetime) -> Agent | None:
    """The available agent of ``queue`` who has been free the longest (ties: agent id)."""
    free = [a for a in agents if a.state == AgentState.AVAILABLE and queue in a.queues]
    if not free:
        return None
    return min(free, key=lambda a: (a.idle_since() or now, a.agent_id))


def anyone_logged_in(agents: Iterable[Agent], queue: str) -> bool:
    """Whether any agent of ``queue`` is signed in (for the 'no agent' exit)."""
    return any(a.state != AgentState.LOGGED_OUT and queue in a.queues for a in agents)
