"""The schema, created and migrated on open with sqlite-utils' `Migrations`.

Each migration is applied once per database file and recorded in `_sqlite_migrations`, so a
database made by an older release is brought forward when a newer one opens it.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("closebot")


@migrations()
def m001_initial(db: Database) -> None:
    db.table("securities").create(
        {
            "ticker": str,
            "name": str,
            "name_zh": str,
            "sector": str,
            "kind": str,
            "aliases": str,  # JSON list
        },
        pk="ticker",
        not_null={"name", "kind"},
    )
    db.table("closes").create(
        {
            "date": str,  # ISO yyyy-mm-dd
            "ticker": str,
            "close": float,
            "prev_close": float,
            "change": float,
            "pct_change": float,
            "volume": int,
            "turnover": float,
        },
        pk=("date", "ticker"),
        not_null={"close"},
    )
    # The primary key serves "all tickers on one day"; this serves "one ticker's recent days".
    db.table("closes").create_index(["ticker", "date"], unique=True)
    db.table("summaries").create(
        {"date": str, "headline": str, "body": str, "source": str},
        pk="date",
        not_null={"headline", "body", "source"},
    )
    db.table("subscribers").create(
        {"chat_id": int, "subscribed_at": str, "active": int, "push_time": str},
        pk="chat_id",
        not_null={"subscribed_at", "active"},
    )
    db.table("pushes").create(
        {"date": str, "chat_id": int, "sent_at": str, "status": str},
        pk=("date", "chat_id"),
        not_null={"sent_at", "status"},
    )


@migrations()
def m002_meta(db: Database) -> None:
    """Counters other processes watch: the bot rebuilds its matcher when securities change."""
    db.table("meta").create({"key": str, "value": int}, pk="key", not_null={"value"})
    db.table("meta").insert({"key": "securities_version", "value": 0})


@migrations()
def m003_watchlists_and_alerts(db: Database) -> None:
    db.table("watchlist").create(
        {"chat_id": int, "ticker": str, "added_at": str},
        pk=("chat_id", "ticker"),
        not_null={"added_at"},
    )
    db.table("alerts").create(
        {
            "id": int,
            "chat_id": int,
            "number": int,  # shown to the chat, never given twice in it (see m004)
            "ticker": str,
            "kind": str,  # above, below, move
            "threshold": float,
            "repeat": int,
            "active": int,
            "created_at": str,
            "since_date": str,  # judged only on sessions after this one
            "fired_on": str,
        },
        pk="id",
        not_null={"chat_id", "number", "ticker", "kind", "threshold", "repeat", "active"},
    )
    db.table("alerts").create_index(["chat_id", "number"], unique=True)
    # One row per alert and session judged true: an alert never fires twice for one day.
    db.table("alert_fires").create(
        {"date": str, "alert_id": int, "sent_at": str, "status": str},
        pk=("date", "alert_id"),
        not_null={"sent_at", "status"},
    )
    # Chats that blocked the bot: lists and alerts are kept, deliveries stop.
    db.table("blocked_chats").create({"chat_id": int, "blocked_at": str}, pk="chat_id")
    # When each session's data was last stored, for "as of" lines.
    db.table("session_loads").create({"date": str, "stored_at": str}, pk="date")


@migrations()
def m004_alert_numbers(db: Database) -> None:
    """Each chat's last alert number, so a number is never given twice: an old "remove 3"
    button must not remove a newer alert."""
    db.table("alert_numbers").create({"chat_id": int, "last": int}, pk="chat_id", not_null={"last"})
    db.execute(
        "INSERT INTO alert_numbers (chat_id, last) SELECT chat_id, MAX(number) FROM alerts "
        "GROUP BY chat_id"
    )


@migrations()
def m005_printed_prices_and_membership(db: Database) -> None:
    """The day's open, high and low beside the close; HKEX's category and board lot of each
    security; and which stocks belong to an index on a given date."""
    closes = db.table("closes")
    for column in ("open", "high", "low"):
        closes.add_column(column, float)
    securities = db.table("securities")
    securities.add_column("category", str)  # equity, reit, etp or index
    securities.add_column("board_lot", int)
    # One row per member and membership date; an index's members on a day are those of its
    # latest list on or before that day (or its earliest list, for days before any).
    db.table("index_members").create(
        {"index_ticker": str, "ticker": str, "as_of": str},
        pk=("index_ticker", "as_of", "ticker"),
    )


@migrations()
def m006_data_version(db: Database) -> None:
    """A counter every load raises, so a process can keep the day's shared figures (movers,
    breadth, sector moves) until another load changes them."""
    db.table("meta").insert({"key": "data_version", "value": 0})


@migrations()
def m007_chat_language(db: Database) -> None:
    """The language each chat is answered in: taken from the first person who talks to the bot
    there (Telegram's language_code), until someone chooses one with /lang (`chosen` = 1)."""
    db.table("chat_languages").create(
        {"chat_id": int, "language": str, "chosen": int, "set_at": str},
        pk="chat_id",
        not_null={"language", "chosen", "set_at"},
    )


@migrations()
def m008_delivery_leases(db: Database) -> None:
    """Who holds each claim of the push and alert ledgers, and until when: the work of a sender
    that died is found again (see store/ledger.py). `reason` says why a delivery ended other
    than sent, for the operator."""
    for table in ("pushes", "alert_fires"):
        deliveries = db.table(table)
        deliveries.add_column("owner", str)
        deliveries.add_column("lease_until", str)
        deliveries.add_column("reason", str)
        # Only the claims in flight: a handful, however many chats the day has.
        db.execute(
            f"CREATE INDEX {table}_held ON {table} (date) WHERE status IN ('claimed', 'sending')"
        )


@migrations()
def m009_summary_languages(db: Database) -> None:
    """A day's summary written in another language than the one in `summaries` (a Traditional
    or Simplified Chinese text), shown to the chats answered in that language."""
    db.table("summaries_by_language").create(
        {"date": str, "language": str, "headline": str, "body": str},
        pk=("date", "language"),
        not_null={"headline", "body"},
    )


@migrations()
def m010_day_versions(db: Database) -> None:
    """Which load last wrote each session (`version`, the data version it raised) and a counter
    of index-member changes: a process keeps a day's shared figures until a load changes that
    day, its securities or the member lists, not until any load at all. The ticker index also
    carries the prices a year's range reads, so the range is read from the index alone."""
    db.table("session_loads").add_column("version", int)
    db.execute(
        "UPDATE session_loads SET version = (SELECT value FROM meta WHERE key = 'data_version')"
    )
    db.table("meta").insert({"key": "members_version", "value": 0})
    db.execute("DROP INDEX idx_closes_ticker_date")
    db.execute(
        "CREATE INDEX idx_closes_ticker_date ON closes (ticker, date, close, prev_close, high, low)"
    )


def migrate(db: Database) -> None:
    migrations.apply(db)
