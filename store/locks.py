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
import threading
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager

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


class FileLocks:
    """Named locks beside one SQLite file (`PATH.NAME.lock`), each held by one holder at a time
    across threads and processes; the system drops a lock whose process died.

    Taken again by the thread that holds it (a load that ingests), a lock is already held:
    asking the system again would wait for itself."""

    _WAITING = {"ingest": "another load of %s is running: waiting for it to finish"}

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    @contextmanager
    def hold(self, name: str, *, wait: bool = True) -> Iterator[bool]:
        """Entered as True once held; as False at once when `wait` is False and another holds
        it. An in-memory database, a platform without flock or a read-only folder has no
        other process to keep out: the lock is held."""
        held_here: set[str] = self._local.__dict__.setdefault("held", set())
        if name in held_here or self.path == ":memory:" or fcntl is None:
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
            held_here.add(name)
            try:
                yield True
            finally:
                held_here.discard(name)
                fcntl.flock(handle, fcntl.LOCK_UN)
