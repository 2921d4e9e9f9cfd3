"""Flood control per chat: a chat that sends too much is told once to slow down, then ignored
until its minute has passed. Other chats never notice."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum
from typing import Protocol

from handlers.core.locale import N_

LIMIT = 20
WINDOW = 60.0  # seconds
SLOW_DOWN = N_("Slow down a little — I'll answer again in a minute.")


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # the first message over the limit: say "slow down" once
    IGNORE = "ignore"


class FloodCheck(Protocol):
    """Judges each message of a chat: in this process (`FloodGuard`), or for every worker of
    the bot at once (bot/shared.py keeps the windows in Redis)."""

    async def acheck(self, chat_id: int) -> Verdict: ...


class FloodGuard:
    """A sliding window of recent messages for each chat."""

    def __init__(
        self,
        limit: int = LIMIT,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._recent: dict[int, deque[float]] = {}
        self._muted_until: dict[int, float] = {}

    def check(self, chat_id: int) -> Verdict:
        now = self.clock()
        if self._muted_until.get(chat_id, 0.0) > now:
            return Verdict.IGNORE
        self._muted_until.pop(chat_id, None)
        recent = self._recent.setdefault(chat_id, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            self._muted_until[chat_id] = recent[0] + self.window
            return Verdict.WARN
        recent.append(now)
        self._forget_quiet_chats(now)
        return Verdict.ALLOW

    async def acheck(self, chat_id: int) -> Verdict:
        return self.check(chat_id)

    def _forget_quiet_chats(self, now: float) -> None:
        """Keep memory bounded by the chats active in the last window, not every chat ever seen."""
        if len(self._recent) < 10_000:
            return
        quiet = [chat for chat, times in self._recent.items() if times[-1] <= now - self.window]
        for chat in quiet:
            del self._recent[chat]
