"""Waiting for the database when another writer holds it, instead of failing.

SQLite lets one connection write at a time. A connection that wants to write waits for the
lock (the busy timeout), but a transaction begun as a reader that then writes cannot wait:
if another writer committed in between, SQLite answers "database is locked" at once. So every
transaction here begins as a writer (`BEGIN IMMEDIATE`), and waits its turn.

Work that must run once at a time across processes takes a named lock (`FileLocks`), a file
beside the database: a second load (a second `ingest`, a file sent in chat, the sample loaded by
two first runs at once) waits for the first to finish instead of racing it, and then sees what
it wrote; a second sender's fetch or alert round finds the lock held and leaves it to the first.
PostgreSQL's advisory locks play the same part there (store/engine.py).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlite_utils import Database

try:
    import fcntl
except ImportError:  # not on this platform: loads rely on SQLite's own lock alone
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

BUSY_TIMEOUT = 30.0  # seconds a connection waits for another writer, each try
BEGIN_TRIES = 3  # tries of BEGIN IMMEDIATE before "database is locked" is given up on


def is_locked(error: sqlite3.Error) -> bool:
    text = str(error).lower()
    return "database is locked" in text or "database is busy" in text


class WaitingDatabase(Database):
    """sqlite-utils' Database whose transactions begin as writers and wait for the lock."""

    @contextmanager
    def atomic(self) -> Generator[Database, None, None]:
        if self.conn.in_transaction:  # nested: a savepoint inside the open transaction
            with super().atomic():
                yield self
            return
        begin_immediate(self.conn)
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.rollback()
                raise


def begin_immediate(conn: sqlite3.Connection) -> None:
    """Begin a write transaction, waiting for another writer (BUSY_TIMEOUT, a few times)."""
    for attempt in range(1, BEGIN_TRIES + 1):
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if not is_locked(error) or attempt == BEGIN_TRIES:
                raise
            logger.warning("database still locked by another writer; waiting (try %s)", attempt)
            time.sleep(0.1)


# The locks held by this flow of control, a thread or an asyncio task, as (holder, name). Taken
# again inside itself (a load that ingests) a lock is already held, and asking the system again
# would wait for itself; another task or thread, even on the same connection, must ask.
_HELD: ContextVar[frozenset[tuple[int, str]]] = ContextVar("held_locks", default=frozenset())


def already_held(holder: object, name: str) -> bool:
    return (id(holder), name) in _HELD.get()


@contextmanager
def holding(holder: object, name: str) -> Iterator[None]:
    """Mark `holder`'s lock `name` as held by this thread or task for the block."""
    key = (id(holder), name)
    _HELD.set(_HELD.get() | {key})
    try:
        yield
    finally:
        _HELD.set(_HELD.get() - {key})


class FileLocks:
    """Named locks beside one SQLite file (`PATH.NAME.lock`), each held by one holder at a time
    across tasks, threads and processes; the system drops a lock whose process died."""

    _WAITING = {"ingest": "another load of %s is running: waiting for it to finish"}

    def __init__(self, path: str) -> None:
        self.path = path

    @contextmanager
    def hold(self, name: str, *, wait: bool = True) -> Iterator[bool]:
        """Entered as True once held; as False at once when `wait` is False and another holds
        it. An in-memory database, a platform without flock or a read-only folder has no
        other process to keep out: the lock is held."""
        if already_held(self, name) or self.path == ":memory:" or fcntl is None:
            yield True
            return
        try:
            handle = open(f"{self.path}.{name}.lock", "a")  # noqa: SIM115 - held for the block
        except OSError as error:  # SQLite's own lock still keeps each write whole
            logger.debug("no %s lock beside %s (%s)", name, self.path, error)
            yield True
            return
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not wait:
                    yield False
                    return
                waiting = self._WAITING.get(name, f"another process holds the {name} lock of %s")
                logger.info(waiting, self.path)
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                with holding(self, name):
                    yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
