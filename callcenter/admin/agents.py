"""Agents: display name, user account, SIP extension, queue tiers and skills."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.admin import fields as f
from callcenter.admin.errors import Invalid
from callcenter.admin.links import pairs, queue_lines, skill_by_name
from callcenter.admin.service import Field, Service
from callcenter.store.routing import Agent, AgentQueue, AgentSkill
from callcenter.store.users import User

DIGITS = re.compile(r"^[0-9]{2,32}$")
SIP_USER = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")


class AgentService(Service):
    """Agents as the engine offers them calls (tiers: lower level, then position first)."""

    kind = "agents"
    title = "Agents"
    object_type = "agent"
    model = Agent
    columns = (("number", "Agent number"), ("display_name", "Name"), ("sip_user", "Extension"),
               ("queues", "Queues"), ("active", "Active"))  # fmt: skip
    sorts = {"number": "number", "name": "display_name", "extension": "sip_user"}
    default_sort = "number"
    defaults = {"max_no_answer": 3}
    label_field = "number"

    def fields(self, session: Session) -> list[Field]:
        """Agent settings; the user account is one of the console users."""
        users = tuple(session.scalars(select(User.username).order_by(User.username)))
        return [
            Field("number", "Agent number"),
            Field("display_name", "Name"),
            Field("username", "User account", "select", ("", *users)),
            Field("sip_user", "SIP extension"),
            Field("queues", "Queues", "lines", hint="queue:level:position, one per line"),
            Field("skills", "Skills", "lines", hint="skill:proficiency (1-10), one per line"),
            Field("max_no_answer", "Unanswered offers before not ready", "number"),
            Field("active", "Active", "check"),
        ]

    def values(self, obj: Agent) -> dict[str, Any]:
        """The agent's settings as plain values."""
        tiers = sorted(obj.memberships, key=lambda m: (m.level, m.position, m.queue.name))
        return {
            "number": obj.number,
            "display_name": obj.display_name,
            "username": obj.user.username if obj.user else "",
            "sip_user": obj.sip_user,
            "queues": [f"{m.queue.name}:{m.level}:{m.position}" for m in tiers],
            "skills": sorted(f"{s.skill.name}:{s.proficiency}" for s in obj.skills),
            "max_no_answer": obj.max_no_answer,
            "active": obj.active is not False,
        }

    def apply(self, session: Session, obj: Agent, data: dict[str, Any]) -> None:
        """Check every setting, then set them; Invalid names the first bad field."""
        number = f.text(data, "number", 32, required=True)
        if not DIGITS.match(number):
            raise Invalid("number", "agent number must be 2 to 32 digits")
        if session.scalar(select(Agent.id).where(Agent.number == number, Agent.id != obj.id)):
            raise Invalid("number", f"agent number {number} is taken")
        sip_user = f.text(data, "sip_user", 64, required=True)
        if not SIP_USER.match(sip_user):
            raise Invalid("sip_user", "SIP extension may hold letters, digits, '.', '_', '+', '-'")
        if session.scalar(select(Agent.id).where(Agent.sip_user == sip_user, Agent.id != obj.id)):
            raise Invalid("sip_user", f"SIP extension {sip_user} is taken by another agent")
        user = self._user(session, obj, f.text(data, "username", 64))
        queues = queue_lines(session, data, "queues")
        skills = [
            (skill_by_name(session, "skills", n), level)
            for n, level in pairs(data, "skills", "skill:proficiency")
        ]
        obj.number = number
        obj.sip_user = sip_user
        obj.display_name = f.text(data, "display_name", 128, required=True)
        obj.user = user
        obj.max_no_answer = f.integer(data, "max_no_answer", 1, 100, 3)
        obj.active = f.flag(data, "active", True)
        obj.memberships = [AgentQueue(queue=q, level=lv, position=p) for q, lv, p in queues]
        obj.skills = [AgentSkill(skill=s, proficiency=lv) for s, lv in skills]

    def _user(self, session: Session, obj: Agent, username: str) -> User | None:
        if not username:
            return None
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise Invalid("username", f"no user account {username!r}")
        if user.agent is not None and user.agent is not obj:
            raise Invalid("username", f"user account {username!r} belongs to another agent")
        return user


AGENTS = AgentService()
