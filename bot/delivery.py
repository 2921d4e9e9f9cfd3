"""Sending one chat a message the bot starts itself (pushes, alerts), coping with what Telegram
answers: flood control is waited out, network failures and Telegram's own errors (5xx) retried
with backoff, and a blocked, vanished or migrated chat reported so the caller can update its
records.

This is the only retry layer of a push or an alert: the rate limiter (bot/pacing.py) passes
their flood control here instead of retrying itself. A request is sent again only when it
provably did not arrive — Telegram answered with an error, or the connection never opened;
one that broke off mid-way may have arrived and is never sent twice. The sender is told the
moment a request leaves (`Wire.leaving`) and when one came back undelivered
(`Wire.returned`), so its ledger knows what a crash in between leaves behind.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import secrets
import socket
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import httpx
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot.pacing import BROADCAST, LEAVING, TelegramPace
from store.ledger import LEASE, Claim, DeliveryLedger

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
BACKOFF = 1.0  # seconds, doubled after each failure that did not arrive

SENT = "sent"
BLOCKED = "blocked"  # the user blocked the bot, or the bot left the group
GONE = "chat not found"
MOVED = "moved"  # the group became a supergroup: see new_chat_id
REJECTED = "rejected"  # Telegram refused the message for good (400, 404 and the like)
FAILED = "failed, will retry"  # passing trouble outlasted our retries, or the sender stopped
PARTIAL = "partly sent"  # a later part of a split message failed
UNSURE = "may have arrived"  # the line broke mid-request: never sent again, so never twice
STOPPED = "stopped before sending"  # shutting down: given back for the next run

SEND_MESSAGE = "sendMessage"


@functools.cache
def _quiet_the_nudge_to_send_message() -> None:
    """python-telegram-bot asks for `send_message` whenever `do_api_request` names an endpoint
    it has a method for; the push means to skip that method's `Message` (see `_send_broadcast`).
    Silenced once, when the first push or alert is sent (pyproject.toml silences it for the
    tests, which turn every other warning into an error)."""
    warnings.filterwarnings(
        "ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning
    )


# Failures that happen before a request leaves: sending again cannot deliver it twice.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class TokenRejected(Exception):
    """Telegram refused the bot's token mid-delivery: nothing more can be sent by anyone."""


def never_sent(error: NetworkError) -> bool:
    """Whether the request surely never reached Telegram (python-telegram-bot keeps the
    HTTP library's error as the cause)."""
    return isinstance(error.__cause__, _NEVER_SENT)


def answered_with_error(error: NetworkError) -> bool:
    """Whether Telegram answered the request with an HTTP error such as 500 or 502:
    python-telegram-bot raises a bare NetworkError for those, with no transport error behind
    it (a broken or timed-out request always carries one)."""
    if isinstance(error, TimedOut):
        return False
    cause = error.__cause__
    return cause is None or (
        isinstance(cause, TelegramError) and not isinstance(cause, NetworkError)
    )


def new_owner() -> str:
    """A name for one sender's claims: this machine, this process, and a token of the run."""
    return f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(4)}"


def owner_gone(owner: str) -> bool:
    """Whether the sender that holds a claim is known to have stopped: it ran on this machine
    and its process is no more. A sender elsewhere is waited for until its lease runs out."""
    host, _, rest = owner.partition("/")
    pid_text = rest.partition("/")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    if int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process: alive
        return False
    return False


class Wire(Protocol):
    """The sender's side of one delivery, told where its request is."""

    def leaving(self) -> None:
        """The request is about to leave: from now on it may arrive."""

    def returned(self, hold: float) -> None:
        """The request did not arrive; the next try comes within `hold` seconds."""


class ClaimWire:
    """A delivery's claim in the ledger, moved along as its request leaves and comes back."""

    def __init__(self, ledger: DeliveryLedger, claim: Claim, now: Callable[[], datetime]) -> None:
        self.ledger, self.claim, self.now = ledger, claim, now
        self.on_wire = False  # a request left and no answer said it did not arrive

    def leaving(self) -> None:
        self.on_wire = True
        self.ledger.leaving(self.claim, self.now())

    def returned(self, hold: float) -> None:
        self.on_wire = False
        self.ledger.returned(self.claim, self.now(), hold=LEASE + timedelta(seconds=hold))


class _Untracked:
    def leaving(self) -> None:
        pass

    def returned(self, hold: float) -> None:
        pass


async def _send_broadcast(bot: Bot, chat_id: int, text: str, wire: Wire) -> None:
    """One message of a push or an alert: marked as a broadcast for the bot's pacing, and as a
    paid broadcast when the operator turned those on. The pacing says when it leaves (after
    its wait), so a request held in the queue is known not to have left.

    Sent as a plain `sendMessage` request whose answer is read only for success or failure:
    `Bot.send_message` would also build a `Message` out of every answer, which cost a tenth of
    the push's throughput (bench/README.md, "Push"). Errors are raised exactly as by
    `send_message`, since both go through the same request path."""
    if not isinstance(bot, Bot):  # a stand-in with only send_message: nothing to pace
        wire.leaving()
        await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
        return
    _quiet_the_nudge_to_send_message()
    message: dict[str, object] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML}
    limits: dict[str, object] = dict(BROADCAST)
    pace = bot.rate_limiter if isinstance(bot, ExtBot) else None
    if isinstance(pace, TelegramPace):
        limits[LEAVING] = wire.leaving
        if pace.paid_broadcasts:
            message["allow_paid_broadcast"] = True
    else:  # no pacing to say when the request leaves: it leaves now
        wire.leaving()
    try:
        if isinstance(bot, ExtBot):
            await bot.do_api_request(SEND_MESSAGE, message, rate_limit_args=limits)
        else:
            await bot.do_api_request(SEND_MESSAGE, message)
    except EndPointNotFound as error:
        # do_api_request reads Telegram's 401 and 404 as an unknown method, which sendMessage
        # is not: what Telegram said is the error behind it.
        if isinstance(error.__cause__, TelegramError):
            raise error.__cause__ from None
        raise


@dataclass(frozen=True)
class Delivery:
    outcome: str
    new_chat_id: int | None = None
    reason: str | None = None  # why it ended other than sent, for the ledger and the log


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def send_parts(
    bot: Bot,
    chat_id: int,
    parts: Sequence[str],
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    wire: Wire | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> Delivery:
    """Send each part in order (HTML); stop at the first that cannot be delivered."""
    for number, text in enumerate(parts):
        delivery = await _send_one(bot, chat_id, text, sleep, wire or _Untracked(), stopping)
        if delivery.outcome != SENT:
            if number and delivery.outcome != UNSURE:
                return Delivery(PARTIAL, reason=f"part {number + 1}: {delivery.reason}")
            return delivery
    return Delivery(SENT)


async def _send_one(
    bot: Bot,
    chat_id: int,
    text: str,
    sleep: Callable[[float], Awaitable[object]],
    wire: Wire,
    stopping: Callable[[], bool],
) -> Delivery:
    reason = ""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if stopping():
            return Delivery(STOPPED, reason="the sender was stopping")
        try:
            await _send_broadcast(bot, chat_id, text, wire)
        except RetryAfter as error:
            wait = _seconds(error.retry_after)
            logger.warning("flood control for chat %s: waiting %.0fs", chat_id, wait)
            wire.returned(wait)
            await sleep(wait)
            reason = f"flood control ({wait:.0f}s)"
            continue
        except ChatMigrated as error:
            logger.info("chat %s moved to %s", chat_id, error.new_chat_id)
            return Delivery(MOVED, error.new_chat_id)
        except Forbidden as error:
            logger.info("chat %s blocked the bot or removed it", chat_id)
            return Delivery(BLOCKED, reason=error.message)
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                return Delivery(GONE, reason=error.message)
            logger.error("message to chat %s rejected: %s", chat_id, error.message)
            return Delivery(REJECTED, reason=error.message)
        except InvalidToken as error:
            if "unauthorized" in error.message.lower():
                wire.returned(0)
                raise TokenRejected(error.message) from error
            # Telegram's 404: nothing to retry, the request is refused as it is.
            logger.error("message to chat %s refused: %s", chat_id, error.message)
            return Delivery(REJECTED, reason=f"Telegram answered: {error.message}")
        except NetworkError as error:  # timeouts included
            if not (never_sent(error) or answered_with_error(error)):
                logger.warning(
                    "message to chat %s may have arrived (%s): not sent again", chat_id, error
                )
                return Delivery(UNSURE, reason=str(error))
            backoff = BACKOFF * 2 ** (attempt - 1)
            reason = str(error)
            logger.warning("message to chat %s failed (%s), attempt %s", chat_id, error, attempt)
            wire.returned(backoff)
            if attempt < MAX_ATTEMPTS:
                await sleep(backoff)
            continue
        except TelegramError as error:  # anything else Telegram answered: final
            logger.error("message to chat %s refused: %s", chat_id, error.message)
            return Delivery(REJECTED, reason=f"Telegram answered: {error.message}")
        else:
            return Delivery(SENT)
    return Delivery(FAILED, reason=reason or "retries used up")
