"""What the engine tells one agent's desktop: a message on the agent's own Redis channel."""

from __future__ import annotations

from typing import Any

from callcenter.live.errors import LiveError
from callcenter.live.names import agent_channel
from callcenter.live.store import LiveStore
from callcenter.logs import get_logger

log = get_logger(__name__)


class AgentChannel:
    """Publishes the results and refusals of an agent's commands on the agent's channel."""

    def __init__(self, live: LiveStore) -> None:
        self.live = live

    def tell(self, agent_id: str, message: dict[str, Any]) -> None:
        """Publish ``message`` to the agent's desktop (Redis down: logged, not raised)."""
        try:
            self.live.publish(agent_channel(agent_id), message)
        except LiveError:
            log.warning("could not tell the agent", agent_id=agent_id)
