"""The two databases the store runs on, behind one small interface.

SQLite (a file, or `:memory:`) is the embedded default: one process, no server. PostgreSQL
(`postgresql://…`) is for several processes on several machines sharing one store. Every
repository speaks portable SQL with `?` placeholders through an `Engine`; the few things the
two cannot share (bulk loading, locks between processes) are one method each here.
"""

from __future__ import annotations

import functools
import re
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlite_utils import Database

from store.locks import FileLocks, already_held, holding

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool


class Cursor(Protocol):
    """What a statement gives back: its rows, their column names and the rows it changed."""

    @property
    def rowcount(self) -> int: ...

    @property
    def description(self) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Engine(Protocol):
    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def atomic(self) -> Any:
        """A transaction: everything inside is written together or not at all."""
        ...

    def lock(self, name: str, *, wait: bool = True) -> Any:
        """Held by one process at a time across every process sharing the store; entered as
        True when held, False when `wait` is False and another process holds it."""
        ...

    def upsert_rows(
        self, table: str, columns: Sequence[str], keys: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> int:
        """Insert or update `rows` by their `keys`; returns how many were new or changed."""
        ...

    def close(self) -> None: ...


def _upsert_sql(table: str, columns: Sequence[str], keys: Sequence[str], source: str) -> str:
    """INSERT … ON CONFLICT that writes a row only when it is new or differs (SQLite ≥ 3.39 and
    PostgreSQL both read IS DISTINCT FROM)."""
    values = [c for c in columns if c not in keys]
    assignments = ", ".join(f"{c} = excluded.{c}" for c in values)
    differs = " OR ".join(f"{table}.{c} IS DISTINCT FROM excluded.{c}" for c in values)
    return f"""INSERT INTO {table} ({", ".join(columns)}) {source}
               ON CONFLICT ({", ".join(keys)}) DO UPDATE SET {assignments} WHERE {differs}"""


class SqliteEngine:
    """One SQLite connection (through sqlite-utils), shared by the threads of one process."""

    dialect = "sqlite"

    def __init__(self, db: Database, path: str = ":memory:") -> None:
        self.db = db
        self.locks = FileLocks(path)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.db.execute(sql, list(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.db.conn.executemany(sql, rows)

    def atomic(self) -> Any:
        return self.db.atomic()

    def lock(self, name: str, *, wait: bool = True) -> Any:
        return self.locks.hold(name, wait=wait)

    def upsert_rows(
        self, table: str, columns: Sequence[str], keys: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> int:
        placeholders = ", ".join("?" * len(columns))
        sql = _upsert_sql(table, columns, keys, f"VALUES ({placeholders})")
        before = self.db.conn.total_changes
        self.db.conn.executemany(sql, rows)
        return self.db.conn.total_changes - before

    def close(self) -> None:
        self.db.close()


# A `?` outside quotes becomes psycopg's `%s`, and a literal `%` is doubled.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"])*\"|\?|%")


@functools.lru_cache(maxsize=1024)
def postgres_sql(sql: str) -> str:
    """The statement with psycopg's placeholders."""

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        return token.replace("%", "%%")  # psycopg reads % inside quotes too

    return _TOKENS.sub(swap, sql)


def lock_key(name: str) -> int:
    """A lock's name as the 64-bit key PostgreSQL's advisory locks take."""
    return zlib.crc32(f"closebot:{name}".encode()) - 2**31


@dataclass
class Rows:
    """A PostgreSQL statement's rows, read before its connection goes back to the pool."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    description: Any = None
    rowcount: int = -1

    def fetchone(self) -> Any:
        return self.rows.pop(0) if self.rows else None

    def fetchall(self) -> list[Any]:
        rows, self.rows = self.rows, []
        return rows

    def fetchmany(self, size: int) -> list[Any]:
        rows, self.rows = self.rows[:size], self.rows[size:]
        return rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)


class PostgresEngine:
    """A pool of connections to one PostgreSQL database.

    Outside a transaction each statement borrows a connection for itself (autocommit); inside
    `atomic()` the thread keeps one connection until the transaction ends, so the repositories'
    code reads the same on both engines.
    """

    dialect = "postgresql"

    def __init__(self, url: str, *, max_connections: int = 8) -> None:
        from psycopg_pool import ConnectionPool

        self.url = url
        self.pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True},
            open=False,
            name="closebot",
        )
        self.pool.open(wait=True, timeout=10)
        self._local = threading.local()

    @property
    def _held(self) -> psycopg.Connection[Any] | None:
        return getattr(self._local, "connection", None)

    def _run(self, connection: psycopg.Connection[Any], sql: str, params: Sequence[Any]) -> Rows:
        cursor = connection.execute(postgres_sql(sql), list(params))
        names = [(c.name,) for c in cursor.description] if cursor.description else None
        rows = [tuple(r) for r in cursor.fetchall()] if names is not None else []
        return Rows(rows, names, cursor.rowcount)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        held = self._held
        if held is not None:
            return self._run(held, sql, params)
        with self.pool.connection() as connection:
            return self._run(connection, sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.atomic():
            assert self._held is not None
            with self._held.cursor() as cursor:
                cursor.executemany(postgres_sql(sql), rows)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        held = self._held
        if held is not None:  # nested: a savepoint inside the thread's transaction
            with held.transaction():
                yield
            return
        with self.pool.connection() as connection:
            self._local.connection = connection
            try:
                with connection.transaction():
                    yield
            finally:
                self._local.connection = None

    @contextmanager
    def lock(self, name: str, *, wait: bool = True) -> Iterator[bool]:
        # A session lock on a connection of its own, so it is held across transactions and
        # released by PostgreSQL itself if this process dies. Taken again inside itself (a load
        # that ingests), it is already held: asking on another connection would wait forever.
        if already_held(self, name):
            yield True
            return
        key = lock_key(name)
        with self.pool.connection() as connection:
            if wait:
                connection.execute("SELECT pg_advisory_lock(%s)", [key])
                held = True
            else:
                row = connection.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()
                held = bool(row and row[0])
            if not held:
                yield False
                return
            try:
                with holding(self, name):
                    yield True
            finally:
                connection.execute("SELECT pg_advisory_unlock(%s)", [key])

    def upsert_rows(
        self, table: str, columns: Sequence[str], keys: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> int:
        """COPY the rows into a temporary table, then merge them in one statement."""
        staging = f"incoming_{table}"
        names = ", ".join(columns)
        with self.atomic():
            self.execute(f"CREATE TEMPORARY TABLE {staging} (LIKE {table}) ON COMMIT DROP")
            self.copy_in(staging, columns, rows)
            merge = _upsert_sql(table, columns, keys, f"SELECT {names} FROM {staging}")
            changed = self.execute(merge).rowcount
            self.execute(f"DROP TABLE {staging}")
        return changed

    def copy_in(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Append rows with COPY, the fastest way into PostgreSQL; returns how many."""
        count = 0
        with self.atomic():
            connection = self._held
            assert connection is not None
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with connection.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count

    def close(self) -> None:
        self.pool.close()
