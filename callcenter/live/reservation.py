"""Atomic agent reservation in Redis: engines on several nodes never offer one agent twice.

An agent's live hash (``LiveStore.key("agent", id)``, plain string values) holds ``state``,
``since``, ``call_uuid``, ``reason``, plus, written here: ``version`` (bumped by every change
made here), ``node`` (the engine that holds the reservation or the call) and
``reserved_until`` (Redis server time in epoch milliseconds). Each operation is one Lua script,
so the check ("is the agent available?") and the change ("reserved for this call") happen in
one step on the Redis server. Expiry uses the Redis server clock (``TIME``), so node clocks
need not agree; ``since`` is written from the engine's (injected) clock, like the engine's own
mirror. Reservations with an expiry are indexed in the sorted set ``<prefix>:reservations``
so :meth:`Reservations.sweep` finds those whose node died without a scan.

Redis Cluster: the scripts touch one agent hash and the index (the sweep derives agent keys
from the prefix), so use a hash-tagged prefix such as ``{cc}`` there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from callcenter.live.errors import LiveError
from callcenter.live.store import LiveStore

__all__ = ["Expired", "Outcome", "ReservationRefused", "Reservations"]

# KEYS: index, agent keys...  ARGV: call, node, ttl_ms, mode (first|all), since,
# then per agent: id, expected version ('' any), expected since ('' any).
# Returns {{{id, version}...}, {{id, code, state, version, since, call_uuid}...}}.
_RESERVE = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local call, node, ttl, mode, since = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local expires = now_ms + ttl
local won, refused = {}, {}
for i = 2, #KEYS do
  local base = 6 + (i - 2) * 3
  local id, want_version, want_since = ARGV[base], ARGV[base + 1], ARGV[base + 2]
  local cur = redis.call('HMGET', KEYS[i], 'state', 'version', 'since', 'call_uuid')
  local state, version = cur[1], cur[2] or '0'
  local code = false
  if not state then code = 'unknown'
  elseif state ~= 'available' then code = 'state'
  elseif want_version ~= '' and want_version ~= version then code = 'version'
  elseif want_since ~= '' and want_since ~= (cur[3] or '') then code = 'since'
  end
  if code then
    table.insert(refused, {id, code, state or '', version, cur[3] or '', cur[4] or ''})
  else
    local v = redis.call('HINCRBY', KEYS[i], 'version', 1)
    redis.call('HSET', KEYS[i], 'state', 'reserved', 'reason', '', 'since', since,
      'call_uuid', call, 'node', node, 'reserved_until', tostring(expires))
    redis.call('ZADD', KEYS[1], expires, id)
    table.insert(won, {id, tostring(v)})
    if mode == 'first' then break end
  end
end
return {won, refused}
"""

# KEYS: index, agent key.  ARGV: id, from states (comma list), expected call ('' any),
# new state ('' keeps state, reason and since), reason, since, ttl_ms ('' keep expiry,
# '0' clear it), clear call ('1'|'0'), expected node ('' any).
# Returns {ok, code, state, version, call_uuid}.
_MOVE = """
local key = KEYS[2]
local cur = redis.call('HMGET', key, 'state', 'version', 'call_uuid', 'node')
local state, version, call, node = cur[1], cur[2] or '0', cur[3] or '', cur[4] or ''
if not state then return {0, 'unknown', '', version, ''} end
local allowed = false
for s in string.gmatch(ARGV[2], '[^,]+') do
  if s == state then allowed = true end
end
if not allowed then return {0, 'state', state, version, call} end
if ARGV[3] ~= '' and ARGV[3] ~= call then return {0, 'call', state, version, call} end
if ARGV[9] ~= '' and ARGV[9] ~= node then return {0, 'node', state, version, call} end
local new = ARGV[4]
local v = redis.call('HINCRBY', key, 'version', 1)
if new == '' then
  new = state
else
  redis.call('HSET', key, 'state', new, 'reason', ARGV[5], 'since', ARGV[6])
end
if ARGV[7] == '0' then
  redis.call('HDEL', key, 'reserved_until')
  redis.call('ZREM', KEYS[1], ARGV[1])
elseif ARGV[7] ~= '' then
  local t = redis.call('TIME')
  local expires = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[7])
  redis.call('HSET', key, 'reserved_until', tostring(expires))
  redis.call('ZADD', KEYS[1], expires, ARGV[1])
end
if ARGV[8] == '1' then
  redis.call('HSET', key, 'call_uuid', '')
  redis.call('HDEL', key, 'node')
  call = ''
end
return {1, '', new, tostring(v), call}
"""

# KEYS: index.  ARGV: agent key head ('<prefix>:agent:'), limit, since, new state, reason.
# Returns {{id, state, call_uuid, node}...} for every reservation freed.
_SWEEP = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms, 'LIMIT', 0, tonumber(ARGV[2]))
local freed = {}
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  local cur = redis.call('HMGET', key, 'state', 'reserved_until', 'call_uuid', 'node')
  local expires = tonumber(cur[2] or '')
  if expires and expires > now_ms then
    redis.call('ZADD', KEYS[1], expires, id)
  else
    redis.call('ZREM', KEYS[1], id)
    if (cur[1] == 'reserved' or cur[1] == 'ringing') and expires then
      redis.call('HINCRBY', key, 'version', 1)
      redis.call('HSET', key, 'state', ARGV[4], 'reason', ARGV[5], 'since', ARGV[3],
        'call_uuid', '')
      redis.call('HDEL', key, 'node', 'reserved_until')
      table.insert(freed, {id, cur[1], cur[3] or '', cur[4] or ''})
    end
  end
end
return freed
"""

_WHY = {
    "unknown": "agent {id} is not in live state (never published, or logged out and removed)",
    "state": "agent {id} is {state}, not {wanted}",
    "version": "agent {id} changed since it was read (version {version}, expected {expected})",
    "since": "agent {id} changed state since it was read (since {since}, expected {expected})",
    "call": "agent {id} is held for call {call}, not {expected}",
    "node": "agent {id} is held by another node, not {expected}",
}


class ReservationRefused(LiveError):
    """A reservation operation was refused; the message says why (``outcome`` has the code)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.reason)
        self.outcome = outcome


@dataclass(frozen=True, slots=True)
class Outcome:
    """Result of one reservation operation on one agent.

    ``code`` is '' on success, else one of: unknown, state, version, since, call, node.
    ``state`` is the state written (success) or found (refusal).
    """

    agent_id: str
    ok: bool
    code: str = ""
    state: str = ""
    version: int = 0
    call_uuid: str = ""
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok

    def check(self) -> Outcome:
        """This outcome, or :class:`ReservationRefused` if it was refused."""
        if not self.ok:
            raise ReservationRefused(self)
        return self


@dataclass(frozen=True, slots=True)
class Expired:
    """A reservation the sweep freed: the agent, the state it was in, its call and node."""

    agent_id: str
    state: str
    call_uuid: str
    node: str


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _ms(seconds: float) -> str:
    return str(max(1, int(round(seconds * 1000))))


class Reservations:
    """Reserve, confirm and release agents for one engine node, atomically in Redis."""

    INDEX = "reservations"

    def __init__(
        self,
        live: LiveStore,
        node: str,
        *,
        ttl: float = 30.0,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        if not node:
            raise ValueError("a node id is required (e.g. the FreeSWITCH node's name)")
        self.live = live
        self.node = node
        self.ttl = ttl
        self._clock = clock
        self._index = live.key(self.INDEX)
        redis = live.redis
        self._reserve = redis.register_script(_RESERVE)
        self._move = redis.register_script(_MOVE)
        self._sweep = redis.register_script(_SWEEP)

    def _since(self) -> str:
        return self._clock().isoformat()

    # -- reserve ------------------------------------------------------------------------------

    def _run_reserve(
        self,
        candidates: Sequence[tuple[str, str, str]],
        call_uuid: str,
        mode: str,
        ttl: float | None,
    ) -> tuple[list[Outcome], list[Outcome]]:
        keys = [self._index, *(self.live.key("agent", c[0]) for c in candidates)]
        args = [call_uuid, self.node, _ms(self.ttl if ttl is None else ttl), mode, self._since()]
        for candidate in candidates:
            args.extend(candidate)
        with self.live.guard():
            won, refused = self._reserve(keys=keys, args=args)
        wins = [
            Outcome(id, True, state="reserved", version=int(v), call_uuid=call_uuid)
            for id, v in won
        ]
        expected = {c[0]: c for c in candidates}
        losses = []
        for id, code, state, version, since, call in refused:
            want = expected[id]
            detail = {"version": want[1], "since": want[2]}.get(code, "")
            reason = _WHY[code].format(
                id=id,
                state=state,
                wanted="available",
                version=version,
                since=since,
                call=call,
                expected=detail,
            )
            losses.append(Outcome(id, False, code, state, int(version), call, reason))
        return wins, losses

    def reserve(
        self,
        agent_id: str,
        call_uuid: str,
        *,
        ttl: float | None = None,
        expect_version: int | str | None = None,
        expect_since: str | datetime | None = None,
    ) -> Outcome:
        """Reserve ``agent_id`` for ``call_uuid`` if available (and unchanged, if expected)."""
        since = expect_since.isoformat() if isinstance(expect_since, datetime) else expect_since
        version = "" if expect_version is None else str(expect_version)
        wins, losses = self._run_reserve(
            [(str(agent_id), version, since or "")], call_uuid, "first", ttl
        )
        return (wins or losses)[0]

    def reserve_first(
        self, agent_ids: Sequence[str], call_uuid: str, *, ttl: float | None = None
    ) -> tuple[Outcome | None, list[Outcome]]:
        """Reserve the first available of ``agent_ids`` (best first) in one round trip.

        Returns the winning outcome (None if none was free) and the refusals before it.
        """
        if not agent_ids:
            return None, []
        wins, losses = self._run_reserve(
            [(str(a), "", "") for a in agent_ids], call_uuid, "first", ttl
        )
        return (wins[0] if wins else None), losses

    def reserve_all(
        self, agent_ids: Sequence[str], call_uuid: str, *, ttl: float | None = None
    ) -> tuple[list[Outcome], list[Outcome]]:
        """Reserve every available agent of ``agent_ids`` (ring-all); (reserved, refused)."""
        if not agent_ids:
            return [], []
        return self._run_reserve([(str(a), "", "") for a in agent_ids], call_uuid, "all", ttl)

    # -- after the reservation ------------------------------------------------------------------

    def _run_move(
        self,
        agent_id: str,
        from_states: Sequence[str],
        call_uuid: str,
        state: str,
        reason: str = "",
        *,
        ttl: str = "",
        clear_call: bool = False,
        node: str = "",
    ) -> Outcome:
        keys = [self._index, self.live.key("agent", agent_id)]
        args = [
            str(agent_id),
            ",".join(from_states),
            call_uuid,
            state,
            reason,
            self._since(),
            ttl,
            "1" if clear_call else "0",
            node,
        ]
        with self.live.guard():
            ok, code, found, version, call = self._move(keys=keys, args=args)
        if ok:
            return Outcome(str(agent_id), True, state=found, version=int(version), call_uuid=call)
        why = _WHY[code].format(
            id=agent_id,
            state=found,
            wanted=" or ".join(from_states),
            version=version,
            since="",
            call=call or "none",
            expected=node if code == "node" else call_uuid,
        )
        return Outcome(str(agent_id), False, code, found, int(version), call, why)

    def confirm(
        self, agent_id: str, call_uuid: str, state: str = "ringing", *, ttl: float | None = None
    ) -> Outcome:
        """Move the reservation on: ``ringing`` (expiry renewed) or ``on_call`` (no expiry)."""
        if state == "ringing":
            return self._run_move(
                agent_id,
                ("reserved",),
                call_uuid,
                "ringing",
                ttl=_ms(self.ttl if ttl is None else ttl),
                node=self.node,
            )
        if state == "on_call":
            return self._run_move(
                agent_id, ("reserved", "ringing"), call_uuid, "on_call", ttl="0", node=self.node
            )
        raise ValueError(f"confirm moves a reservation to 'ringing' or 'on_call', not {state!r}")

    def extend(self, agent_id: str, call_uuid: str, ttl: float | None = None) -> Outcome:
        """Renew a reservation or ringing offer this node holds (a long ring timeout)."""
        return self._run_move(
            agent_id,
            ("reserved", "ringing"),
            call_uuid,
            "",
            ttl=_ms(self.ttl if ttl is None else ttl),
            node=self.node,
        )

    def release(
        self, agent_id: str, call_uuid: str, state: str = "available", reason: str = ""
    ) -> Outcome:
        """Give up an offer: the agent goes ``available`` (or e.g. not_ready with a reason)."""
        return self._run_move(
            agent_id,
            ("reserved", "ringing"),
            call_uuid,
            state,
            reason,
            ttl="0",
            clear_call=True,
        )

    def sweep(
        self, *, limit: int = 100, state: str = "available", reason: str = ""
    ) -> list[Expired]:
        """Free reservations past their expiry (their node died or hung); any node may run it."""
        args = [self.live.key("agent", ""), limit, self._since(), state, reason]
        with self.live.guard():
            freed = self._sweep(keys=[self._index], args=args)
        return [Expired(*row) for row in freed]

    def pending(self) -> dict[str, float]:
        """Agent id -> expiry (epoch seconds, Redis clock) of every reservation with one."""
        with self.live.guard():
            rows = self.live.redis.zrange(self._index, 0, -1, withscores=True)
        return {id: score / 1000.0 for id, score in rows}
