"""Skills agents have and queues ask for."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.admin import fields as f
from callcenter.admin.errors import Invalid
from callcenter.admin.service import Field, Service
from callcenter.store.routing import Skill


class SkillService(Service):
    """Named skills (a deactivated skill cannot be given to agents or queues any more)."""

    kind = "skills"
    title = "Skills"
    object_type = "skill"
    model = Skill
    columns = (("name", "Skill name"), ("description", "Description"), ("active", "Active"))
    sorts = {"name": "name"}

    def fields(self, session: Session) -> list[Field]:
        """Name and description."""
        return [Field("name", "Skill name"), Field("description", "Description"),
                Field("active", "Active", "check")]  # fmt: skip

    def values(self, obj: Skill) -> dict[str, Any]:
        """The skill as plain values."""
        return {"name": obj.name, "description": obj.description or "",
                "active": obj.active is not False}  # fmt: skip

    def apply(self, session: Session, obj: Skill, data: dict[str, Any]) -> None:
        """Check and set name and description."""
        name = f.ident(data, "name")
        if session.scalar(select(Skill.id).where(Skill.name == name, Skill.id != obj.id)):
            raise Invalid("name", f"a skill named {name!r} exists already")
        obj.name = name
        obj.description = f.text(data, "description") or None
        obj.active = f.flag(data, "active", True)


SKILLS = SkillService()
