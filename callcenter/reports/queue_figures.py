"""Queue wallboard figures: pure functions over SQL totals and the live Redis hashes.

Definitions (README, "Queue wallboard"):

* offered - calls that entered the queue in the period (by their start);
* answered - of those, answered by an agent; abandoned - the caller hung up while waiting;
  abandoned within :data:`SHORT_ABANDON_SECONDS` are counted separately ("short") and left
  out of the service level (a caller who hangs up at once had no real chance to be served);
* service level - answered within the queue's ``service_level_seconds`` / (answered +
  abandoned - short abandoned), in percent; ``None`` while no call counts;
* ASA - mean wait of the answered calls; AHT - mean talk (hold included) + wrap-up of the
  answered calls that have ended;
* a tile turns red when a caller has waited longer than the queue's target, or when the
  service level today is below :data:`SL_TARGET_PERCENT`, or when callers wait and no agent
  of the queue is signed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHORT_ABANDON_SECONDS = 5.0
SL_TARGET_PERCENT = 80.0
WINDOW = timedelta(minutes=15)
WAITING_STATES = frozenset({"queued", "offering"})
ON_CALL_STATES = frozenset({"reserved", "ringing", "on_call", "on_hold"})


@dataclass(frozen=True)
class PeriodTotals:
    """Sums of one queue's call records over a period (one row of the grouped query)."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    within_target: int = 0
    wait_answered: float = 0.0  # seconds, summed over the answered calls
    handled: int = 0  # answered calls that have ended (with a talk time)
    handle_seconds: float = 0.0  # talk + wrap-up, summed over ``handled``


@dataclass(frozen=True)
class QueueTotals:
    """One queue's settings with its totals today and over the last :data:`WINDOW`."""

    queue: str
    service_level_seconds: int = 20
    today: PeriodTotals = field(default_factory=PeriodTotals)
    recent: PeriodTotals = field(default_factory=PeriodTotals)


@dataclass
class AgentCounts:
    """A queue's signed-in agents by state; not ready by reason."""

    available: int = 0
    on_call: int = 0
    wrap_up: int = 0
    not_ready: dict[str, int] = field(default_factory=dict)

    @property
    def signed_in(self) -> int:
        """Agents of the queue who are not logged out."""
        return self.available + self.on_call + self.wrap_up + sum(self.not_ready.values())


@dataclass
class Waiting:
    """Callers waiting in one queue and the longest wait so far (seconds)."""

    callers: int = 0
    longest: float = 0.0


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 1) if whole else None


def service_level(totals: PeriodTotals) -> float | None:
    """Percent answered within the target, short abandons left out (None: no call counts)."""
    counted = totals.answered + totals.abandoned - totals.short_abandoned
    return _ratio(100.0 * totals.within_target, counted)


def asa(totals: PeriodTotals) -> float | None:
    """Average speed of answer in seconds (None: nothing answered)."""
    return _ratio(totals.wait_answered, totals.answered)


def aht(totals: PeriodTotals) -> float | None:
    """Average handle time (talk + wrap-up) in seconds (None: no call finished)."""
    return _ratio(totals.handle_seconds, totals.handled)


def day_start(now: datetime, timezone: str) -> datetime:
    """The start of ``now``'s day in the center's ``timezone``, as an aware UTC datetime."""
    local = now.astimezone(ZoneInfo(timezone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC)


def _moment(text: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def waiting_callers(calls: Iterable[Mapping[str, str]], now: datetime) -> dict[str, Waiting]:
    """Per queue: the live calls still waiting (queued, or offered to a ringing agent)."""
    out: dict[str, Waiting] = {}
    for call in calls:
        queue = call.get("queue", "")
        if not queue or call.get("state") not in WAITING_STATES:
            continue
        waiting = out.setdefault(queue, Waiting())
        waiting.callers += 1
        since = _moment(call.get("enqueued_at")) or _moment(call.get("since"))
        if since is not None:
            waiting.longest = max(waiting.longest, (now - since).total_seconds())
    return out


def agents_by_queue(agents: Iterable[Mapping[str, str]]) -> dict[str, AgentCounts]:
    """Per queue: its signed-in agents by state (an agent counts in each of its queues)."""
    out: dict[str, AgentCounts] = {}
    for agent in agents:
        state = agent.get("state", "")
        if not state or state == "logged_out":
            continue
        for queue in filter(None, (agent.get("queues") or "").split(",")):
            counts = out.setdefault(queue, AgentCounts())
            if state == "available":
                counts.available += 1
            elif state in ON_CALL_STATES:
                counts.on_call += 1
            elif state == "wrap_up":
                counts.wrap_up += 1
            else:  # not_ready, by reason
                reason = agent.get("reason") or ""
                counts.not_ready[reason] = counts.not_ready.get(reason, 0) + 1
    return out


def period_figures(totals: PeriodTotals) -> dict[str, int | float | None]:
    """The figures of one period, ready for JSON."""
    return {
        "offered": totals.offered,
        "answered": totals.answered,
        "abandoned": totals.abandoned,
        "short_abandoned": totals.short_abandoned,
        "service_level": service_level(totals),
        "asa": asa(totals),
        "aht": aht(totals),
    }


def alerts(totals: QueueTotals, waiting: Waiting, agents: AgentCounts) -> list[str]:
    """Why the queue's tile is red: ``wait``, ``service_level``, ``no_agents`` (empty: fine)."""
    out = []
    if waiting.callers and waiting.longest > totals.service_level_seconds:
        out.append("wait")
    level = service_level(totals.today)
    if level is not None and level < SL_TARGET_PERCENT:
        out.append("service_level")
    if waiting.callers and not agents.signed_in:
        out.append("no_agents")
    return out


def queue_tile(totals: QueueTotals, waiting: Waiting, agents: AgentCounts) -> dict[str, object]:
    """Everything the wallboard shows of one queue."""
    return {
        "queue": totals.queue,
        "service_level_seconds": totals.service_level_seconds,
        "waiting": waiting.callers,
        "longest_wait": round(waiting.longest, 1),
        "agents": {
            "available": agents.available,
            "on_call": agents.on_call,
            "wrap_up": agents.wrap_up,
            "not_ready": dict(sorted(agents.not_ready.items())),
        },
        "today": period_figures(totals.today),
        "recent": period_figures(totals.recent),
        "alerts": alerts(totals, waiting, agents),
    }


def board(
    totals: Iterable[QueueTotals],
    calls: Iterable[Mapping[str, str]],
    agents: Iterable[Mapping[str, str]],
    now: datetime,
) -> list[dict[str, object]]:
    """The tiles of every queue in ``totals`` (SQL) with the live calls and agents (Redis)."""
    waiting = waiting_callers(calls, now)
    counts = agents_by_queue(agents)
    return [
        queue_tile(row, waiting.get(row.queue, Waiting()), counts.get(row.queue, AgentCounts()))
        for row in totals
    ]
