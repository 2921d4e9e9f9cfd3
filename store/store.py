"""The bot's data: three repositories sharing one database."""

from __future__ import annotations

from sqlite_utils import Database

from store.chats import ChatSettings
from store.ledger import DeliveryLedger
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

    def close(self) -> None:
        self.db.close()
