"""Opening a database: the one way to get a ready `Store`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from store.queries import Store
from store.schema import migrate

DEFAULT_DB_PATH = "closebot.db"


class StoreError(Exception):
    """The database cannot be opened or used; the message says what to do."""


def open_store(path: str | Path = DEFAULT_DB_PATH) -> Store:
    """Open (creating and migrating if needed) the database at `path`; `:memory:` for tests."""
    in_memory = str(path) == ":memory:"
    try:
        if in_memory:
            db = Database(memory=True)
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Answers may be read on the bot's event-loop thread while ingest runs elsewhere.
            db = Database(sqlite3.connect(str(path), check_same_thread=False, timeout=30))
            db.enable_wal()
        migrate(db)
    except (sqlite3.Error, OSError) as error:
        raise StoreError(f"Cannot open database {path}: {error}") from error
    return Store(db)
