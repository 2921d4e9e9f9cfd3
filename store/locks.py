"""Waiting for the database when another writer holds it, instead of failing.

SQLite lets one connection write at a time. A connection that wants to write waits for the
lock (the busy timeout), but a transaction begun as a reader that then writes cannot wait:
if another writer committed in between, SQLite answers "database is locked" at once. So every
transaction here begins as a writer (`BEGIN IMMEDIATE`), and waits its turn.

Loads are also taken one at a time through a lock file beside the database: a second load (a
second `ingest`, a file sent in chat, the sample loaded by two first runs at once) waits for the
first to finish instead of racing it, and then sees what it wrote.
"""

from __future__ import annotations

import logging
import sqlite3
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


@contextmanager
def one_loader(path: str) -> Iterator[None]:
    """Hold the database's load lock (`PATH.lock`) for the block; wait if another load has it."""
    if path == ":memory:" or fcntl is None:
        yield
        return
    try:
        handle = open(f"{path}.lock", "a")  # noqa: SIM115 - held for the whole block
    except OSError as error:  # a read-only folder: SQLite's own lock still keeps writes whole
        logger.debug("no load lock beside %s (%s)", path, error)
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.info("another load of %s is running: waiting for it to finish", path)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
