"""Each queue's settings as the dispatcher and wrap-up use them, re-read from SQL at run time.

Queues are edited in the console while the engine runs: :meth:`QueuePolicies.reload` re-reads
them (a failed read keeps the last good settings) when the admin saves a change, and every
``routing.queue_reload_seconds`` anyway (engine/config_watch.py owns both). A queue without a
row of its own gets the engine-wide defaults of ``[routing]``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from callcenter.config import RoutingSettings
from callcenter.engine.routing.dispatcher import QueuePolicy
from callcenter.engine.routing.queue_config import load_policies
from callcenter.logs import get_logger

log = get_logger(__name__)


class QueuePolicies:
    """The queues' policies by name (owns them), re-read on :meth:`reload`."""

    def __init__(self, sessions: sessionmaker[Session], routing: RoutingSettings) -> None:
        self.sessions = sessions
        self.routing = routing
        self.policies: dict[str, QueuePolicy] = self._load()

    def _load(self) -> dict[str, QueuePolicy]:
        return load_policies(self.sessions, self.routing.ring_timeout, self.routing.max_no_answer)

    def policy(self, queue: str) -> QueuePolicy:
        """The queue's policy, or the engine-wide defaults for a queue without one."""
        routing = self.routing
        return self.policies.get(queue) or QueuePolicy(
            routing.ring_timeout, routing.max_no_answer, routing.wrap_up_seconds
        )

    def wrap_up_seconds(self, queue: str) -> float:
        """The queue's wrap-up time in seconds."""
        return self.policy(queue).wrap_up_seconds

    def reload(self) -> None:
        """Re-read the queues once (database down, bad row: keep the last good settings)."""
        try:
            self.policies = self._load()
        except Exception as exc:
            log.warning("queue settings not reloaded", error=str(exc))
