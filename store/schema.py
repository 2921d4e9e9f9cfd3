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
    db["securities"].create(
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
    db["closes"].create(
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
    db["closes"].create_index(["ticker", "date"], unique=True)
    db["summaries"].create(
        {"date": str, "headline": str, "body": str, "source": str},
        pk="date",
        not_null={"headline", "body", "source"},
    )
    db["subscribers"].create(
        {"chat_id": int, "subscribed_at": str, "active": int, "push_time": str},
        pk="chat_id",
        not_null={"subscribed_at", "active"},
    )
    db["pushes"].create(
        {"date": str, "chat_id": int, "sent_at": str, "status": str},
        pk=("date", "chat_id"),
        not_null={"sent_at", "status"},
    )


@migrations()
def m002_meta(db: Database) -> None:
    """Counters other processes watch: the bot rebuilds its matcher when securities change."""
    db["meta"].create({"key": str, "value": int}, pk="key", not_null={"value"})
    db["meta"].insert({"key": "securities_version", "value": 0})


@migrations()
def m003_watchlists_and_alerts(db: Database) -> None:
    db["watchlist"].create(
        {"chat_id": int, "ticker": str, "added_at": str},
        pk=("chat_id", "ticker"),
        not_null={"added_at"},
    )
    db["alerts"].create(
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
    db["alerts"].create_index(["chat_id", "number"], unique=True)
    # One row per alert and session judged true: an alert never fires twice for one day.
    db["alert_fires"].create(
        {"date": str, "alert_id": int, "sent_at": str, "status": str},
        pk=("date", "alert_id"),
        not_null={"sent_at", "status"},
    )
    # Chats that blocked the bot: lists and alerts are kept, deliveries stop.
    db["blocked_chats"].create({"chat_id": int, "blocked_at": str}, pk="chat_id")
    # When each session's data was last stored, for "as of" lines.
    db["session_loads"].create({"date": str, "stored_at": str}, pk="date")


@migrations()
def m004_alert_numbers(db: Database) -> None:
    """Each chat's last alert number, so a number is never given twice: an old "remove 3"
    button must not remove a newer alert."""
    db["alert_numbers"].create({"chat_id": int, "last": int}, pk="chat_id", not_null={"last"})
    db.execute(
        "INSERT INTO alert_numbers (chat_id, last) SELECT chat_id, MAX(number) FROM alerts "
        "GROUP BY chat_id"
    )


def migrate(db: Database) -> None:
    migrations.apply(db)
