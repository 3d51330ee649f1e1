"""Queues: routing strategy, music, wrap-up, waiting rules, required skills, widening, tiers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.acd.overflow import OverflowError, parse_overflow
from callcenter.acd.strategies import STRATEGIES
from callcenter.admin import fields as f
from callcenter.admin.errors import Invalid
from callcenter.admin.links import pairs, skill_by_name
from callcenter.admin.service import Field, Service
from callcenter.engine.routing.queue_config import parse_widening
from callcenter.store.routing import Queue, QueueSkill

DAY = 86_400


class QueueService(Service):
    """Queues as the engine reads them (callcenter/engine/routing/queue_config.py)."""

    kind = "queues"
    title = "Queues"
    object_type = "queue"
    model = Queue
    columns = (("name", "Queue name"), ("strategy", "Strategy"), ("skills", "Required skills"),
               ("active", "Active"))  # fmt: skip
    sorts = {"name": "name", "strategy": "strategy"}
    defaults = {"strategy": "longest-idle-agent", "wrap_up_seconds": 10, "max_wait_seconds": 300,
                "max_wait_no_agent_seconds": 0, "announce_position": True,
                "announce_interval_seconds": 60, "tier_wait_seconds": 0,
                "service_level_seconds": 20}  # fmt: skip

    def fields(self, session: Session) -> list[Field]:
        """Every queue setting an admin may change."""
        return [
            Field("name", "Queue name"),
            Field("description", "Description"),
            Field("strategy", "Strategy", "select", STRATEGIES),
            Field("moh", "Music on hold"),
            Field("wrap_up_seconds", "Wrap-up seconds", "number"),
            Field("wrap_up_codes", "Wrap-up codes", "lines", hint="one code per line"),
            Field("wrap_up_code_required", "A wrap-up code is required", "check"),
            Field("max_wait_seconds", "Max wait seconds", "number"),
            Field(
                "service_level_seconds", "Service level target seconds", "number",
                hint="answered within this time counts toward the service level",
            ),  # fmt: skip
            Field("max_wait_no_agent_seconds", "Max wait with no agent seconds", "number"),
            Field("overflow_target", "Overflow target", hint="queue:NAME, voicemail:BOX, ..."),
            Field("exit_key", "Exit key"),
            Field("callback_key", "Callback key"),
            Field("announce_position", "Announce position", "check"),
            Field("announce_wait_time", "Announce wait time", "check"),
            Field("announce_interval_seconds", "Announce interval seconds", "number"),
            Field("announce_sound", "Announcement sound", hint="a sound file, say:... or empty"),
            Field("skills", "Required skills", "lines", hint="skill:minimum, one per line"),
            Field("widening", "Widening", hint="seconds:minimum, e.g. 30:5, 60:1"),
            Field(
                "tier_wait_seconds", "Tier wait seconds", "number", hint="0: every level at once"
            ),  # fmt: skip
            Field("active", "Active", "check"),
        ]

    def values(self, obj: Queue) -> dict[str, Any]:
        """The queue's settings as plain values."""
        skills = sorted(f"{r.skill.name}:{r.min_proficiency}" for r in obj.required_skills)
        return {
            "name": obj.name,
            "description": obj.description or "",
            "strategy": obj.strategy,
            "moh": obj.moh or "",
            "wrap_up_seconds": obj.wrap_up_seconds,
            "wrap_up_codes": (obj.wrap_up_codes or "").splitlines(),
            "wrap_up_code_required": bool(obj.wrap_up_code_required),
            "max_wait_seconds": obj.max_wait_seconds,
            "service_level_seconds": obj.service_level_seconds,
            "max_wait_no_agent_seconds": obj.max_wait_no_agent_seconds,
            "overflow_target": obj.overflow_target or "",
            "exit_key": obj.exit_key or "",
            "callback_key": obj.callback_key or "",
            "announce_position": bool(obj.announce_position),
            "announce_wait_time": bool(obj.announce_wait_time),
            "announce_interval_seconds": obj.announce_interval_seconds,
            "announce_sound": obj.announce_sound or "",
            "skills": skills,
            "widening": obj.widening or "",
            "tier_wait_seconds": obj.tier_wait_seconds or 0,
            "active": obj.active is not False,
        }

    def apply(self, session: Session, obj: Queue, data: dict[str, Any]) -> None:
        """Check every setting, then set them; Invalid names the first bad field."""
        name = f.ident(data, "name")
        clash = session.scalar(select(Queue.id).where(Queue.name == name, Queue.id != obj.id))
        if clash is not None:
            raise Invalid("name", f"a queue named {name!r} exists already")
        target = f.text(data, "overflow_target", 128)
        try:
            parse_overflow(target, queue=name)
        except OverflowError as exc:
            raise Invalid("overflow_target", f"overflow target: {exc}") from None
        widening = f.text(data, "widening", 255)
        try:
            parse_widening(widening)
        except ValueError as exc:
            raise Invalid("widening", str(exc)) from None
        skills = [
            (skill_by_name(session, "skills", n), level)
            for n, level in pairs(data, "skills", "skill:minimum")
        ]
        obj.name = name
        obj.description = f.text(data, "description") or None
        obj.strategy = f.choice(data, "strategy", STRATEGIES, "longest-idle-agent")
        obj.moh = f.text(data, "moh") or None
        obj.wrap_up_seconds = f.integer(data, "wrap_up_seconds", 0, 3600, 10)
        obj.wrap_up_codes = "\n".join(f.lines(data, "wrap_up_codes")) or None
        obj.wrap_up_code_required = f.flag(data, "wrap_up_code_required")
        obj.max_wait_seconds = f.integer(data, "max_wait_seconds", 0, DAY, 300)
        obj.service_level_seconds = f.integer(data, "service_level_seconds", 1, 3600, 20)
        obj.max_wait_no_agent_seconds = f.integer(data, "max_wait_no_agent_seconds", 0, DAY, 0)
        obj.overflow_target = target or None
        obj.exit_key = f.key(data, "exit_key")
        obj.callback_key = f.key(data, "callback_key")
        obj.announce_position = f.flag(data, "announce_position", True)
        obj.announce_wait_time = f.flag(data, "announce_wait_time")
        obj.announce_interval_seconds = f.integer(data, "announce_interval_seconds", 5, DAY, 60)
        obj.announce_sound = f.text(data, "announce_sound") or None
        obj.widening = widening or None
        obj.tier_wait_seconds = f.integer(data, "tier_wait_seconds", 0, DAY, 0)
        obj.active = f.flag(data, "active", True)
        obj.required_skills = [
            QueueSkill(skill=skill, min_proficiency=level) for skill, level in skills
        ]


QUEUES = QueueService()
