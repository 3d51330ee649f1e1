"""Routing in, before any flow: the caller blacklist (SQL) and the per-caller flood limit (Redis),
and the lookups ``lookup`` nodes use (customer from SQL, HTTP webhooks)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import gevent

from callcenter.engine.records.persistence import EngineStore
from callcenter.ivr.callio import LookupFailed
from callcenter.ivr.schedule import Calendar
from callcenter.live.errors import LiveError
from callcenter.live.store import LiveStore
from callcenter.logs import get_logger

__all__ = ["EngineLookups", "FloodLimit", "Screening"]

log = get_logger(__name__)


class FloodLimit:
    """At most ``max_calls`` calls per caller number in ``window_minutes``, across engines.

    Counted in Redis with INCR on a key per number and window (the window's first call
    creates the key with its expiry, SET NX EX: one round trip), so every engine sharing the
    Redis sees the same count. Redis being down lets calls through (logged): a flood guard
    must not block the hotline.
    """

    def __init__(self, live: LiveStore, max_calls: int, window_minutes: float) -> None:
        self.live = live
        self.max_calls = max_calls
        self.window = max(int(window_minutes * 60), 1)

    def allow(self, number: str) -> bool:
        """Count this call; False when the number is over the limit."""
        if self.max_calls <= 0 or not number:
            return True
        key = self.live.key("flood", number)
        try:
            with self.live.guard():
                pipe = self.live.redis.pipeline(transaction=True)
                pipe.set(key, 0, ex=self.window, nx=True)  # the window's first call: one trip
                pipe.incr(key)
                pipe.ttl(key)
                _new, count, ttl = pipe.execute()
                if ttl is None or int(ttl) < 0:  # a counter left without expiry
                    self.live.redis.expire(key, self.window)
        except LiveError as exc:
            log.warning("flood counter unavailable; call let through", error=str(exc))
            return True
        return int(count) <= self.max_calls


class Screening:
    """Decides whether a caller may enter the IVR: None, or why not (blacklist, flood)."""

    def __init__(
        self, store: EngineStore, flood: FloodLimit, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.flood = flood
        self.clock = clock

    def refuse(self, number: str) -> str | None:
        """``blacklist``, ``flood`` or None (let in). A failing store lets the call in."""
        try:
            if number and self.store.is_blacklisted(number, self.clock()):
                return "blacklist"
        except Exception as exc:  # the hotline stays up when SQL is not
            log.warning("blacklist check failed; call let through", error=str(exc))
        if not self.flood.allow(number):
            return "flood"
        return None


class EngineLookups:
    """``lookup`` nodes: the customer from SQL; webhooks over HTTP(S) with urllib.

    The engine process is monkey-patched by gevent, so urllib's socket waits yield to other
    calls; ``gevent.Timeout`` bounds the whole request (DNS, connect, read) as well.
    """

    def __init__(self, store: EngineStore) -> None:
        self.store = store

    def customer(self, number: str) -> Mapping[str, Any] | None:
        """The customer owning ``number``, or None; LookupFailed if SQL fails."""
        try:
            return self.store.customer_by_number(number)
        except Exception as exc:
            raise LookupFailed(f"customer lookup failed: {exc}") from exc

    def calendar(self, name: str) -> Calendar | None:
        """The named calendar from SQL, or None; LookupFailed if SQL fails or a line is bad."""
        try:
            return self.store.calendar(name)
        except Exception as exc:
            raise LookupFailed(f"calendar {name!r} lookup failed: {exc}") from exc

    def webhook(self, url: str, timeout: float) -> Mapping[str, Any] | None:
        """GET ``url``; the JSON object, None on 404; LookupFailed otherwise."""
        if not url.startswith(("http://", "https://")):
            raise LookupFailed(f"webhook URL must be http(s): {url!r}")
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with gevent.Timeout(timeout, LookupFailed(f"webhook timed out after {timeout:g} s")):
                with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310
                    body = reply.read(1_000_000)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise LookupFailed(f"webhook answered HTTP {exc.code}") from exc
        except (OSError, ValueError) as exc:
            raise LookupFailed(f"webhook failed: {exc}") from exc
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise LookupFailed("webhook did not answer JSON") from exc
        if not isinstance(data, dict):
            raise LookupFailed("webhook did not answer a JSON object")
        return data
