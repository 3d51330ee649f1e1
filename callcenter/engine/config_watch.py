"""Admin changes take effect at once: the engine follows the ``config-changed`` channel.

The console publishes a notice (kind, id) after each committed admin change
(callcenter/admin/notify.py); :class:`ConfigWatch` then re-reads what the engine keeps in
memory - the queues' policies and the agents' set-up - and wakes the dispatcher. Skills
touch both (queues require them, agents have them). Reasons, blacklist and calendars are
read from SQL when used, so they need nothing. Every ``routing.queue_reload_seconds`` it
re-reads anyway, and after Redis comes back: a lost notice is caught up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import gevent

from callcenter.acd.agents import Agent
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.routing.queue_policies import QueuePolicies
from callcenter.live.errors import LiveError
from callcenter.live.names import CONFIG_CHANGED
from callcenter.live.store import LiveStore
from callcenter.logs import get_logger

log = get_logger(__name__)

CACHED = frozenset({"queues", "agents", "skills"})
"""Admin kinds the engine keeps in memory."""


class ConfigWatch:
    """Reloads queues and agents when the admin changes them (and now and then anyway)."""

    def __init__(
        self,
        live: LiveStore,
        policies: QueuePolicies,
        agents: AgentBook,
        load_agents: Callable[[], Iterable[Agent]],
        wake: Callable[[], None],
    ) -> None:
        self.live = live
        self.policies = policies
        self.agents = agents
        self.load_agents = load_agents
        self.wake = wake

    def start(self) -> list[gevent.Greenlet]:
        """The greenlets: following the notices, and the periodic safety net."""
        return [gevent.spawn(self._follow), gevent.spawn(self._every_while)]

    def reload(self) -> None:
        """Re-read queues and agents (database down: keep the last good set-up), then wake
        the dispatcher: the new set-up may match waiting callers to agents."""
        self.policies.reload()
        try:
            agents = list(self.load_agents())
        except Exception as exc:
            log.warning("agents not reloaded", error=str(exc))
        else:
            self.agents.reload(agents)
        self.wake()

    def on_notice(self, data: Any) -> None:
        """One ``config-changed`` notice: reload if it is about something kept in memory."""
        kind = data.get("kind") if isinstance(data, dict) else None
        if kind in CACHED:
            log.info("admin change: reloading", kind=kind, id=data.get("id"))
            self.reload()

    def _follow(self) -> None:
        while True:
            try:
                with self.live.subscribe(CONFIG_CHANGED) as subscription:
                    # Notices sent before this (confirmed) subscription are lost: those while
                    # Redis was away, and at start those between the engine's first load and
                    # now. Re-reading once subscribed leaves no gap.
                    self.reload()
                    for message in subscription:
                        self.on_notice(message.data)
            except LiveError as exc:
                log.warning("cannot follow admin changes", error=str(exc))
                gevent.sleep(1.0)

    def _every_while(self) -> None:
        while True:
            gevent.sleep(self.policies.routing.queue_reload_seconds)
            self.reload()
