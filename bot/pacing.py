"""Pacing what the bot sends where Telegram puts its limits.

Telegram limits a bot per chat (about one message a second in a private chat, twenty a minute
in a group) and, for messages it sends to many chats at once (the daily push, alerts), to about
thirty a second overall. Replies to people only need the per-chat limits: holding them to the
broadcast budget would make a few hundred people wait minutes right after the close. So every
request is paced by its chat, and only those marked as broadcasts also share the budget.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiolimiter import AsyncLimiter
from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

if TYPE_CHECKING:
    from bot.shared import SharedLimits

logger = logging.getLogger(__name__)

BROADCAST = {"broadcast": True}  # rate_limit_args of a message sent to many chats
# rate_limit_args key of a callable told when the request leaves, after its wait here: the
# sender's ledger then knows a request still waiting never reached Telegram.
LEAVING = "leaving"
BROADCAST_PER_SECOND = 30.0
# Telegram's paid broadcasts (allow_paid_broadcast): up to 1,000 a second, each message beyond
# the free 30 a second charged in Telegram Stars.
PAID_BROADCAST_PER_SECOND = 1000.0
PRIVATE_CHAT = (1, 1.0)  # one message a second
GROUP_CHAT = (20, 60.0)  # twenty a minute
KEPT_CHATS = 10_000  # per-chat limiters kept; the least recently used are dropped


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramPace(BaseRateLimiter[dict[str, Any]]):
    """Per-chat pacing for everything, the broadcast budget for broadcasts only.

    Flood control (RetryAfter) on a reply is waited out and the reply sent again, up to
    `max_retries` times; on a broadcast it is passed to the sender (bot/delivery.py), which
    keeps the only retry of a push or an alert, so nothing is retried in two places.
    """

    def __init__(
        self,
        *,
        paid_broadcasts: bool = False,
        max_retries: int = 2,
        shared: SharedLimits | None = None,
        broadcast_rate: float | None = None,
    ) -> None:
        self.paid_broadcasts = paid_broadcasts
        rate = broadcast_rate or (
            PAID_BROADCAST_PER_SECOND if paid_broadcasts else BROADCAST_PER_SECOND
        )
        # One token every 1/rate seconds: an even pace, never a burst of a whole second's worth.
        self._broadcast: AbstractAsyncContextManager[Any] = AsyncLimiter(
            max_rate=1, time_period=1 / rate
        )
        self._chats: OrderedDict[int | str, AsyncLimiter] = OrderedDict()
        self._max_retries = max_retries
        # With Redis, every process of the bot takes from the same budget and chat windows.
        self._shared = shared
        if shared is not None:
            from bot.shared import SharedSlot

            self._paused = shared.key("broadcast", "paused-until")
            self._broadcast = SharedSlot(
                shared, shared.key("broadcast"), interval=1 / rate, paused_by=self._paused
            )

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Close the connection to Redis, when the limits are shared."""
        if self._shared is not None:
            await self._shared.close()

    def _chat_limiter(self, chat_id: int | str) -> AbstractAsyncContextManager[Any]:
        if self._shared is not None:
            from bot.shared import SharedSlot

            group = isinstance(chat_id, str) or chat_id < 0
            rate, period = GROUP_CHAT if group else PRIVATE_CHAT
            key = self._shared.key("chat", chat_id)
            return SharedSlot(self._shared, key, interval=period / rate, burst=rate)
        limiter = self._chats.get(chat_id)
        if limiter is None:
            group = isinstance(chat_id, str) or chat_id < 0
            rate, period = GROUP_CHAT if group else PRIVATE_CHAT
            limiter = self._chats[chat_id] = AsyncLimiter(max_rate=rate, time_period=period)
            while len(self._chats) > KEPT_CHATS:
                self._chats.popitem(last=False)
        else:
            self._chats.move_to_end(chat_id)
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        broadcast = bool(rate_limit_args and rate_limit_args.get("broadcast"))
        attempt = 0
        while True:
            async with AsyncExitStack() as stack:
                if isinstance(chat_id, int | str):
                    await stack.enter_async_context(self._chat_limiter(chat_id))
                if broadcast:
                    await stack.enter_async_context(self._broadcast)
                leaving = (rate_limit_args or {}).get(LEAVING)
                if callable(leaving):
                    leaving()
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as error:
                    if broadcast and self._shared is not None:
                        # Every sender of the bot waits, not only the one Telegram answered.
                        await self._shared.pause(self._paused, _seconds(error.retry_after))
                    if broadcast or attempt >= self._max_retries:
                        raise
                    wait = _seconds(error.retry_after)
            attempt += 1
            logger.warning("flood control on %s to chat %s: waiting %.0fs", endpoint, chat_id, wait)
            await asyncio.sleep(wait + 0.1)
