"""The SQLite store: schema, ingest and the queries behind every answer."""

from store import _quiet_imports  # noqa: F401 - first: sqlite_utils without pandas
from store.db import DEFAULT_DB_PATH, StoreError, open_store
from store.errors import IngestError
from store.ingest import IngestReport, ingest
from store.store import Store

__all__ = [
    "DEFAULT_DB_PATH",
    "IngestError",
    "IngestReport",
    "Store",
    "StoreError",
    "ingest",
    "open_store",
]
