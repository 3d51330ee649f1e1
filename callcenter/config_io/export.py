"""Read the center's set-up into one plain document (what ``callcenter config export`` writes)."""

from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.admin import SERVICES
from callcenter.admin.lookup import everything
from callcenter.flows.numbers import hotline_numbers
from callcenter.store.flows import FlowVersion, IvrFlow
from callcenter.store.users import User

__all__ = ["FORMAT", "SECTIONS", "dump", "export_center", "published_flows", "user_values"]

FORMAT = 1
# the order of import: an object comes after the objects it names
SECTIONS = ("users", "skills", "queues", "calendars", "reasons", "agents", "blacklist",
            "flows", "numbers")  # fmt: skip
USER_FIELDS = ("username", "role", "language", "display_name", "department", "extension",
               "active")  # fmt: skip


def user_values(user: User) -> dict[str, Any]:
    """A console user as plain values, never the password hash."""
    return {
        "username": user.username,
        "role": str(user.role),
        "language": str(user.language),
        "display_name": user.display_name or "",
        "department": user.department or "",
        "extension": user.extension or "",
        "active": user.active is not False,
    }


def published_flows(session: Session) -> dict[str, str]:
    """Flow name -> the YAML text of its published version (active flows only)."""
    rows = session.execute(
        select(IvrFlow.name, FlowVersion.yaml)
        .join(FlowVersion, FlowVersion.flow_id == IvrFlow.id)
        .where(IvrFlow.active, FlowVersion.number == IvrFlow.published)
        .order_by(IvrFlow.name)
    ).all()
    return {name: text for name, text in rows}


def export_center(session: Session) -> dict[str, Any]:
    """Every section of the set-up, each list sorted by its key, inactive objects included."""
    users = session.scalars(select(User).order_by(User.username))
    center: dict[str, Any] = {"format": FORMAT, "users": [user_values(u) for u in users]}
    for kind in SECTIONS:
        if kind in SERVICES:
            service = SERVICES[kind]
            center[kind] = [service.values(obj) for obj in everything(session, service)]
    center["flows"] = published_flows(session)
    center["numbers"] = hotline_numbers(session)
    return center


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (flow texts) as literal blocks."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump(center: dict[str, Any]) -> str:
    """The document as YAML text (keys in section order, flows as literal blocks)."""
    head = "# callcenter configuration: `callcenter config import` this file to set up a center\n"
    return head + yaml.dump(center, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
