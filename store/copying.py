"""Moving a SQLite store into PostgreSQL, for a bot that outgrows one machine."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from store.db import StoreError, is_postgres_url, open_store
from store.engine import PostgresEngine

# sqlite-utils' own record of migrations; PostgreSQL keeps yoyo's.
_NOT_DATA = ("_sqlite_migrations",)
# Any row in these means the target already serves a bot: copying would mix two stores.
_MUST_BE_EMPTY = ("securities", "closes", "subscribers", "pushes", "watchlist", "alerts")


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        listed = ", ".join(f"{table} {count:,}" for table, count in self.rows.items() if count)
        return f"Copied {sum(self.rows.values()):,} rows: {listed or 'nothing to copy'}."


def copy_to_postgres(sqlite_path: str | Path, url: str) -> CopyReport:
    """Copy every table of the SQLite store at `sqlite_path` into the empty PostgreSQL store at
    `url`, in one transaction: on any error nothing is written there."""
    if not is_postgres_url(url):
        raise StoreError(f"The target must be a postgresql:// URL, not {url!r}.")
    if is_postgres_url(sqlite_path) or not Path(sqlite_path).is_file():
        raise StoreError(f"No SQLite database at {sqlite_path}: give the file to copy.")
    source = open_store(sqlite_path)  # brought to the latest schema first, like the target
    target = open_store(url)
    try:
        assert source.db is not None and isinstance(target.engine, PostgresEngine)
        tables = [t for t in source.db.table_names() if t not in _NOT_DATA]
        report = CopyReport()
        with target.engine.atomic():
            _check_empty(target.engine, url)
            # The target's own counters are replaced by the source's.
            target.engine.execute("DELETE FROM meta")
            for table in tables:
                columns = [c.name for c in source.db[table].columns]
                _check_columns(target.engine, table, columns)
                rows = source.db.conn.execute(f"SELECT {', '.join(columns)} FROM [{table}]")
                report.rows[table] = target.engine.copy_in(table, columns, rows)
            # New alerts are numbered after the copied ones.
            target.engine.execute(
                "SELECT setval(pg_get_serial_sequence('alerts', 'id'), "
                "COALESCE((SELECT MAX(id) FROM alerts), 0) + 1, false)"
            )
    except sqlite3.Error as error:
        raise StoreError(f"Cannot read {sqlite_path}: {error}. Nothing was copied.") from error
    finally:
        source.close()
        target.close()
    return report


def _check_empty(engine: PostgresEngine, url: str) -> None:
    for table in _MUST_BE_EMPTY:
        if engine.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
            raise StoreError(
                f"The PostgreSQL store already holds {table}: copy into an empty database "
                "(or a new schema), so two stores are never mixed. Nothing was copied."
            )


def _check_columns(engine: PostgresEngine, table: str, columns: list[str]) -> None:
    found = {
        r[0]
        for r in engine.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ?",
            [table],
        )
    }
    missing = [c for c in columns if c not in found]
    if missing:
        raise StoreError(
            f"PostgreSQL's {table} table has no column {missing[0]}: its schema is older than "
            "the SQLite file's. Nothing was copied."
        )
