"""Telegram's limits kept in Redis, so every process of one bot shares them.

Telegram counts a bot's messages wherever they come from: thirty broadcasts a second in all,
about one message a second to a private chat and twenty a minute to a group. With several web
workers and senders, budgets kept in each process would add up past those limits; here each
limit is one key in Redis (CLOSEBOT_REDIS), taken by a Lua script that runs atomically on the
server against the server's own clock. Flood control (429) on a broadcast marks the budget
paused until Telegram's retry time, for every sender. The per-chat flood windows of
`handlers.core.flood.FloodGuard` are kept there too, so a chat that floods one worker is muted
on all of them.

Without CLOSEBOT_REDIS the same limits are kept in the process (`bot.pacing`, FloodGuard). When
Redis stops answering while the bot runs, each process keeps them itself until Redis is back
(tried again every few seconds), so replies and pushes go on at Telegram's pace for one process
rather than failing; a 429 from Telegram is still waited out by whoever receives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import TracebackType

import redis.asyncio as aioredis
from aiolimiter import AsyncLimiter
from redis.exceptions import RedisError

from handlers.core.flood import LIMIT, WINDOW, FloodGuard, Verdict

logger = logging.getLogger(__name__)

PREFIX = "closebot:"
TIMEOUT = 2.0  # seconds a call to Redis may take before Redis counts as out of reach
RETRY_AFTER = 5.0  # seconds between tries of a Redis that stopped answering
KEPT_LOCALLY = 10_000  # limits kept in the process while Redis is away

# Generic cell rate: a slot every `interval` seconds, up to `burst` slots saved up. Returns 0
# when a slot is taken, else the seconds to wait. KEYS: the limit's key, the pause mark (or
# the same key again when there is none). ARGV: interval, burst.
_TAKE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
if KEYS[2] ~= KEYS[1] then
  local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
  if paused > t then return tostring(paused - t) end
end
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < t then tat = t end
local allowed_at = tat - interval * (burst - 1)
if allowed_at > t then return tostring(allowed_at - t) end
local next_tat = tat + interval
redis.call('SET', KEYS[1], tostring(next_tat), 'PX', math.ceil((next_tat - t) * 1000) + 1000)
return '0'
"""

# The pause mark only ever moves later. ARGV: seconds from now.
_PAUSE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local untill = t + tonumber(ARGV[1])
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if untill > paused then
  redis.call('SET', KEYS[1], tostring(untill), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return tostring(math.max(untill, paused))
"""

# A chat's sliding window of messages: a sorted set of arrival times, and a mute mark set on
# the first message over the limit. Returns 'allow', 'warn' or 'ignore'. KEYS: window, mute.
# ARGV: limit, window seconds, a member unique to this message.
_FLOOD = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local window = tonumber(ARGV[2])
if tonumber(redis.call('GET', KEYS[2]) or '0') > t then return 'ignore' end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local untill = tonumber(oldest[2]) + window
  redis.call('SET', KEYS[2], tostring(untill), 'PX', math.ceil((untill - t) * 1000) + 1)
  return 'warn'
end
redis.call('ZADD', KEYS[1], t, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return 'allow'
"""


@dataclass
class _Turn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class SharedLimits:
    """One Redis connection pool and the scripts every limit of the bot runs."""

    def __init__(self, url: str, *, prefix: str = PREFIX) -> None:
        from store.db import shown_url

        self.client: aioredis.Redis = aioredis.Redis.from_url(
            url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT
        )
        self.prefix = prefix
        self._take = self.client.register_script(_TAKE)
        self._pause = self.client.register_script(_PAUSE)
        self._flood = self.client.register_script(_FLOOD)
        self._counter = 0
        self._shown = shown_url(url)
        self._away_since: float | None = None  # monotonic time Redis stopped answering
        self._retry_at = 0.0
        self._local: dict[str, AsyncLimiter] = {}
        self._local_floods: dict[tuple[int, float], FloodGuard] = {}
        self._turns: dict[str, _Turn] = {}

    def key(self, *parts: object) -> str:
        return self.prefix + ":".join(str(p) for p in parts)

    @property
    def away(self) -> bool:
        """Whether the limits are kept in this process for now, Redis having stopped answering."""
        return self._away_since is not None and time.monotonic() < self._retry_at

    async def take(self, key: str, interval: float, burst: int, paused_by: str | None) -> None:
        """Wait for a slot of the limit at `key` (and for its pause mark, when it has one).

        The tasks of this process waiting on one limit ask Redis one at a time, in turn: each
        slot of a push's 25 concurrent sends would otherwise be asked for by all of them at
        every wake, some forty calls to Redis for each message sent."""
        async with self._in_turn(key):
            while not self.away:
                try:
                    keys = [key, paused_by or key]
                    wait = float(await self._take(keys=keys, args=[interval, burst]))
                except RedisError as error:
                    self._lost(error)
                    break
                self._answered()
                if wait <= 0:
                    return
                await asyncio.sleep(wait)
        await self._kept_here(key, interval, burst).acquire()

    @contextlib.asynccontextmanager
    async def _in_turn(self, key: str) -> AsyncIterator[None]:
        """This process's queue for one limit (asyncio's lock wakes its waiters in order),
        dropped when nobody waits on it, so a chat's limit leaves nothing behind."""
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = _Turn()
        turn.waiting += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.waiting -= 1
            if not turn.waiting:
                del self._turns[key]

    async def pause(self, key: str, seconds: float) -> None:
        if self.away:
            return  # the sender told to wait waits on its own; the others cannot be told
        try:
            await self._pause(keys=[key], args=[seconds])
        except RedisError as error:
            self._lost(error)
        else:
            self._answered()

    async def flood(self, chat_id: int, limit: int, window: float) -> Verdict:
        if not self.away:
            self._counter += 1
            member = f"{id(self)}:{self._counter}"
            keys = [self.key("flood", chat_id), self.key("muted", chat_id)]
            try:
                answer = await self._flood(keys=keys, args=[limit, window, member])
            except RedisError as error:
                self._lost(error)
            else:
                self._answered()
                return Verdict(answer.decode() if isinstance(answer, bytes) else answer)
        guard = self._local_floods.setdefault((limit, window), FloodGuard(limit, window))
        return guard.check(chat_id)

    def _kept_here(self, key: str, interval: float, burst: int) -> AsyncLimiter:
        limiter = self._local.get(key)
        if limiter is None:
            if len(self._local) >= KEPT_LOCALLY:
                self._local.clear()
            limiter = AsyncLimiter(max_rate=burst, time_period=interval * burst)
            self._local[key] = limiter
        return limiter

    def _lost(self, error: RedisError) -> None:
        now = time.monotonic()
        if self._away_since is None:
            self._away_since = now
            logger.warning(
                "Redis at %s stopped answering (%s): Telegram's limits are kept in this process "
                "until it is back",
                self._shown,
                error,
            )
        self._retry_at = now + RETRY_AFTER

    def _answered(self) -> None:
        if self._away_since is not None:
            away = time.monotonic() - self._away_since
            logger.warning(
                "Redis at %s answers again after %.0fs: limits shared again", self._shown, away
            )
            self._away_since = None
            self._local.clear()

    async def close(self) -> None:
        await self.client.aclose()


class SharedSlot:
    """`async with slot:` waits for a slot of one limit kept in Redis (as AsyncLimiter does
    for a limit kept in the process)."""

    def __init__(
        self,
        limits: SharedLimits,
        key: str,
        *,
        interval: float,
        burst: int = 1,
        paused_by: str | None = None,
    ) -> None:
        self.limits, self.key = limits, key
        self.interval, self.burst, self.paused_by = interval, burst, paused_by

    async def __aenter__(self) -> None:
        await self.limits.take(self.key, self.interval, self.burst, self.paused_by)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        return None


class SharedFloodGuard:
    """`FloodGuard`'s sliding window per chat, kept in Redis for every worker."""

    def __init__(self, limits: SharedLimits, limit: int = LIMIT, window: float = WINDOW) -> None:
        self.limits, self.limit, self.window = limits, limit, window

    async def acheck(self, chat_id: int) -> Verdict:
        return await self.limits.flood(chat_id, self.limit, self.window)


def check_reachable(url: str) -> None:
    """Fail at start, with what to do, when Redis does not answer (not on the first message)."""
    import redis

    from bot.config import ConfigError
    from store.db import shown_url

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5)
        client.ping()
        client.close()
    except redis.RedisError as error:
        raise ConfigError(
            f"Cannot reach Redis at {shown_url(url)} ({error}): start it, or unset "
            "CLOSEBOT_REDIS to keep Telegram's limits in this one process."
        ) from error


def limits_of_bot(url: str, token: str) -> SharedLimits:
    """The limits of one bot: Telegram counts per bot, so its keys carry the bot's id (the
    token's public part before the colon), and two bots may share one Redis."""
    return SharedLimits(url, prefix=f"{PREFIX}{token.split(':', 1)[0]}:")
