"""Agents: display name, user account, SIP extension, queue tiers and skills."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.admin import fields as f
from callcenter.admin.audit import record
from callcenter.admin.errors import Invalid
from callcenter.admin.links import pairs, queue_lines, skill_by_name
from callcenter.admin.service import Field, Service
from callcenter.config import Settings
from callcenter.sipdirectory import a1_hash
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
            Field(
                "sip_password",
                "SIP password",
                "password",
                hint="set or replace; never shown again, leave empty to keep",
            ),  # fmt: skip
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
        a1 = self._a1_hash(obj, sip_user, data)
        user = self._user(session, obj, f.text(data, "username", 64))
        queues = queue_lines(session, data, "queues")
        skills = [
            (skill_by_name(session, "skills", n), level)
            for n, level in pairs(data, "skills", "skill:proficiency")
        ]
        obj.number = number
        obj.sip_user = sip_user
        obj.sip_a1_hash = a1
        obj.display_name = f.text(data, "display_name", 128, required=True)
        obj.user = user
        obj.max_no_answer = f.integer(data, "max_no_answer", 1, 100, 3)
        obj.active = f.flag(data, "active", True)
        obj.memberships = [AgentQueue(queue=q, level=lv, position=p) for q, lv, p in queues]
        obj.skills = [AgentSkill(skill=s, proficiency=lv) for s, lv in skills]

    def create(self, session: Session, data: dict[str, Any], actor: User | None) -> int:
        """A new agent; a SIP password given is audited as set, never with its value."""
        obj_id = super().create(session, data, actor)
        self._audit_secret(session, obj_id, data, actor)
        return obj_id

    def update(
        self, session: Session, obj_id: int, data: dict[str, Any], actor: User | None
    ) -> None:
        """Change the agent; a new SIP password is audited as set, never with its value."""
        super().update(session, obj_id, data, actor)
        self._audit_secret(session, obj_id, data, actor)

    def _audit_secret(
        self, session: Session, obj_id: int, data: dict[str, Any], actor: User | None
    ) -> None:
        if data.get("sip_password"):
            record(session, actor, "agent.sip_secret", self.object_type, obj_id, None,
                   {"sip_secret": "set"})  # fmt: skip

    def _a1_hash(self, obj: Agent, sip_user: str, data: dict[str, Any]) -> str | None:
        """The a1-hash to store: from a new password, else the old one if the user is the same."""
        password = str(data.get("sip_password") or "")
        if not password:
            if obj.sip_a1_hash and sip_user != obj.sip_user:
                raise Invalid("sip_password", "a new SIP extension needs a new SIP password")
            return obj.sip_a1_hash
        if not 8 <= len(password) <= 128:
            raise Invalid("sip_password", "SIP password must be 8 to 128 characters")
        domain = str(data.get("sip_domain") or "")
        if not domain:
            raise Invalid("sip_password", "no SIP domain is set (freeswitch.directory.sip_domain)")
        return a1_hash(sip_user, domain, password)

    def _user(self, session: Session, obj: Agent, username: str) -> User | None:
        if not username:
            return None
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise Invalid("username", f"no user account {username!r}")
        if user.agent is not None and user.agent is not obj:
            raise Invalid("username", f"user account {username!r} belongs to another agent")
        return user


def sip_context(kind: str, settings: Settings) -> dict[str, str]:
    """What an agent's SIP password needs besides the form: the SIP domain of its a1-hash."""
    if kind != AgentService.kind:
        return {}
    return {"sip_domain": settings.freeswitch.directory.sip_domain}


AGENTS = AgentService()
