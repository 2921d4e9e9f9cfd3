"""The bot's data: three repositories sharing one database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database

from store.chats import ChatSettings
from store.ledger import DeliveryLedger
from store.locks import one_loader
from store.market import MarketData


class Store:
    """The market's data (`market`), what each chat asked for (`chats`) and what was delivered
    where (`ledger`), all in one SQLite database."""

    def __init__(self, db: Database, path: str = ":memory:") -> None:
        self.db = db
        self.path = path  # where another connection (a worker thread's) can open the same data
        self.market = MarketData(db)
        self.chats = ChatSettings(db)
        self.ledger = DeliveryLedger(db, self.chats)

    @contextmanager
    def loading(self) -> Iterator[None]:
        """One load at a time on this database, across threads and processes: a second waits
        for the first to finish (see store/locks.py)."""
        with one_loader(self.path):
            yield

    def close(self) -> None:
        self.db.close()
