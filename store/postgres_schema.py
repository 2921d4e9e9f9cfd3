"""The PostgreSQL schema, created and migrated with yoyo-migrations from plain SQL files.

The files in store/migrations/ are applied once each, recorded in yoyo's own tables, under a lock
yoyo holds in the database, so several workers starting at once migrate it once. SQLite keeps
sqlite-utils' `Migrations` (store/schema.py); each SQL file here brings PostgreSQL to the schema
the SQLite migrations named in its comment reach.
"""

from __future__ import annotations

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"


def yoyo_url(url: str) -> str:
    """The same database as yoyo names it, on psycopg 3."""
    scheme, rest = url.split("://", 1)
    return f"postgresql+psycopg://{rest}"


def migrate_postgres(url: str) -> None:
    if _up_to_date(url):
        return
    from yoyo import get_backend, read_migrations

    backend = get_backend(yoyo_url(url))
    try:
        migrations = read_migrations(str(MIGRATIONS))
        with backend.lock():
            backend.apply_migrations(backend.to_apply(migrations))
    finally:
        backend.connection.close()


def _up_to_date(url: str) -> bool:
    """Whether yoyo has recorded every migration file as applied. Every web worker, sender and
    command opens the store, nearly always on a schema already current: one query answers
    that, where yoyo would first import itself, take its lock and read every file."""
    import psycopg

    wanted = {path.stem for path in MIGRATIONS.glob("*.sql")}
    with psycopg.connect(url, autocommit=True) as connection:
        recorded = connection.execute(
            # yoyo keeps its tables in the first schema of the search path, as here
            "SELECT to_regclass(format('%I._yoyo_migration', current_schema())) IS NOT NULL"
        ).fetchone()
        if not recorded or not recorded[0]:
            return False
        rows = connection.execute("SELECT migration_id FROM _yoyo_migration").fetchall()
    return wanted <= {migration_id for (migration_id,) in rows}
