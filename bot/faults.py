"""What an operator is told when a command cannot go on: a line saying what happened and what
to do, in place of a traceback. Only faults of the machine around the bot are explained here
(the disk, the database, the network, Telegram refusing the token); anything else is a bug and
is logged with its traceback, scrubbed of the token."""

from __future__ import annotations

import errno
import sqlite3
from urllib.parse import urlsplit

from bot.config import Settings
from bot.logs import is_loaded_instance

_FULL = ("database or disk is full", "disk is full", "no space left")
_LOCKED = ("database is locked", "database table is locked", "database is busy")


def _chain(error: BaseException) -> list[BaseException]:
    """The error and every error it came from."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(error, sqlite3.Error) and any(t in str(error).lower() for t in _FULL)


def _locked(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and any(
        t in str(error).lower() for t in _LOCKED
    )


def _unreachable(error: BaseException) -> bool:
    return is_loaded_instance(error, "telegram.error", "NetworkError") or is_loaded_instance(
        error, "httpx", "TransportError"
    )


def api_host(settings: Settings) -> str:
    """Where the Bot API is, without the path the token goes into."""
    parts = urlsplit(settings.api_base_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "the Bot API"


def explain(error: BaseException, settings: Settings) -> str | None:
    """The operator's message for a fault of the machine around the bot; None for a bug."""
    chain = _chain(error)
    if any(is_loaded_instance(e, "telegram.error", "InvalidToken") for e in chain):
        return (
            "Telegram rejected the bot token (TELEGRAM_BOT_TOKEN): it was revoked, or it is "
            "not this bot's. Copy the current token from @BotFather and start again."
        )
    if any(_disk_full(e) for e in chain):
        return (
            f"The disk holding {settings.db_path} is full: what was being written was not "
            "saved, and the database is as it was before. Free some space and run the command "
            "again."
        )
    if any(_locked(e) for e in chain):
        return (
            f"The database {settings.db_path} stayed locked by another process (a large load, "
            "or a stuck command) for longer than the bot waits. Nothing was changed: wait for "
            "it to finish, or stop it, and run the command again."
        )
    if any(_unreachable(e) for e in chain):
        return (
            f"Cannot reach Telegram at {api_host(settings)}: check this machine's network "
            "connection (and TELEGRAM_API_BASE_URL if you set it), then run the command again."
        )
    return None
