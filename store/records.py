"""Rows read from the database, and the plain records of `store.models` made from them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from store.engine import Engine
from store.models import Alert, Close, Quote, Security, Subscriber

QUOTE_COLUMNS = """
    c.date, c.ticker, c.close, c.prev_close, c.change, c.pct_change, c.volume, c.turnover,
    c.open, c.high, c.low, s.name, s.name_zh, s.sector, s.kind, s.aliases, s.category, s.board_lot
"""


class Repository:
    """One part of the bot's data, kept in the database every part shares."""

    def __init__(self, engine: Engine) -> None:
        self.db = engine

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, list(params))
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def _value(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = self.db.execute(sql, list(params)).fetchone()
        return row[0] if row else None


def security_from(row: dict[str, Any]) -> Security:
    return Security(
        ticker=row["ticker"],
        name=row["name"],
        name_zh=row["name_zh"] or None,
        sector=row["sector"] or None,
        kind=row["kind"],
        aliases=tuple(json.loads(row["aliases"] or "[]")),
        category=row.get("category") or None,
        board_lot=row.get("board_lot") or None,
    )


def close_from(row: dict[str, Any]) -> Close:
    return Close(
        date=date.fromisoformat(row["date"]),
        ticker=row["ticker"],
        close=row["close"],
        prev_close=row["prev_close"],
        change=row["change"],
        pct_change=row["pct_change"],
        volume=row["volume"],
        turnover=row["turnover"],
        open=row.get("open"),
        high=row.get("high"),
        low=row.get("low"),
    )


def quote_from(row: dict[str, Any]) -> Quote:
    """A row of `QUOTE_COLUMNS`."""
    return Quote(security=security_from(row), close=close_from(row))


def subscriber_from(row: dict[str, Any]) -> Subscriber:
    return Subscriber(
        chat_id=row["chat_id"],
        subscribed_at=datetime.fromisoformat(row["subscribed_at"]),
        active=bool(row["active"]),
        push_time=row["push_time"],
    )


def alert_from(row: dict[str, Any]) -> Alert:
    return Alert(
        id=row["id"],
        chat_id=row["chat_id"],
        number=row["number"],
        ticker=row["ticker"],
        kind=row["kind"],
        threshold=row["threshold"],
        repeat=bool(row["repeat"]),
        active=bool(row["active"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        since_date=date.fromisoformat(row["since_date"]) if row["since_date"] else None,
        fired_on=date.fromisoformat(row["fired_on"]) if row["fired_on"] else None,
    )
