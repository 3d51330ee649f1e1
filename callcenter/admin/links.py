"""Lines that link objects: ``skill:level`` and ``queue:level:position``, checked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.admin import fields as f
from callcenter.admin.errors import Invalid
from callcenter.store.routing import Queue, Skill


def pairs(data: dict[str, Any], name: str, form: str) -> list[tuple[str, int]]:
    """``name:level`` lines (level 1-10), each name once."""
    out: dict[str, int] = {}
    for line in f.lines(data, name):
        item, sep, level = line.partition(":")
        item, level = item.strip(), level.strip()
        if not sep or not item or not level.isdigit() or not 1 <= int(level) <= 10:
            raise Invalid(name, f"bad line {line!r} in {name}; write {form} with a level 1 to 10")
        if item in out:
            raise Invalid(name, f"{item!r} is listed twice in {name}")
        out[item] = int(level)
    return list(out.items())


def skill_by_name(session: Session, field: str, name: str) -> Skill:
    """The active skill called ``name``, or Invalid for ``field``."""
    skill = session.scalar(select(Skill).where(Skill.name == name))
    if skill is None or skill.active is False:
        raise Invalid(field, f"unknown skill {name!r} in {field}; add it on the skills page first")
    return skill


def queue_lines(session: Session, data: dict[str, Any], name: str) -> list[tuple[Queue, int, int]]:
    """``queue:level:position`` lines (level and position 1 to 99, default 1) with the queue."""
    out: dict[str, tuple[Queue, int, int]] = {}
    for line in f.lines(data, name):
        parts = [p.strip() for p in line.split(":")]
        numbers = parts[1:] + ["1"] * (3 - len(parts))
        if len(parts) > 3 or not all(n.isdigit() and 1 <= int(n) <= 99 for n in numbers):
            raise Invalid(name, f"bad line {line!r} in {name}; write queue:level:position (1-99)")
        queue = session.scalar(select(Queue).where(Queue.name == parts[0]))
        if queue is None:
            raise Invalid(name, f"unknown queue {parts[0]!r} in {name}")
        if parts[0] in out:
            raise Invalid(name, f"{parts[0]!r} is listed twice in {name}")
        out[parts[0]] = (queue, int(numbers[0]), int(numbers[1]))
    return list(out.values())
