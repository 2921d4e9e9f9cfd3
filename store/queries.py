"""Every question the bot asks of its data, answered with plain records.

This is the only module besides ingest and the schema that speaks SQL.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Hashable, Iterable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlite_utils import Database

from store.models import (
    Alert,
    Breadth,
    Close,
    Membership,
    Movers,
    Quote,
    Security,
    Subscriber,
    Summary,
    WatchedQuote,
    YearRange,
)

T = TypeVar("T")

_QUOTE_COLUMNS = """
    c.date, c.ticker, c.close, c.prev_close, c.change, c.pct_change, c.volume, c.turnover,
    c.open, c.high, c.low, s.name, s.name_zh, s.sector, s.kind, s.aliases, s.category, s.board_lot
"""


def share_basis(closes: list[Close]) -> list[float]:
    """For each close of one security (in date order), the factor that puts its price on the
    share basis of the last one.

    HKEX prints the previous close of the first session after a consolidation or split on the
    new basis (ten times the last price, after a 10-into-1 consolidation); where a stored
    previous close differs from the close stored before it, the shares changed, and earlier
    prices are scaled by that ratio. Cash dividends leave the previous close as it printed.
    """
    factors = [1.0] * len(closes)
    factor = 1.0
    for position in range(len(closes) - 1, 0, -1):
        close, before = closes[position], closes[position - 1]
        if close.prev_close is not None and before.close > 0:
            ratio = close.prev_close / before.close
            if not 0.999 <= ratio <= 1.001:
                factor *= ratio
        factors[position - 1] = factor
    return factors


def _members_clause(universe: Membership | None) -> tuple[str, list[Any]]:
    """SQL (on closes `c`) keeping only the members of `universe`, and its parameters."""
    if universe is None:
        return "", []
    return (
        """AND c.ticker IN (SELECT ticker FROM index_members
                            WHERE index_ticker = ? AND as_of = ?)""",
        [universe.index, universe.as_of.isoformat()],
    )


def _security(row: dict[str, Any]) -> Security:
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


def _close(row: dict[str, Any]) -> Close:
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


def _quote(row: dict[str, Any]) -> Quote:
    return Quote(security=_security(row), close=_close(row))


class _ChatLists:
    """Watchlists, alerts and blocked chats; mixed into `Store` below."""

    db: Database
    _rows: Any
    _value: Any

    # --- watchlists -------------------------------------------------------------------------

    def watchlist(self, chat_id: int) -> list[Security]:
        sql = """SELECT s.* FROM watchlist w JOIN securities s USING (ticker)
                 WHERE w.chat_id = ? ORDER BY w.added_at, s.ticker"""
        return [_security(r) for r in self._rows(sql, [chat_id])]

    def watched_quotes(self, chat_id: int, day: date) -> list[WatchedQuote]:
        """The chat's names with their close on `day` (None when they have none that day)."""
        quotes = {q.security.ticker: q.close for q in self._quotes_of(chat_id, day)}
        return [WatchedQuote(s, quotes.get(s.ticker)) for s in self.watchlist(chat_id)]

    def _quotes_of(self, chat_id: int, day: date) -> list[Quote]:
        sql = f"""SELECT {_QUOTE_COLUMNS} FROM watchlist w
                  JOIN closes c ON c.ticker = w.ticker AND c.date = ?
                  JOIN securities s ON s.ticker = w.ticker
                  WHERE w.chat_id = ?"""
        return [_quote(r) for r in self._rows(sql, [day.isoformat(), chat_id])]

    def watching_chats(self) -> set[int]:
        """The chats that keep a watchlist at all."""
        return {row[0] for row in self.db.execute("SELECT DISTINCT chat_id FROM watchlist")}

    def watch(self, chat_id: int, ticker: str, at: datetime) -> bool:
        """Add a name; False if it was already there."""
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO watchlist (chat_id, ticker, added_at) VALUES (?, ?, ?)",
                [chat_id, ticker, at.isoformat()],
            )
        return cursor.rowcount == 1

    def unwatch(self, chat_id: int, ticker: str) -> bool:
        with self.db.atomic():
            cursor = self.db.execute(
                "DELETE FROM watchlist WHERE chat_id = ? AND ticker = ?", [chat_id, ticker]
            )
        return cursor.rowcount == 1

    def clear_watchlist(self, chat_id: int) -> int:
        with self.db.atomic():
            cursor = self.db.execute("DELETE FROM watchlist WHERE chat_id = ?", [chat_id])
        return cursor.rowcount

    # --- alerts -----------------------------------------------------------------------------

    def alerts(self, chat_id: int) -> list[Alert]:
        sql = "SELECT * FROM alerts WHERE chat_id = ? ORDER BY number"
        return [_alert(r) for r in self._rows(sql, [chat_id])]

    def add_alert(
        self,
        chat_id: int,
        ticker: str,
        kind: str,
        threshold: float,
        *,
        repeat: bool,
        at: datetime,
        since_date: date | None,
    ) -> Alert:
        with self.db.atomic():
            # Never below the chat's highest number: a migrated group brings its own along.
            highest = "(SELECT COALESCE(MAX(number), 0) FROM alerts WHERE chat_id = ?)"
            self.db.execute(
                f"INSERT INTO alert_numbers (chat_id, last) VALUES (?, {highest} + 1) "
                f"ON CONFLICT (chat_id) DO UPDATE SET last = MAX(last, {highest}) + 1",
                [chat_id, chat_id, chat_id],
            )
            number = self._value("SELECT last FROM alert_numbers WHERE chat_id = ?", [chat_id])
            cursor = self.db.execute(
                """INSERT INTO alerts (chat_id, number, ticker, kind, threshold, repeat, active,
                                       created_at, since_date)
                   VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)""",
                [
                    chat_id,
                    number,
                    ticker,
                    kind,
                    threshold,
                    int(repeat),
                    at.isoformat(),
                    since_date.isoformat() if since_date else None,
                ],
            )
        return _alert(self._rows("SELECT * FROM alerts WHERE id = ?", [cursor.lastrowid])[0])

    def remove_alert(self, chat_id: int, number: int) -> bool:
        with self.db.atomic():
            cursor = self.db.execute(
                "DELETE FROM alerts WHERE chat_id = ? AND number = ?", [chat_id, number]
            )
        return cursor.rowcount == 1

    def alerts_to_judge(self, day: date) -> list[Alert]:
        """Active alerts made before `day`'s closes and not yet judged true for it."""
        sql = """SELECT a.* FROM alerts a
                 WHERE a.active = 1 AND (a.since_date IS NULL OR a.since_date < ?)
                   AND NOT EXISTS (SELECT 1 FROM alert_fires f
                                   WHERE f.alert_id = a.id AND f.date = ?)
                 ORDER BY a.id"""
        return [_alert(r) for r in self._rows(sql, [day.isoformat(), day.isoformat()])]

    def claim_alert(self, day: date, alert: Alert, at: datetime) -> bool:
        """Record that `alert` fired on `day`, due to be told; False if it already was.

        Recorded once, when the session's closes arrive, so it is told once: a one-shot alert
        becomes inactive in the same transaction.
        """
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO alert_fires (date, alert_id, sent_at, status) "
                "VALUES (?, ?, ?, 'due')",
                [day.isoformat(), alert.id, at.isoformat()],
            )
            if cursor.rowcount != 1:
                return False
            self.db.execute(
                "UPDATE alerts SET fired_on = ?, active = CASE WHEN repeat = 1 THEN 1 ELSE 0 END "
                "WHERE id = ?",
                [day.isoformat(), alert.id],
            )
        return True

    def due_alerts(self, *, chat_id: int | None = None) -> list[tuple[date, Alert]]:
        """Fired alerts not told yet (of one chat when given), oldest first."""
        sql = """SELECT f.date AS fired_date, a.* FROM alert_fires f
                 JOIN alerts a ON a.id = f.alert_id
                 WHERE f.status = 'due' AND (? IS NULL OR a.chat_id = ?)
                 ORDER BY f.date, a.id"""
        rows = self._rows(sql, [chat_id, chat_id])
        return [(date.fromisoformat(r.pop("fired_date")), _alert(r)) for r in rows]

    def start_alert(self, day: date, alert_id: int, at: datetime) -> bool:
        """Take a due alert to tell it; False if another sender took it first."""
        with self.db.atomic():
            cursor = self.db.execute(
                "UPDATE alert_fires SET status = 'sending', sent_at = ? "
                "WHERE date = ? AND alert_id = ? AND status = 'due'",
                [at.isoformat(), day.isoformat(), alert_id],
            )
        return cursor.rowcount == 1

    def release_alert(self, day: date, alert_id: int) -> None:
        """Give back an alert whose message could not be sent for a passing reason: it is due
        again, and the next look tells it."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE alert_fires SET status = 'due' WHERE date = ? AND alert_id = ?",
                [day.isoformat(), alert_id],
            )

    def finish_alert(self, day: date, alert_id: int, status: str, at: datetime) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE alert_fires SET status = ?, sent_at = ? WHERE date = ? AND alert_id = ?",
                [status, at.isoformat(), day.isoformat(), alert_id],
            )

    # --- chats that blocked the bot ---------------------------------------------------------

    def block_chat(self, chat_id: int, at: datetime) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT OR REPLACE INTO blocked_chats (chat_id, blocked_at) VALUES (?, ?)",
                [chat_id, at.isoformat()],
            )

    def unblock_chat(self, chat_id: int) -> None:
        if self.is_blocked(chat_id):
            with self.db.atomic():
                self.db.execute("DELETE FROM blocked_chats WHERE chat_id = ?", [chat_id])

    def is_blocked(self, chat_id: int) -> bool:
        sql = "SELECT 1 FROM blocked_chats WHERE chat_id = ?"
        return self._value(sql, [chat_id]) is not None

    # --- freshness --------------------------------------------------------------------------

    def stored_at(self, day: date) -> datetime | None:
        """When the day's closes were last written."""
        value = self._value("SELECT stored_at FROM session_loads WHERE date = ?", [day.isoformat()])
        return datetime.fromisoformat(value) if value else None


class _SharedFigures:
    """Results of market reads, kept until a load (in any process) raises the data version."""

    LIMIT = 4096  # entries; a busy evening asks the same few hundred questions

    def __init__(self) -> None:
        self.version: int | None = None
        self.values: dict[Hashable, Any] = {}


def _kept_until_the_next_load(method: Callable[..., T]) -> Callable[..., T]:
    """Every user shares the day's movers, breadth and sector moves: read them once per load."""

    @functools.wraps(method)
    def read(self: Store, *args: Any, **kwargs: Any) -> T:
        shared = self._shared
        version = self.data_version()
        if version != shared.version or len(shared.values) > shared.LIMIT:
            shared.version, shared.values = version, {}
        key = (method.__name__, args, tuple(sorted(kwargs.items())))
        if key not in shared.values:
            shared.values[key] = method(self, *args, **kwargs)
        return shared.values[key]

    return read


class Store(_ChatLists):
    """The bot's data: securities, daily closes, summaries, subscribers and the push ledger."""

    def __init__(self, db: Database, path: str = ":memory:") -> None:
        self.db = db
        self.path = path  # where another connection (a worker thread's) can open the same data
        self._shared = _SharedFigures()

    def data_version(self) -> int:
        """Goes up with every load, in any process."""
        return self._value("SELECT value FROM meta WHERE key = 'data_version'") or 0

    def close(self) -> None:
        self.db.close()

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, list(params))
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def _value(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = self.db.execute(sql, list(params)).fetchone()
        return row[0] if row else None

    # --- securities -------------------------------------------------------------------------

    def securities(self) -> list[Security]:
        return [_security(r) for r in self._rows("SELECT * FROM securities ORDER BY ticker")]

    def security(self, ticker: str) -> Security | None:
        rows = self._rows("SELECT * FROM securities WHERE ticker = ?", [ticker])
        return _security(rows[0]) if rows else None

    def securities_version(self) -> int:
        """Goes up with every ingest that touches securities, in any process."""
        return self._value("SELECT value FROM meta WHERE key = 'securities_version'") or 0

    def sectors(self) -> list[str]:
        sql = "SELECT DISTINCT sector FROM securities WHERE sector IS NOT NULL AND sector != ''"
        return sorted(r["sector"] for r in self._rows(sql))

    # --- sessions ---------------------------------------------------------------------------

    def has_closes(self) -> bool:
        return self._value("SELECT 1 FROM closes LIMIT 1") is not None

    def first_date(self) -> date | None:
        """The first session stored: nothing is known before it."""
        value = self._value("SELECT MIN(date) FROM closes")
        return date.fromisoformat(value) if value else None

    def latest_date(self) -> date | None:
        value = self._value("SELECT MAX(date) FROM closes")
        return date.fromisoformat(value) if value else None

    def session_before(self, day: date) -> date | None:
        value = self._value("SELECT MAX(date) FROM closes WHERE date < ?", [day.isoformat()])
        return date.fromisoformat(value) if value else None

    def session_after(self, day: date) -> date | None:
        value = self._value("SELECT MIN(date) FROM closes WHERE date > ?", [day.isoformat()])
        return date.fromisoformat(value) if value else None

    def is_session(self, day: date) -> bool:
        sql = "SELECT 1 FROM closes WHERE date = ? LIMIT 1"
        return self._value(sql, [day.isoformat()]) is not None

    def nearest_session(self, day: date) -> date | None:
        """The stored session closest to `day` (the earlier one on a tie)."""
        candidates = [d for d in (self.session_before(day), self.session_after(day)) if d]
        return min(candidates, key=lambda d: (abs((d - day).days), d)) if candidates else None

    # --- closes -----------------------------------------------------------------------------

    def quote(self, ticker: str, day: date) -> Quote | None:
        sql = f"""SELECT {_QUOTE_COLUMNS} FROM closes c JOIN securities s USING (ticker)
                  WHERE c.ticker = ? AND c.date = ?"""
        rows = self._rows(sql, [ticker, day.isoformat()])
        return _quote(rows[0]) if rows else None

    def quotes_on(self, day: date, *, kind: str | None = "stock") -> list[Quote]:
        """Every quote of the day, best % change first."""
        sql = f"""SELECT {_QUOTE_COLUMNS} FROM closes c JOIN securities s USING (ticker)
                  WHERE c.date = ? AND (? IS NULL OR s.kind = ?)
                  ORDER BY c.pct_change IS NULL, c.pct_change DESC, c.ticker"""
        return [_quote(r) for r in self._rows(sql, [day.isoformat(), kind, kind])]

    def sector_quotes(self, sector: str, day: date, limit: int = -1) -> list[Quote]:
        """The sector's stocks on `day`, best % change first (the first `limit` of them)."""
        sql = f"""SELECT {_QUOTE_COLUMNS} FROM closes c JOIN securities s USING (ticker)
                  WHERE c.date = ? AND s.sector = ? AND s.kind = 'stock'
                  ORDER BY c.pct_change IS NULL, c.pct_change DESC, c.ticker LIMIT ?"""
        return [_quote(r) for r in self._rows(sql, [day.isoformat(), sector, limit])]

    def sector_members(self, sector: str) -> list[Security]:
        sql = "SELECT * FROM securities WHERE sector = ? AND kind = 'stock' ORDER BY ticker"
        return [_security(r) for r in self._rows(sql, [sector])]

    @_kept_until_the_next_load
    def movers(
        self,
        day: date,
        count: int,
        min_turnover: float = 0.0,
        universe: Membership | None = None,
    ) -> Movers:
        """The day's `count` best and worst stocks by % change (a stock is never both).

        Only members of `universe` are ranked when one is given. Stocks whose day turnover
        (stored, else close × volume) is under `min_turnover` are not ranked, only counted in
        `left_out`; a stock whose turnover is unknown is ranked. Ranked in SQL, so a full board
        costs two short index-ordered reads, not thousands of objects.
        """
        members, member_params = _members_clause(universe)
        where = f"""FROM closes c JOIN securities s USING (ticker)
                    WHERE c.date = ? AND s.kind = 'stock' AND c.pct_change IS NOT NULL {members}"""
        liquid = "AND NOT IFNULL(COALESCE(c.turnover, c.close * c.volume) < ?, 0)"
        params = [day.isoformat(), *member_params]

        def side(sign: str, order: str) -> list[Quote]:
            sql = f"""SELECT {_QUOTE_COLUMNS} {where} {liquid} AND c.pct_change {sign} 0
                      ORDER BY c.pct_change {order}, c.ticker LIMIT ?"""
            return [_quote(r) for r in self._rows(sql, [*params, min_turnover, count])]

        row = self.db.execute(
            f"""SELECT COUNT(*),
                       COALESCE(SUM(COALESCE(c.turnover, c.close * c.volume) < ?), 0) {where}""",
            [min_turnover, *params],
        ).fetchone()
        return Movers(
            day,
            side(">", "DESC"),
            side("<", "ASC"),
            left_out=int(row[1]),
            universe=universe,
            counted=int(row[0]),
        )

    @_kept_until_the_next_load
    def breadth(
        self, day: date, *, universe: Membership | None = None, sector: str | None = None
    ) -> Breadth:
        """Advancers, decliners and unchanged among the day's stocks (members of `universe`,
        or of `sector`, when given), judged on the % change to the hundredth."""
        members, member_params = _members_clause(universe)
        row = self.db.execute(
            f"""SELECT COALESCE(SUM(ROUND(c.pct_change, 2) > 0), 0),
                       COALESCE(SUM(ROUND(c.pct_change, 2) < 0), 0),
                       COALESCE(SUM(ROUND(c.pct_change, 2) = 0), 0)
                FROM closes c JOIN securities s USING (ticker)
                WHERE c.date = ? AND s.kind = 'stock' AND (? IS NULL OR s.sector = ?) {members}""",
            [day.isoformat(), sector, sector, *member_params],
        ).fetchone()
        return Breadth(int(row[0]), int(row[1]), int(row[2]), universe=universe)

    # --- index membership -------------------------------------------------------------------

    @_kept_until_the_next_load
    def membership(self, index: str, day: date) -> Membership | None:
        """The index's members on `day`: its latest list on or before the day, or, for a day
        before any list, its earliest; None when no list of it is stored."""
        as_of = self._value(
            """SELECT COALESCE(
                   (SELECT MAX(as_of) FROM index_members WHERE index_ticker = ? AND as_of <= ?),
                   (SELECT MIN(as_of) FROM index_members WHERE index_ticker = ?))""",
            [index, day.isoformat(), index],
        )
        if as_of is None:
            return None
        rows = self.db.execute(
            "SELECT ticker FROM index_members WHERE index_ticker = ? AND as_of = ?",
            [index, as_of],
        ).fetchall()
        return Membership(index, date.fromisoformat(as_of), frozenset(r[0] for r in rows))

    def indexes_with_members(self) -> list[str]:
        rows = self.db.execute("SELECT DISTINCT index_ticker FROM index_members ORDER BY 1")
        return [r[0] for r in rows]

    def year_range(self, ticker: str, day: date) -> YearRange | None:
        """The highest high and lowest low of the 52 weeks to `day` (closes where the day's
        range is not stored), on today's share basis across a consolidation or split."""
        start = day - timedelta(weeks=52)
        since = start + timedelta(days=1)
        if self.capital_changes(ticker, since, day):
            rows = self.history(ticker, since, day)
            factors = share_basis(rows)
            high = max((c.high or c.close) * f for c, f in zip(rows, factors, strict=True))
            low = min((c.low or c.close) * f for c, f in zip(rows, factors, strict=True))
            first = rows[0].date.isoformat()
        else:
            high, low, first = self.db.execute(
                """SELECT MAX(COALESCE(high, close)), MIN(COALESCE(low, close)), MIN(date)
                   FROM closes WHERE ticker = ? AND date BETWEEN ? AND ?""",
                [ticker, since.isoformat(), day.isoformat()],
            ).fetchone()
            if high is None:
                return None
        first_day = date.fromisoformat(first)
        # A year is stored when the first close counted falls in the window's first week
        # (holidays aside); a later first close means a listing or a history that starts late.
        return YearRange(high, low, first_day, full_year=first_day <= start + timedelta(days=7))

    def capital_changes(self, ticker: str, since: date, until: date) -> list[tuple[date, float]]:
        """The days from `since` to `until` whose stored previous close is not the close stored
        before it — a consolidation, split or bonus issue — with the ratio between the two (see
        `share_basis`). Usually none, found without leaving SQLite."""
        rows = self.db.execute(
            """SELECT date, ratio FROM (
                   SELECT date, prev_close / LAG(close) OVER (ORDER BY date) AS ratio
                   FROM closes WHERE ticker = ? AND date BETWEEN ? AND ?)
               WHERE ratio NOT BETWEEN 0.999 AND 1.001""",
            [ticker, since.isoformat(), until.isoformat()],
        ).fetchall()
        return [(date.fromisoformat(day), ratio) for day, ratio in rows]

    def sector_average(self, sector: str, day: date) -> tuple[float | None, int]:
        """(mean % change, stocks counted) of a sector's stocks on `day`."""
        row = self.db.execute(
            """SELECT AVG(c.pct_change), COUNT(c.pct_change)
               FROM closes c JOIN securities s USING (ticker)
               WHERE c.date = ? AND s.sector = ? AND s.kind = 'stock'""",
            [day.isoformat(), sector],
        ).fetchone()
        return row[0], row[1]

    @_kept_until_the_next_load
    def sector_size(self, sector: str, day: date) -> int:
        """How many of the sector's stocks have a close on `day`."""
        sql = """SELECT COUNT(*) FROM closes c JOIN securities s USING (ticker)
                 WHERE c.date = ? AND s.sector = ? AND s.kind = 'stock'"""
        return self._value(sql, [day.isoformat(), sector]) or 0

    @_kept_until_the_next_load
    def sector_averages(self, day: date) -> dict[str, tuple[float | None, int]]:
        """Every sector's (mean % change, stocks counted) on `day`."""
        rows = self.db.execute(
            """SELECT s.sector, AVG(c.pct_change), COUNT(c.pct_change)
               FROM closes c JOIN securities s USING (ticker)
               WHERE c.date = ? AND s.kind = 'stock' AND s.sector IS NOT NULL AND s.sector != ''
               GROUP BY s.sector""",
            [day.isoformat()],
        ).fetchall()
        return {sector: (average, count) for sector, average, count in rows}

    @_kept_until_the_next_load
    def sector_index(self, sector: str, day: date) -> Quote | None:
        """The sector's own index on `day`, when the store has one."""
        sql = f"""SELECT {_QUOTE_COLUMNS} FROM securities s
                  JOIN closes c ON c.ticker = s.ticker AND c.date = ?
                  WHERE s.kind = 'index' AND s.sector = ? LIMIT 1"""
        rows = self._rows(sql, [day.isoformat(), sector])
        return _quote(rows[0]) if rows else None

    def close_on_or_before(self, ticker: str, day: date) -> Close | None:
        """The ticker's last close up to `day`: the base of a period change."""
        sql = "SELECT * FROM closes WHERE ticker = ? AND date <= ? ORDER BY date DESC LIMIT 1"
        rows = self._rows(sql, [ticker, day.isoformat()])
        return _close(rows[0]) if rows else None

    def first_close(self, ticker: str) -> Close | None:
        rows = self._rows("SELECT * FROM closes WHERE ticker = ? ORDER BY date LIMIT 1", [ticker])
        return _close(rows[0]) if rows else None

    def sector_closes(self, sector: str, since: date, until: date) -> list[Close]:
        """Every close of the sector's stocks from `since` to `until`, by date."""
        sql = """SELECT c.* FROM closes c JOIN securities s USING (ticker)
                 WHERE s.sector = ? AND s.kind = 'stock' AND c.date BETWEEN ? AND ?
                 ORDER BY c.date, c.ticker"""
        params = [sector, since.isoformat(), until.isoformat()]
        return [_close(r) for r in self._rows(sql, params)]

    def history(self, ticker: str, since: date, until: date) -> list[Close]:
        sql = """SELECT * FROM closes WHERE ticker = ? AND date BETWEEN ? AND ?
                 ORDER BY date"""
        return [_close(r) for r in self._rows(sql, [ticker, since.isoformat(), until.isoformat()])]

    # --- summaries --------------------------------------------------------------------------

    def summary(self, day: date) -> Summary | None:
        rows = self._rows("SELECT * FROM summaries WHERE date = ?", [day.isoformat()])
        if not rows:
            return None
        row = rows[0]
        return Summary(date=day, headline=row["headline"], body=row["body"], source=row["source"])

    def save_generated_summary(self, day: date, headline: str, body: str) -> bool:
        """Store a summary written from the data, unless a written one exists; True if stored."""
        with self.db.atomic():
            cursor = self.db.execute(
                """INSERT INTO summaries (date, headline, body, source)
                   VALUES (?, ?, ?, 'generated')
                   ON CONFLICT (date) DO UPDATE SET headline = excluded.headline,
                       body = excluded.body
                   WHERE summaries.source = 'generated'""",
                [day.isoformat(), headline, body],
            )
        return cursor.rowcount == 1

    # --- subscribers ------------------------------------------------------------------------

    def subscriber(self, chat_id: int) -> Subscriber | None:
        rows = self._rows("SELECT * FROM subscribers WHERE chat_id = ?", [chat_id])
        return _subscriber(rows[0]) if rows else None

    def active_subscribers(self) -> list[Subscriber]:
        sql = "SELECT * FROM subscribers WHERE active = 1 ORDER BY chat_id"
        return [_subscriber(r) for r in self._rows(sql)]

    def subscribe(self, chat_id: int, at: datetime, push_time: str | None = None) -> bool:
        """Start (or restart, or re-time) a chat's daily push; True if it was not subscribed."""
        existing = self.subscriber(chat_id)
        with self.db.atomic():
            self.db.table("subscribers").upsert(
                {
                    "chat_id": chat_id,
                    "subscribed_at": at.isoformat()
                    if not existing or not existing.active
                    else existing.subscribed_at.isoformat(),
                    "active": 1,
                    "push_time": push_time,
                },
                pk="chat_id",
            )
        return existing is None or not existing.active

    def deactivate(self, chat_id: int) -> None:
        """The chat blocked the bot or removed it: stop pushing there."""
        with self.db.atomic():
            self.db.execute("UPDATE subscribers SET active = 0 WHERE chat_id = ?", [chat_id])

    def unsubscribe(self, chat_id: int) -> bool:
        """Stop a chat's pushes; True if it was subscribed."""
        existing = self.subscriber(chat_id)
        if existing is None or not existing.active:
            return False
        self.deactivate(chat_id)
        return True

    def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its subscription, push ledger, watchlist and alerts
        follow it to the new id."""
        with self.db.atomic():
            self.db.execute("DELETE FROM subscribers WHERE chat_id = ?", [new_chat_id])
            for table in ("subscribers", "pushes", "watchlist", "alerts", "alert_numbers"):
                self.db.execute(
                    f"UPDATE OR IGNORE {table} SET chat_id = ? WHERE chat_id = ?",
                    [new_chat_id, old_chat_id],
                )
            self.db.execute("DELETE FROM blocked_chats WHERE chat_id = ?", [old_chat_id])

    # --- the push ledger --------------------------------------------------------------------

    def claim_push(self, day: date, chat_id: int, at: datetime) -> bool:
        """Reserve the day's push for a chat before sending; False if it was already claimed.

        Claiming first makes the push at-most-once: two runs of the job, or a run after a crash,
        never both send to the same chat on the same day.
        """
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO pushes (date, chat_id, sent_at, status) "
                "VALUES (?, ?, ?, 'sending')",
                [day.isoformat(), chat_id, at.isoformat()],
            )
        return cursor.rowcount == 1

    def finish_push(self, day: date, chat_id: int, status: str, at: datetime) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE pushes SET status = ?, sent_at = ? WHERE date = ? AND chat_id = ?",
                [status, at.isoformat(), day.isoformat(), chat_id],
            )

    def release_push(self, day: date, chat_id: int) -> None:
        """Give back a claim whose send failed for a passing reason, so a later run retries."""
        with self.db.atomic():
            self.db.execute(
                "DELETE FROM pushes WHERE date = ? AND chat_id = ?", [day.isoformat(), chat_id]
            )

    def pushes(self, day: date) -> dict[int, str]:
        """Chat id → status of every push claimed on `day`."""
        rows = self._rows("SELECT chat_id, status FROM pushes WHERE date = ?", [day.isoformat()])
        return {r["chat_id"]: r["status"] for r in rows}


def _subscriber(row: dict[str, Any]) -> Subscriber:
    return Subscriber(
        chat_id=row["chat_id"],
        subscribed_at=datetime.fromisoformat(row["subscribed_at"]),
        active=bool(row["active"]),
        push_time=row["push_time"],
    )


def _alert(row: dict[str, Any]) -> Alert:
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
