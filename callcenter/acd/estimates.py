"""Estimated wait time for position/wait announcements: pure functions of recent figures."""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["announced_minutes", "average_handle_seconds", "estimated_wait_seconds"]


def average_handle_seconds(
    recent: Iterable[float], default: float = 180.0, window: int = 50
) -> float:
    """Mean of the last ``window`` handle times (talk + hold + wrap-up), ``default`` if none."""
    values = [float(v) for v in recent if v is not None and v >= 0]
    values = values[-window:] if window > 0 else values
    return sum(values) / len(values) if values else float(default)


def estimated_wait_seconds(
    position: int,
    agents_serving: int,
    average_handle: float,
    agents_free: int = 0,
) -> float | None:
    """Seconds until the caller at 1-based ``position`` is offered an agent; None if unknown.

    With ``agents_serving`` agents busy and handle times assumed exponential (memoryless), an
    agent frees up on average every ``average_handle / agents_serving`` seconds, and the caller
    needs ``position - agents_free`` of those. No agent serving the queue: None (say nothing,
    or take the "no agent" exit).
    """
    if position < 1:
        raise ValueError(f"position is 1-based, got {position}")
    if average_handle < 0:
        raise ValueError(f"average handle time must be >= 0 seconds, got {average_handle}")
    ahead = position - max(0, agents_free)
    if ahead <= 0:
        return 0.0
    if agents_serving <= 0:
        return None
    return ahead * average_handle / agents_serving


def announced_minutes(seconds: float | None) -> int | None:
    """Whole minutes to announce (rounded up, at least 1); None when there is no estimate."""
    if seconds is None:
        return None
    return max(1, math.ceil(seconds / 60.0))
