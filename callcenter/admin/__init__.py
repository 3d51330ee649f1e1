"""Administration services: list, create, edit and deactivate the center's set-up, audited.

Each object has a module (queues, agents, skills, reasons, blacklist, calendars, canned
answers) with one
``Service``; ``SERVICES`` maps the url name to it. The console pages and the JSON API use them.
"""

from __future__ import annotations

from callcenter.admin.agents import AGENTS
from callcenter.admin.blacklist import BLACKLIST
from callcenter.admin.calendars import CALENDARS
from callcenter.admin.canned import CANNED
from callcenter.admin.queues import QUEUES
from callcenter.admin.reasons import REASONS
from callcenter.admin.service import Service
from callcenter.admin.skills import SKILLS

SERVICES: dict[str, Service] = {
    s.kind: s for s in (QUEUES, AGENTS, SKILLS, REASONS, BLACKLIST, CALENDARS, CANNED)
}

__all__ = ["SERVICES", "Service"]
