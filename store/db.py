"""Opening a database: the one way to get a ready `Store`.

A file path (or `:memory:`) opens SQLite, the embedded default; a `postgresql://…` URL opens
PostgreSQL, the store several processes on several machines can share.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

from store.locks import BUSY_TIMEOUT, FileLocks, WaitingDatabase
from store.schema import migrate
from store.store import Store

DEFAULT_DB_PATH = "closebot.db"


class StoreError(Exception):
    """The database cannot be opened or used; the message says what to do."""


def is_postgres_url(path: str | Path) -> bool:
    return str(path).startswith(("postgresql://", "postgres://"))


def open_store(path: str | Path = DEFAULT_DB_PATH) -> Store:
    """Open (creating and migrating if needed) the database at `path`; `:memory:` for tests."""
    if is_postgres_url(path):
        return open_postgres(str(path))
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
        with FileLocks(str(path)).hold("schema"):
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


def open_postgres(url: str) -> Store:
    """Connect a pool to PostgreSQL at `url` and bring its schema up to date."""
    try:
        import psycopg

        from store.engine import PostgresEngine
        from store.postgres_schema import migrate_postgres

        if importlib.util.find_spec("yoyo") is None:  # imported only when there is work
            raise ImportError("yoyo-migrations")
    except ImportError as error:
        raise StoreError(
            "CLOSEBOT_DB names a PostgreSQL database, but its driver is not installed: "
            "pip install 'closebot[postgres]'"
        ) from error
    try:
        migrate_postgres(url)
        engine = PostgresEngine(url)
    except (psycopg.Error, OSError) as error:
        raise StoreError(explain_postgres(url, error)) from error
    except Exception as error:  # the pool's timeout is its own error type
        if type(error).__name__ != "PoolTimeout":
            raise
        raise StoreError(explain_postgres(url, error)) from error
    return Store(engine, url)


def shown_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def explain_postgres(url: str, error: Exception) -> str:
    """What an operator should do about a PostgreSQL database that cannot be used."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (
        f"Cannot use PostgreSQL at {shown_url(url)}: {first}. Check that the server is running, "
        "that the database exists and that the user may create tables in it."
    )
