"""``LiveStore``: namespaced Redis keys, state hashes, pub/sub and a command stream."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis

from callcenter.live.errors import LiveError, LiveUnavailable
from callcenter.live.messages import Command, Subscription, decode, encode

__all__ = ["Field", "LiveStore", "safe_url"]

Field = str | int | float | bool | None


def safe_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _field(value: Field) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


class LiveStore:
    """Live state in Redis under one key prefix, so several engines can share a Redis.

    Keys are ``<prefix>:<part>:<part>``. Hash values are plain strings (bools as "1"/"0")
    so Lua scripts can read them; messages and commands are JSON.
    """

    def __init__(
        self,
        url: str,
        prefix: str = "cc",
        *,
        connect_timeout: float = 2.0,
        socket_timeout: float | None = 10.0,
        max_connections: int = 2000,
        connection_class: type[redis.Connection] | None = None,  # tests: gevent sockets
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.error_hooks: list[Callable[[LiveError], None]] = []  # see guard(); metrics
        self.socket_timeout = socket_timeout
        try:
            self.redis: redis.Redis = redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_connect_timeout=connect_timeout,
                socket_timeout=socket_timeout,
                # redis-py's default pool stops at 100; every SSE stream holds a pub/sub
                # connection, so a console with more desktops than that would refuse them.
                max_connections=max_connections,
                # only when given: the URL's scheme picks the class (rediss:// is TLS)
                **({"connection_class": connection_class} if connection_class else {}),
            )
        except ValueError as exc:
            raise LiveError(
                f"invalid Redis URL {safe_url(url)!r}: {exc}; use e.g. redis://127.0.0.1:6379/0 "
                "(setting redis.url, env CALLCENTER_REDIS__URL)"
            ) from None

    @classmethod
    def from_settings(cls, settings: Any) -> LiveStore:
        """A store for ``settings.redis.url`` and ``settings.redis.prefix``."""
        return cls(
            settings.redis.url,
            settings.redis.prefix,
            max_connections=settings.redis.max_connections,
        )

    # -- connection -------------------------------------------------------------------------

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Turn redis-py errors into LiveUnavailable / LiveError with a useful message."""
        try:
            yield
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise self._failed(
                LiveUnavailable(
                    f"cannot reach Redis at {safe_url(self.url)} (key prefix {self.prefix!r}): "
                    f"{exc}; check that redis-server is running and the setting redis.url "
                    "(env CALLCENTER_REDIS__URL)"
                )
            ) from exc
        except redis.RedisError as exc:
            raise self._failed(LiveError(f"Redis error at {safe_url(self.url)}: {exc}")) from exc

    def _failed(self, error: LiveError) -> LiveError:
        """Tell the error hooks (each ``hook(error)``) about a failed operation."""
        for hook in self.error_hooks:
            hook(error)
        return error

    def ping(self) -> float:
        """Round-trip time to Redis in seconds; raises LiveUnavailable if unreachable."""
        start = time.perf_counter()
        with self.guard():
            self.redis.ping()
        return time.perf_counter() - start

    def close(self) -> None:
        """Close all connections of this store."""
        self.redis.close()

    def __enter__(self) -> LiveStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- keys -------------------------------------------------------------------------------

    def key(self, *parts: str | int) -> str:
        """The namespaced key ``<prefix>:<part>:...``."""
        return ":".join([self.prefix, *(str(part) for part in parts)])

    def strip(self, key: str) -> str:
        """``key`` without this store's prefix."""
        head = self.prefix + ":"
        return key[len(head) :] if key.startswith(head) else key

    # -- state hashes (one per agent / call / queue) ------------------------------------------

    def put(
        self,
        kind: str,
        id: str | int,
        fields: Mapping[str, Field],
        publish: Mapping[str, Any] | None = None,
    ) -> None:
        """Set fields of the ``kind`` hash ``id`` (None deletes a field) and index the id;
        ``publish``: messages by channel sent in the same round trip, after the write."""
        with self.guard():
            pipe = self.redis.pipeline(transaction=True)
            self.put_on(pipe, kind, id, fields, publish)
            pipe.execute()

    def put_on(
        self,
        pipe: Any,
        kind: str,
        id: str | int,
        fields: Mapping[str, Field],
        publish: Mapping[str, Any] | None = None,
        *,
        index: bool = True,
    ) -> None:
        """Queue :meth:`put`'s commands on the redis-py pipeline ``pipe`` (``index=False``:
        the id is in the index already, the caller knows)."""
        present = {name: _field(value) for name, value in fields.items() if value is not None}
        absent = [name for name, value in fields.items() if value is None]
        key = self.key(kind, id)
        if present:
            pipe.hset(key, mapping=present)
        if absent:
            pipe.hdel(key, *absent)
        if index:
            pipe.sadd(self.key(kind + "s"), str(id))
        for channel, data in (publish or {}).items():
            pipe.publish(self.key(channel), encode(data))

    def get(self, kind: str, id: str | int) -> dict[str, str]:
        """All fields of the ``kind`` hash ``id`` (empty if there is none)."""
        with self.guard():
            return self.redis.hgetall(self.key(kind, id))

    def get_field(self, kind: str, id: str | int, name: str) -> str | None:
        """One field of the ``kind`` hash ``id``, or None."""
        with self.guard():
            return self.redis.hget(self.key(kind, id), name)

    def remove(self, kind: str, id: str | int) -> None:
        """Delete the ``kind`` hash ``id`` and drop it from the index."""
        with self.guard():
            pipe = self.redis.pipeline(transaction=True)
            self.remove_on(pipe, kind, id)
            pipe.execute()

    def remove_on(self, pipe: Any, kind: str, id: str | int) -> None:
        """Queue :meth:`remove`'s commands on the redis-py pipeline ``pipe``."""
        pipe.delete(self.key(kind, id))
        pipe.srem(self.key(kind + "s"), str(id))

    def ids(self, kind: str) -> set[str]:
        """Ids of every ``kind`` hash written with :meth:`put`."""
        with self.guard():
            return self.redis.smembers(self.key(kind + "s"))

    def all(self, kind: str) -> dict[str, dict[str, str]]:
        """Every ``kind`` hash by id, fetched in one round trip."""
        ids = sorted(self.ids(kind))
        with self.guard():
            pipe = self.redis.pipeline(transaction=False)
            for id in ids:
                pipe.hgetall(self.key(kind, id))
            return {id: values for id, values in zip(ids, pipe.execute(), strict=True) if values}

    def put_agent(self, agent_id: str | int, **fields: Field) -> None:
        """Set fields of an agent's live hash."""
        self.put("agent", agent_id, fields)

    def get_agent(self, agent_id: str | int) -> dict[str, str]:
        """An agent's live hash."""
        return self.get("agent", agent_id)

    def put_call(self, uuid: str, **fields: Field) -> None:
        """Set fields of a call's live hash."""
        self.put("call", uuid, fields)

    def get_call(self, uuid: str) -> dict[str, str]:
        """A call's live hash."""
        return self.get("call", uuid)

    def put_queue(self, name: str, **fields: Field) -> None:
        """Set fields of a queue's live hash."""
        self.put("queue", name, fields)

    def get_queue(self, name: str) -> dict[str, str]:
        """A queue's live hash."""
        return self.get("queue", name)

    # -- pub/sub ----------------------------------------------------------------------------

    def publish(self, channel: str, data: Any) -> int:
        """Publish ``data`` as JSON on ``channel``; returns how many subscribers got it."""
        with self.guard():
            return int(self.redis.publish(self.key(channel), encode(data)))

    def subscribe(
        self, *channels: str, timeout: float = 5.0, wanted: Callable[[str], bool] | None = None
    ) -> Subscription:
        """Subscribe to ``channels``; returns once Redis confirmed, so no message is missed.
        ``wanted(text)``: False skips a message before its JSON is decoded (a cheap look)."""
        if not channels:
            raise ValueError("subscribe needs at least one channel")
        with self.guard():
            pubsub = self.redis.pubsub()
            pubsub.subscribe(*(self.key(channel) for channel in channels))
            deadline = time.monotonic() + timeout
            confirmed = 0
            while confirmed < len(channels):
                left = deadline - time.monotonic()
                if left <= 0:
                    pubsub.close()
                    raise LiveUnavailable(
                        f"Redis at {safe_url(self.url)} did not confirm the subscription "
                        f"to {channels} within {timeout} s"
                    )
                reply = pubsub.get_message(timeout=left)
                if reply is not None and reply.get("type") == "subscribe":
                    confirmed += 1
        return Subscription(pubsub, self.strip, self.guard, wanted)

    # -- command stream ---------------------------------------------------------------------

    def send_command(self, stream: str, data: Any, *, maxlen: int = 10000) -> str:
        """Append a JSON command to ``stream`` (trimmed to about ``maxlen``); returns its id."""
        with self.guard():
            return self.redis.xadd(
                self.key("stream", stream), {"data": encode(data)}, maxlen=maxlen, approximate=True
            )

    def ensure_group(self, stream: str, group: str, *, start: str = "$") -> None:
        """Create consumer ``group`` on ``stream`` (and the stream) unless it exists.

        ``start="$"`` delivers only commands sent from now on; ``"0"`` also older ones.
        """
        with self.guard():
            try:
                self.redis.xgroup_create(self.key("stream", stream), group, id=start, mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    def read_commands(
        self,
        stream: str,
        group: str,
        consumer: str,
        *,
        count: int = 10,
        block: float | None = 1.0,
    ) -> list[Command]:
        """New commands for ``consumer`` of ``group``, waiting up to ``block`` seconds.

        Each command goes to one consumer of the group; it stays pending until acked.
        ``block=None`` returns at once; ``block`` must be shorter than the socket timeout.
        """
        if block is not None and self.socket_timeout is not None and block >= self.socket_timeout:
            raise ValueError(
                f"block={block} s must be shorter than socket_timeout={self.socket_timeout} s"
            )
        key = self.key("stream", stream)
        block_ms = None if block is None else max(1, int(block * 1000))
        with self.guard():
            reply = self.redis.xreadgroup(group, consumer, {key: ">"}, count=count, block=block_ms)
        return [cmd for _name, entries in reply or [] for cmd in self._commands(stream, entries)]

    def ack(self, stream: str, group: str, *ids: str) -> int:
        """Mark commands done for ``group``; returns how many were pending."""
        if not ids:
            return 0
        with self.guard():
            return int(self.redis.xack(self.key("stream", stream), group, *ids))

    def read_own_pending(
        self, stream: str, group: str, consumer: str, *, count: int = 10
    ) -> list[Command]:
        """Commands delivered to ``consumer`` earlier and not acked yet (e.g. before a crash)."""
        key = self.key("stream", stream)
        with self.guard():
            reply = self.redis.xreadgroup(group, consumer, {key: "0"}, count=count)
        return [cmd for _name, entries in reply or [] for cmd in self._commands(stream, entries)]

    def delete_commands(self, stream: str, *ids: str) -> int:
        """Remove entries from ``stream`` (e.g. once written elsewhere); returns how many."""
        if not ids:
            return 0
        with self.guard():
            return int(self.redis.xdel(self.key("stream", stream), *ids))

    def stream_length(self, stream: str) -> int:
        """How many entries ``stream`` holds (acked or not)."""
        with self.guard():
            return int(self.redis.xlen(self.key("stream", stream)))

    def pending_count(self, stream: str, group: str) -> int:
        """How many commands of ``group`` were delivered but not yet acked."""
        with self.guard():
            summary = self.redis.xpending(self.key("stream", stream), group)
        return int(summary["pending"])

    def reclaim(
        self, stream: str, group: str, consumer: str, *, min_idle: float = 30.0, count: int = 10
    ) -> list[Command]:
        """Take over commands another consumer left unacked for ``min_idle`` seconds."""
        key = self.key("stream", stream)
        with self.guard():
            reply = self.redis.xautoclaim(
                key, group, consumer, min_idle_time=int(min_idle * 1000), count=count
            )
        return list(self._commands(stream, reply[1]))

    def _commands(self, stream: str, entries: list[Any]) -> Iterator[Command]:
        for entry_id, fields in entries:
            if not fields:  # entry trimmed away while pending
                continue
            try:
                data = decode(fields.get("data", ""))
            except ValueError:
                data = {"invalid": fields.get("data")}
            yield Command(stream=stream, id=entry_id, data=data)
