"""Sign-in throttling in Redis, shared by every console worker: failures per user name and
per client address in a window; too many lock that name or address for a while."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import redis
from flask import current_app

from callcenter.live.store import LiveStore

__all__ = ["LockStatus", "LoginThrottle", "login_throttle"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LockStatus:
    """A user name's sign-in state: failures in the window, seconds of lockout left."""

    failures: int
    locked_seconds: int

    @property
    def locked(self) -> bool:
        """Whether sign-in with this name is refused now."""
        return self.locked_seconds > 0


class LoginThrottle:
    """Counts failed sign-ins and locks out; with Redis down it lets sign-ins through (logged)."""

    def __init__(self, store: LiveStore, login: Any) -> None:
        self.store = store
        self.max_user = int(login.max_failures_per_user)
        self.max_address = int(login.max_failures_per_address)
        self.window = max(1, round(login.window_minutes * 60))
        self.lockout = max(1, round(login.lockout_minutes * 60))

    def _key(self, *parts: str) -> str:
        return self.store.key("login", *parts)

    def locked(self, username: str, address: str) -> bool:
        """Whether this user name or this address is locked out now."""
        try:
            return bool(
                self.store.redis.exists(
                    self._key("lock", "user", username), self._key("lock", "addr", address)
                )
            )
        except redis.RedisError as exc:
            log.error("login throttle: cannot read lockouts from Redis: %s", exc)
            return False

    def failed(self, username: str, address: str) -> None:
        """Count a failed sign-in; lock the name or address when it reaches its limit."""
        user_count, addr_count = (
            self._key("fail", "user", username),
            self._key("fail", "addr", address),
        )
        tried = self._key("addrs", username)
        try:
            pipe = self.store.redis.pipeline(transaction=True)
            pipe.incr(user_count).expire(user_count, self.window, nx=True)
            pipe.incr(addr_count).expire(addr_count, self.window, nx=True)
            pipe.sadd(tried, address).expire(tried, self.window + self.lockout)
            users, _, addresses, *_ = pipe.execute()
            if int(users) >= self.max_user:
                self._lock(("lock", "user", username), user_count)
                log.warning("login throttle: user name %r locked out", username)
            if int(addresses) >= self.max_address:
                self._lock(("lock", "addr", address), addr_count)
                log.warning("login throttle: client address %s locked out", address)
        except redis.RedisError as exc:
            log.error("login throttle: cannot count a failed sign-in in Redis: %s", exc)

    def _lock(self, parts: tuple[str, ...], counter: str) -> None:
        pipe = self.store.redis.pipeline(transaction=True)
        pipe.set(self._key(*parts), "1", ex=self.lockout).delete(counter)
        pipe.execute()

    def succeeded(self, username: str) -> None:
        """Forget the user name's failures after a good sign-in."""
        try:
            self.store.redis.delete(self._key("fail", "user", username))
        except redis.RedisError as exc:
            log.error("login throttle: cannot reset failures in Redis: %s", exc)

    def status(self, username: str) -> LockStatus:
        """Failures and lockout left for ``username`` (zeros when Redis cannot be read)."""
        try:
            pipe = self.store.redis.pipeline(transaction=False)
            pipe.get(self._key("fail", "user", username)).ttl(self._key("lock", "user", username))
            failures, ttl = pipe.execute()
        except redis.RedisError as exc:
            log.error("login throttle: cannot read lockouts from Redis: %s", exc)
            return LockStatus(0, 0)
        return LockStatus(int(failures or 0), max(0, int(ttl)))

    def lift(self, username: str) -> list[str]:
        """End the lockout of ``username`` and of the addresses that failed with it; those
        addresses, sorted."""
        tried = self._key("addrs", username)
        addresses = sorted(self.store.redis.smembers(tried))
        keys = [self._key("lock", "user", username), self._key("fail", "user", username), tried]
        for address in addresses:
            keys += [self._key("lock", "addr", address), self._key("fail", "addr", address)]
        self.store.redis.delete(*keys)
        return addresses


def login_throttle() -> LoginThrottle:
    """The app's throttle (one per app), on the console's Redis live store."""
    throttle = current_app.extensions.get("callcenter.login_throttle")
    if throttle is None:
        from console.supervisor import live_store  # late: supervisor imports console.auth

        settings = current_app.extensions["callcenter.settings"]
        throttle = LoginThrottle(live_store(), settings.login)
        current_app.extensions["callcenter.login_throttle"] = throttle
    return throttle
