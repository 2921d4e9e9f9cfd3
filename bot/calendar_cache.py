"""The exchange's sessions kept on disk for a day, so a process reads them instead of building
exchange_calendars' calendar: every push, sender and web worker would otherwise import pandas
and exchange_calendars and compute fourteen years of sessions, some 0.6 s, to learn whether
today trades and when its bell rang.

The file is named for the day it was made (in Hong Kong) and the version of exchange_calendars
that made it: a new day or a new release makes it again, as a calendar built anew would be.
A cache that cannot be read or written is no error: the sessions are then built as before.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from handlers.core.sessions import HONG_KONG, Sessions

logger = logging.getLogger(__name__)

PREFIX = "xhkg-sessions-v1-"  # v1: the layout of Sessions.to_json, from CALENDAR_START


def default_folder() -> Path | None:
    """CLOSEBOT_CACHE when set, else where a user's caches go ($XDG_CACHE_HOME, else ~/.cache),
    in a folder of the bot's."""
    if chosen := os.environ.get("CLOSEBOT_CACHE"):
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        return (Path(base) if base else Path.home() / ".cache") / "closebot"
    except RuntimeError:  # no home directory to be found
        return None


def cached_sessions(
    folder: Path | None, now: Callable[[], datetime] = lambda: datetime.now(HONG_KONG)
) -> Callable[[], Sessions]:
    """What `TradingCalendar` calls for its sessions: today's file in `folder` when there is
    one, else the sessions from exchange_calendars, then written there for the next process."""

    def load() -> Sessions:
        if folder is None:
            return Sessions.from_exchange_calendars()
        release = f"{PREFIX}{_calendar_version()}"
        path = folder / f"{release}-{now().date().isoformat()}.json"
        try:
            return Sessions.from_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            pass
        # json.loads decodes every nesting as deep as it is: a damaged file may be too deep
        except (OSError, ValueError, RecursionError) as error:
            logger.info(
                "the exchange sessions kept in %s are unreadable (%s): made again", path, error
            )
        sessions = Sessions.from_exchange_calendars()
        _write(path, sessions, release)
        return sessions

    return load


def _calendar_version() -> str:
    try:
        return version("exchange_calendars")
    except PackageNotFoundError:
        return "unknown"


def _write(path: Path, sessions: Sessions, release: str) -> None:
    """Written whole under a name of its own, then renamed: a process or thread reading it at
    the same moment sees the old file or the new one. Earlier days' files of the same release
    are removed (another release beside it keeps its own)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(sessions.to_json())
            os.replace(partial, path)
        finally:
            Path(partial).unlink(missing_ok=True)
        for old in path.parent.glob(f"{release}-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as error:
        logger.info("the exchange sessions could not be kept in %s (%s)", path.parent, error)
