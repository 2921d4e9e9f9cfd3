"""Sending one chat a message the bot starts itself (pushes, alerts), coping with what Telegram
answers: flood control is waited out, network failures retried with backoff, and a blocked,
vanished or migrated chat reported so the caller can update its records."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import httpx
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot

from bot.pacing import BROADCAST, TelegramPace

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
BACKOFF = 1.0  # seconds, doubled after each network failure

SENT = "sent"
BLOCKED = "blocked"  # the user blocked the bot, or the bot left the group
GONE = "chat not found"
MOVED = "moved"  # the group became a supergroup: see new_chat_id
REJECTED = "rejected"  # Telegram refused the message itself
FAILED = "failed, will retry"  # passing trouble outlasted our retries
PARTIAL = "partly sent"  # a later part of a split message failed
UNSURE = "may have arrived"  # the line broke mid-request: never sent again, so never twice

# Failures that happen before a request leaves: sending again cannot deliver it twice.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def never_sent(error: NetworkError) -> bool:
    """Whether the request surely never reached Telegram (python-telegram-bot keeps the
    HTTP library's error as the cause)."""
    return isinstance(error.__cause__, _NEVER_SENT)


def telegram_pace(*, paid_broadcasts: bool = False) -> TelegramPace:
    """The bot's pacing: per chat for every message, the broadcast budget for pushes and alerts
    (see bot/pacing.py)."""
    return TelegramPace(paid_broadcasts=paid_broadcasts)


async def _send_broadcast(bot: Bot, chat_id: int, text: str) -> None:
    """One message of a push or an alert: marked as a broadcast for the bot's pacing, and as a
    paid broadcast when the operator turned those on."""
    if isinstance(bot, ExtBot):
        pace = bot.rate_limiter
        paid = isinstance(pace, TelegramPace) and pace.paid_broadcasts
        await bot.send_message(
            chat_id,
            text,
            parse_mode=ParseMode.HTML,
            allow_paid_broadcast=paid or None,
            rate_limit_args=BROADCAST,
        )
    else:  # a plain Bot has no pacing to tell
        await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)


@dataclass(frozen=True)
class Delivery:
    outcome: str
    new_chat_id: int | None = None


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def send_parts(
    bot: Bot,
    chat_id: int,
    parts: Sequence[str],
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> Delivery:
    """Send each part in order (HTML); stop at the first that cannot be delivered."""
    for number, text in enumerate(parts):
        delivery = await _send_one(bot, chat_id, text, sleep)
        if delivery.outcome != SENT:
            return Delivery(PARTIAL) if number else delivery
    return Delivery(SENT)


async def _send_one(
    bot: Bot, chat_id: int, text: str, sleep: Callable[[float], Awaitable[object]]
) -> Delivery:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            await _send_broadcast(bot, chat_id, text)
        except RetryAfter as error:
            wait = _seconds(error.retry_after)
            logger.warning("flood control for chat %s: waiting %.0fs", chat_id, wait)
            await sleep(wait)
        except ChatMigrated as error:
            logger.info("chat %s moved to %s", chat_id, error.new_chat_id)
            return Delivery(MOVED, error.new_chat_id)
        except Forbidden:
            logger.info("chat %s blocked the bot or removed it", chat_id)
            return Delivery(BLOCKED)
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                return Delivery(GONE)
            logger.error("message to chat %s rejected: %s", chat_id, error.message)
            return Delivery(REJECTED)
        except NetworkError as error:  # timeouts included
            if not never_sent(error):
                logger.warning(
                    "message to chat %s may have arrived (%s): not sent again", chat_id, error
                )
                return Delivery(UNSURE)
            logger.warning("message to chat %s failed (%s), attempt %s", chat_id, error, attempt)
            await sleep(BACKOFF * 2 ** (attempt - 1))
        else:
            return Delivery(SENT)
    return Delivery(FAILED)
