"""The PostgreSQL schema, created and migrated with yoyo-migrations from plain SQL files.

The files in store/migrations/ are applied once each, recorded in yoyo's own tables, under a lock
yoyo holds in the database, so several workers starting at once migrate it once. SQLite keeps
sqlite-utils' `Migrations` (store/schema.py); each SQL file here brings PostgreSQL to the schema
the SQLite migrations named in its comment reach.
"""

from __future__ import annotations

from pathlib import Path

from yoyo import get_backend, read_migrations

MIGRATIONS = Path(__file__).parent / "migrations"


def yoyo_url(url: str) -> str:
    """The same database as yoyo names it, on psycopg 3."""
    scheme, rest = url.split("://", 1)
    return f"postgresql+psycopg://{rest}"


def migrate_postgres(url: str) -> None:
    backend = get_backend(yoyo_url(url))
    try:
        migrations = read_migrations(str(MIGRATIONS))
        with backend.lock():
            backend.apply_migrations(backend.to_apply(migrations))
    finally:
        backend.connection.close()
