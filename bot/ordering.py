"""Updates handled side by side, each chat's in the order it sent them.

With updates processed concurrently, a slow answer (a chart, a round trip to Telegram) no
longer holds every other chat; but two questions from one chat must still be answered in the
order asked, so updates of the same chat take turns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def _chat_of(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class _Turn:
    """One chat's turn-taking: its lock, and how many of its updates hold or wait for it."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.waiting = 0


class ChatOrderedUpdates(BaseUpdateProcessor):
    """Up to `max_concurrent_updates` at once; one at a time per chat (or per user, for inline
    queries), first come first served."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._turns: dict[int, _Turn] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = _chat_of(update)
        if chat is None:
            await coroutine
            return
        turn = self._turns.setdefault(chat, _Turn())
        turn.waiting += 1
        try:
            async with turn.lock:
                await coroutine
        finally:
            turn.waiting -= 1
            if not turn.waiting:
                del self._turns[chat]  # nobody else from this chat: forget it

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""
