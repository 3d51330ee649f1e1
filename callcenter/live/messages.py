"""Pub/sub subscriptions and stream commands as plain Python objects (JSON on the wire)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import redis

__all__ = ["Command", "Message", "Subscription", "decode", "encode"]

log = logging.getLogger(__name__)


def encode(payload: Any) -> str:
    """JSON text of ``payload`` (compact; datetimes and other objects via ``str``)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)


def decode(text: str) -> Any:
    """The value of a JSON text."""
    return json.loads(text)


@dataclass(frozen=True, slots=True)
class Message:
    """A pub/sub message: the channel name (without the key prefix) and its JSON data."""

    channel: str
    data: Any


@dataclass(frozen=True, slots=True)
class Command:
    """A command read from a stream: its entry id (needed to ack) and its JSON data."""

    stream: str
    id: str
    data: Any


class Subscription:
    """Messages from the subscribed channels; close it (or use ``with``) when done."""

    def __init__(
        self,
        pubsub: redis.client.PubSub,
        strip: Callable[[str], str],
        guard: Callable[[], Any],
        wanted: Callable[[str], bool] | None = None,
    ) -> None:
        self._pubsub = pubsub
        self._strip = strip
        self._guard = guard
        self._wanted = wanted  # a look at the JSON text: False skips it without decoding

    def get(self, timeout: float = 1.0) -> Message | None:
        """The next message, waiting up to ``timeout`` seconds; None if none came."""
        with self._guard():
            raw = self._pubsub.get_message(ignore_subscribe_messages=True, timeout=timeout)
        if raw is None or raw.get("type") not in ("message", "pmessage"):
            return None
        if self._wanted is not None and not self._wanted(raw["data"]):
            return None
        channel = self._strip(raw["channel"])
        try:
            data = decode(raw["data"])
        except (TypeError, ValueError):
            log.warning("dropped non-JSON message on channel %s: %.200r", channel, raw["data"])
            return None
        return Message(channel=channel, data=data)

    def __iter__(self) -> Iterator[Message]:
        """Messages forever (until the subscription is closed)."""
        while True:
            message = self.get(timeout=1.0)
            if message is not None:
                yield message

    def close(self) -> None:
        """Unsubscribe and give the connection back."""
        try:
            self._pubsub.close()
        except redis.RedisError:  # pragma: no cover - closing a dead connection
            pass

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
