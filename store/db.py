"""Opening a database: the one way to get a ready `Store`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from store.locks import BUSY_TIMEOUT, WaitingDatabase, one_loader
from store.schema import migrate
from store.store import Store

DEFAULT_DB_PATH = "closebot.db"


class StoreError(Exception):
    """The database cannot be opened or used; the message says what to do."""


def open_store(path: str | Path = DEFAULT_DB_PATH) -> Store:
    """Open (creating and migrating if needed) the database at `path`; `:memory:` for tests."""
    in_memory = str(path) == ":memory:"
    try:
        if in_memory:
            db = WaitingDatabase(sqlite3.connect(":memory:", check_same_thread=False))
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Answers may be read on the bot's event-loop thread while ingest runs elsewhere;
            # a writer waits for another (store/locks.py) rather than failing.
            connection = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT)
            db = WaitingDatabase(connection)
            db.enable_wal()
            # In WAL mode a commit survives a crash or restart of the bot without waiting for
            # the disk each time; only a power cut could lose the last moments.
            db.execute("PRAGMA synchronous = NORMAL")
        # Two first runs at once: one creates the schema, the other waits and finds it made.
        with one_loader(str(path)):
            migrate(db)
    except (sqlite3.Error, OSError) as error:
        raise StoreError(explain(path, error)) from error
    return Store(db, str(path))


def explain(path: str | Path, error: Exception) -> str:
    """What an operator should do about a database that cannot be opened."""
    text = str(error).lower()
    if "not a database" in text or "malformed" in text:
        return (
            f"Cannot open database {path}: it is not a SQLite database or it is damaged. "
            "Restore it from a backup, or set CLOSEBOT_DB to a new file and load the data again."
        )
    if "locked" in text or "busy" in text:
        return (
            f"Cannot open database {path}: another process has held it locked for longer than "
            "the bot waits (a large load, or a stuck command). Wait for it to finish, or stop "
            "it, and start again."
        )
    if "disk is full" in text or "no space" in text:
        return f"Cannot open database {path}: the disk is full. Free some space and start again."
    if "readonly" in text or "read-only" in text:
        return (
            f"Cannot open database {path}: it is read-only. The bot needs to write to it "
            "(subscriptions, the push ledger): check the file's and its folder's permissions."
        )
    return f"Cannot open database {path}: {error}. Check that the folder exists and is writable."
