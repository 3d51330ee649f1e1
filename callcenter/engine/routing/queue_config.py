"""Queue settings from SQL: routing (strategy, skills) and the waiting rules of each queue."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from callcenter.acd.overflow import OverflowError, parse_overflow
from callcenter.acd.strategies import QueueConfig
from callcenter.engine.routing.dispatcher import QueuePolicy
from callcenter.engine.routing.queue_wait import WaitRules
from callcenter.logs import get_logger
from callcenter.store import models

log = get_logger(__name__)


def wait_rules(queue: models.Queue) -> WaitRules:
    """The waiting rules of one queue row (a bad overflow target is logged and dropped)."""
    target = queue.overflow_target or ""
    try:
        parse_overflow(target, queue=queue.name)
    except OverflowError as exc:
        log.error("queue overflow target ignored", queue=queue.name, error=str(exc))
        target = ""
    return WaitRules(
        max_wait_seconds=float(queue.max_wait_seconds or 0),
        max_wait_no_agent_seconds=float(queue.max_wait_no_agent_seconds or 0),
        overflow_target=target,
        announce_position=bool(queue.announce_position),
        announce_wait_time=bool(queue.announce_wait_time),
        announce_interval_seconds=float(queue.announce_interval_seconds or 60),
        announce_sound=queue.announce_sound or "",
        exit_key=queue.exit_key or "",
        callback_key=queue.callback_key or "",
        music=queue.moh or "",
    )


def parse_widening(text: str | None) -> tuple[tuple[float, int], ...]:
    """``"30:5, 60:1"`` (after seconds waited: minimum proficiency) as steps, or ValueError."""
    steps = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        after, sep, minimum = part.partition(":")
        if not sep or not after.strip().isdigit() or not minimum.strip().isdigit():
            raise ValueError(f"bad widening step {part!r}; write seconds:minimum, e.g. 30:5, 60:1")
        if not 1 <= int(minimum) <= 10:
            raise ValueError(f"widening step {part!r}: the minimum proficiency is 1 to 10")
        steps.append((float(after), int(minimum)))
    return tuple(sorted(steps))


def _widening(queue: models.Queue) -> tuple[tuple[float, int], ...]:
    try:
        return parse_widening(queue.widening)
    except ValueError as exc:
        log.error("queue widening ignored", queue=queue.name, error=str(exc))
        return ()


def load_policies(
    sessions: sessionmaker[Session], ring_timeout: float, max_no_answer: int
) -> dict[str, QueuePolicy]:
    """Per active queue name: strategy and required skills, ring timeout, wrap-up, waiting.

    A queue naming an unknown strategy raises UnknownStrategy (listing the allowed ones).
    """
    with sessions() as session:
        queues = session.scalars(
            select(models.Queue)
            .where(models.Queue.active)
            .options(
                selectinload(models.Queue.required_skills).selectinload(models.QueueSkill.skill)
            )
        ).all()
        return {
            queue.name: QueuePolicy(
                ring_timeout,
                max_no_answer,
                queue.wrap_up_seconds,
                QueueConfig(
                    queue.name,
                    queue.strategy,
                    skills={r.skill.name: r.min_proficiency for r in queue.required_skills},
                    widening=_widening(queue),
                    tier_wait=float(queue.tier_wait_seconds or 0),
                ),
                wait_rules(queue),
            )
            for queue in queues
        }
