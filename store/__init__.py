"""The SQLite store: schema, ingest and the queries behind every answer."""

from store.db import DEFAULT_DB_PATH, StoreError, open_store
from store.ingest import IngestError, IngestReport, ingest
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
