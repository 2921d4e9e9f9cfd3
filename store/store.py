"""The bot's data: three repositories sharing one database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database

from store.chats import ChatSettings
from store.engine import Engine, SqliteEngine
from store.ledger import DeliveryLedger
from store.market import MarketData


class Store:
    """The market's data (`market`), what each chat asked for (`chats`) and what was delivered
    where (`ledger`), all in one database: a SQLite file (`db` is then its sqlite-utils
    `Database`) or PostgreSQL (`db` is None)."""

    def __init__(self, engine: Engine | Database, path: str = ":memory:") -> None:
        if isinstance(engine, Database):
            self.db: Database | None = engine
            engine = SqliteEngine(engine, path)
        else:
            self.db = None
        self.engine: Engine = engine
        self.path = path  # where another connection (a worker thread's) can open the same data
        self.market = MarketData(engine)
        self.chats = ChatSettings(engine)
        self.ledger = DeliveryLedger(engine, self.chats)

    @property
    def dialect(self) -> str:
        return self.engine.dialect

    @contextmanager
    def loading(self) -> Iterator[None]:
        """One load at a time on this database, across threads and processes: a second waits
        for the first to finish (the engine's "ingest" lock)."""
        with self.engine.lock("ingest"):
            yield

    def close(self) -> None:
        self.engine.close()
