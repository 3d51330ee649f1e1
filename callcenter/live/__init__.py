"""Live state in Redis: agent/call/queue hashes, pub/sub fan-out and the command stream."""

from callcenter.live.errors import LiveError, LiveUnavailable
from callcenter.live.messages import Command, Message, Subscription
from callcenter.live.store import LiveStore, safe_url

__all__ = [
    "Command",
    "LiveError",
    "LiveStore",
    "LiveUnavailable",
    "Message",
    "Subscription",
    "safe_url",
]
