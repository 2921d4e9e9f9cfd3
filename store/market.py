"""The market's data: securities, sessions, closes, index members and summaries, read as
plain records; each day's shared figures kept until a load changes that day."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Hashable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from store.engine import Engine
from store.models import (
    Breadth,
    Close,
    Membership,
    Movers,
    Quote,
    Security,
    StoredClose,
    Summary,
    YearRange,
)
from store.records import QUOTE_COLUMNS, Repository, close_from, quote_from, security_from

T = TypeVar("T")

# Tickers named in one query (SQLite allows 32,766 parameters; PostgreSQL 65,535).
_TICKERS_A_QUERY = 500


def share_basis(closes: list[Close]) -> list[float]:
    """For each close of one security (in date order), the factor that puts its price on the
    share basis of the last one (see `basis_factors`)."""
    return basis_factors([c.close for c in closes], [c.prev_close for c in closes])


def basis_factors(closes: Sequence[float], prev_closes: Sequence[float | None]) -> list[float]:
    """For each of one security's closes (in date order), with the previous close printed
    beside it, the factor that puts the price on the share basis of the last one.

    HKEX prints the previous close of the first session after a consolidation or split on the
    new basis (ten times the last price, after a 10-into-1 consolidation); where a stored
    previous close differs from the close stored before it, the shares changed, and earlier
    prices are scaled by that ratio. Cash dividends leave the previous close as it printed.
    """
    factors = [1.0] * len(closes)
    factor = 1.0
    for position in range(len(closes) - 1, 0, -1):
        printed, before = prev_closes[position], closes[position - 1]
        if printed is not None and before > 0:
            ratio = printed / before
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


class _SharedFigures:
    """Results of market reads about one day, kept until a load (in any process) writes that
    day, changes the securities (names, sectors, kinds) or changes an index's members."""

    LIMIT = 4096  # entries in all; a busy evening asks the same few hundred questions

    def __init__(self) -> None:
        self.by_day: dict[date, tuple[Hashable, dict[Hashable, Any]]] = {}
        self.entries = 0

    def values_for(self, day: date, version: Hashable) -> dict[Hashable, Any]:
        """The day's kept results, emptied when the day's version is not the one they were
        read at (and all of them when too many are kept)."""
        kept = self.by_day.get(day)
        if kept is not None and kept[0] == version:
            return kept[1]
        if self.entries >= self.LIMIT:
            self.by_day, self.entries = {}, 0
        elif kept is not None:
            self.entries -= len(kept[1])
        values: dict[Hashable, Any] = {}
        self.by_day[day] = (version, values)
        return values


def _kept_until_a_load_changes_the_day(method: Callable[..., T]) -> Callable[..., T]:
    """Every user shares the day's movers, breadth and sector moves: read them once, and again
    only after a load has written that day (or changed what they are read against). A load of
    the next session leaves today's figures where they are. The method takes a `day`."""
    position = list(inspect.signature(method).parameters).index("day") - 1  # after self

    @functools.wraps(method)
    def read(self: MarketData, *args: Any, **kwargs: Any) -> T:
        day = args[position] if len(args) > position else kwargs["day"]
        shared = self._shared
        values = shared.values_for(day, self.day_version(day))
        key = (method.__name__, args, tuple(sorted(kwargs.items())))
        if key not in values:
            values[key] = method(self, *args, **kwargs)
            shared.entries += 1
        return values[key]

    return read


class MarketData(Repository):
    """Securities, sessions, closes and summaries: what every answer is made of."""

    def __init__(self, db: Engine) -> None:
        super().__init__(db)
        self._shared = _SharedFigures()

    # --- securities -------------------------------------------------------------------------

    def securities(self) -> list[Security]:
        return [security_from(r) for r in self._rows("SELECT * FROM securities ORDER BY ticker")]

    def tickers(self) -> set[str]:
        """Every listed ticker, without reading the rest of each security."""
        return {row[0] for row in self.db.execute("SELECT ticker FROM securities").fetchall()}

    def security(self, ticker: str) -> Security | None:
        rows = self._rows("SELECT * FROM securities WHERE ticker = ?", [ticker])
        return security_from(rows[0]) if rows else None

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
        sql = f"""SELECT {QUOTE_COLUMNS} FROM closes c JOIN securities s USING (ticker)
                  WHERE c.ticker = ? AND c.date = ?"""
        rows = self._rows(sql, [ticker, day.isoformat()])
        return quote_from(rows[0]) if rows else None

    def quotes_on(self, day: date, *, kind: str | None = "stock") -> list[Quote]:
        """Every quote of the day, best % change first."""
        sql = f"""SELECT {QUOTE_COLUMNS} FROM closes c JOIN securities s USING (ticker)
                  WHERE c.date = ? AND (CAST(? AS TEXT) IS NULL OR s.kind = ?)
                  ORDER BY c.pct_change IS NULL, c.pct_change DESC, c.ticker"""
        return [quote_from(r) for r in self._rows(sql, [day.isoformat(), kind, kind])]

    @_kept_until_a_load_changes_the_day
    def sector_quotes(self, sector: str, day: date, limit: int | None = None) -> list[Quote]:
        """The sector's stocks on `day`, best % change first (the first `limit` of them)."""
        sql = f"""SELECT {QUOTE_COLUMNS} FROM closes c JOIN securities s USING (ticker)
                  WHERE c.date = ? AND s.sector = ? AND s.kind = 'stock'
                  ORDER BY c.pct_change IS NULL, c.pct_change DESC, c.ticker"""
        params: list[object] = [day.isoformat(), sector]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [quote_from(r) for r in self._rows(sql, params)]

    def sector_members(self, sector: str) -> list[Security]:
        sql = "SELECT * FROM securities WHERE sector = ? AND kind = 'stock' ORDER BY ticker"
        return [security_from(r) for r in self._rows(sql, [sector])]

    @_kept_until_a_load_changes_the_day
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
        liquid = "AND NOT COALESCE(COALESCE(c.turnover, c.close * c.volume) < ?, FALSE)"
        params = [day.isoformat(), *member_params]

        def side(sign: str, order: str) -> list[Quote]:
            sql = f"""SELECT {QUOTE_COLUMNS} {where} {liquid} AND c.pct_change {sign} 0
                      ORDER BY c.pct_change {order}, c.ticker LIMIT ?"""
            return [quote_from(r) for r in self._rows(sql, [*params, min_turnover, count])]

        row = self.db.execute(
            f"""SELECT COUNT(*),
                       COALESCE(SUM(CASE WHEN COALESCE(c.turnover, c.close * c.volume) < ?
                                         THEN 1 ELSE 0 END), 0) {where}""",
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

    @_kept_until_a_load_changes_the_day
    def breadth(
        self, day: date, *, universe: Membership | None = None, sector: str | None = None
    ) -> Breadth:
        """Advancers, decliners and unchanged among the day's stocks (members of `universe`,
        or of `sector`, when given), judged on the % change to the hundredth."""
        members, member_params = _members_clause(universe)
        # PostgreSQL rounds only exact numbers to a number of places; SQLite takes either.
        hundredths = "ROUND(CAST(c.pct_change AS NUMERIC), 2)"
        row = self.db.execute(
            f"""SELECT COALESCE(SUM(CASE WHEN {hundredths} > 0 THEN 1 ELSE 0 END), 0),
                       COALESCE(SUM(CASE WHEN {hundredths} < 0 THEN 1 ELSE 0 END), 0),
                       COALESCE(SUM(CASE WHEN {hundredths} = 0 THEN 1 ELSE 0 END), 0)
                FROM closes c JOIN securities s USING (ticker)
                WHERE c.date = ? AND s.kind = 'stock'
                  AND (CAST(? AS TEXT) IS NULL OR s.sector = ?) {members}""",
            [day.isoformat(), sector, sector, *member_params],
        ).fetchone()
        return Breadth(int(row[0]), int(row[1]), int(row[2]), universe=universe)

    # --- index membership -------------------------------------------------------------------

    @_kept_until_a_load_changes_the_day
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
        # The (ticker, date) index carries these columns: a year is read from it alone, and
        # put on one share basis here, where a window function in SQL costs twice as much.
        rows = self.db.execute(
            """SELECT date, close, prev_close, high, low FROM closes
               WHERE ticker = ? AND date BETWEEN ? AND ? ORDER BY date""",
            [ticker, since.isoformat(), day.isoformat()],
        ).fetchall()
        if not rows:
            return None
        factors = basis_factors([r[1] for r in rows], [r[2] for r in rows])
        high = max((r[3] or r[1]) * f for r, f in zip(rows, factors, strict=True))
        low = min((r[4] or r[1]) * f for r, f in zip(rows, factors, strict=True))
        first_day = date.fromisoformat(rows[0][0])
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
                   FROM closes WHERE ticker = ? AND date BETWEEN ? AND ?) AS days
               WHERE ratio NOT BETWEEN 0.999 AND 1.001""",
            [ticker, since.isoformat(), until.isoformat()],
        ).fetchall()
        return [(date.fromisoformat(day), ratio) for day, ratio in rows]

    @_kept_until_a_load_changes_the_day
    def sector_average(self, sector: str, day: date) -> tuple[float | None, int]:
        """(mean % change, stocks counted) of a sector's stocks on `day`: the sector's members
        first, then their closes by key, not every close of the day."""
        row = self.db.execute(
            """SELECT AVG(pct_change), COUNT(pct_change) FROM closes
               WHERE date = ? AND ticker IN (
                   SELECT ticker FROM securities WHERE sector = ? AND kind = 'stock')""",
            [day.isoformat(), sector],
        ).fetchone()
        return row[0], row[1]

    @_kept_until_a_load_changes_the_day
    def sector_size(self, sector: str, day: date) -> int:
        """How many of the sector's stocks have a close on `day`."""
        sql = """SELECT COUNT(*) FROM closes c JOIN securities s USING (ticker)
                 WHERE c.date = ? AND s.sector = ? AND s.kind = 'stock'"""
        return self._value(sql, [day.isoformat(), sector]) or 0

    @_kept_until_a_load_changes_the_day
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

    @_kept_until_a_load_changes_the_day
    def sector_index(self, sector: str, day: date) -> Quote | None:
        """The sector's own index on `day`, when the store has one."""
        # The few sector indexes first, then their closes by key: not the day's every close.
        sql = f"""SELECT {QUOTE_COLUMNS} FROM closes c JOIN securities s USING (ticker)
                  WHERE c.date = ? AND c.ticker IN (
                      SELECT ticker FROM securities WHERE kind = 'index' AND sector = ?)
                  ORDER BY c.ticker LIMIT 1"""
        rows = self._rows(sql, [day.isoformat(), sector])
        return quote_from(rows[0]) if rows else None

    def close_on_or_before(self, ticker: str, day: date) -> Close | None:
        """The ticker's last close up to `day`: the base of a period change."""
        sql = "SELECT * FROM closes WHERE ticker = ? AND date <= ? ORDER BY date DESC LIMIT 1"
        rows = self._rows(sql, [ticker, day.isoformat()])
        return close_from(rows[0]) if rows else None

    def first_close(self, ticker: str) -> Close | None:
        rows = self._rows("SELECT * FROM closes WHERE ticker = ? ORDER BY date LIMIT 1", [ticker])
        return close_from(rows[0]) if rows else None

    def sector_closes(self, sector: str, since: date, until: date) -> list[Close]:
        """Every close of the sector's stocks from `since` to `until`, by date."""
        sql = """SELECT c.* FROM closes c JOIN securities s USING (ticker)
                 WHERE s.sector = ? AND s.kind = 'stock' AND c.date BETWEEN ? AND ?
                 ORDER BY c.date, c.ticker"""
        params = [sector, since.isoformat(), until.isoformat()]
        return [close_from(r) for r in self._rows(sql, params)]

    def history(self, ticker: str, since: date, until: date) -> list[Close]:
        sql = """SELECT * FROM closes WHERE ticker = ? AND date BETWEEN ? AND ?
                 ORDER BY date"""
        return [
            close_from(r) for r in self._rows(sql, [ticker, since.isoformat(), until.isoformat()])
        ]

    def stored_closes_between(self, since: date, until: date) -> list[StoredClose]:
        """Every close stored from `since` to `until`, of every ticker."""
        rows = self.db.execute(
            "SELECT ticker, date, close, volume FROM closes WHERE date BETWEEN ? AND ?",
            [since.isoformat(), until.isoformat()],
        ).fetchall()
        return [StoredClose(t, date.fromisoformat(d), c, v) for t, d, c, v in rows]

    def stored_close_batches(
        self, since: date, until: date, size: int = 100_000
    ) -> Iterator[list[StoredClose]]:
        """Every close stored from `since` to `until`, `size` at a time: a reload of years of
        history reads them in bounded memory."""
        cursor = self.db.execute(
            "SELECT ticker, date, close, volume FROM closes WHERE date BETWEEN ? AND ?",
            [since.isoformat(), until.isoformat()],
        )
        while rows := cursor.fetchmany(size):
            yield [StoredClose(t, date.fromisoformat(d), c, v) for t, d, c, v in rows]

    def last_closes_before(self, day: date, tickers: Sequence[str]) -> list[StoredClose]:
        """The last close before `day` of each of `tickers` that has one: read through the
        ticker index, so a file of a few tickers does not group the whole table."""
        found: list[StoredClose] = []
        for start in range(0, len(tickers), _TICKERS_A_QUERY):
            chunk = list(tickers[start : start + _TICKERS_A_QUERY])
            marks = ", ".join("?" * len(chunk))
            rows = self.db.execute(
                f"""SELECT c.ticker, c.date, c.close, c.volume FROM closes c
                    JOIN (SELECT ticker, MAX(date) AS date FROM closes
                          WHERE ticker IN ({marks}) AND date < ? GROUP BY ticker) m
                      ON m.ticker = c.ticker AND m.date = c.date""",
                [*chunk, day.isoformat()],
            ).fetchall()
            found += [StoredClose(t, date.fromisoformat(d), c, v) for t, d, c, v in rows]
        return found

    # --- summaries --------------------------------------------------------------------------

    def summary(self, day: date) -> Summary | None:
        rows = self._rows("SELECT * FROM summaries WHERE date = ?", [day.isoformat()])
        if not rows:
            return None
        row = rows[0]
        return Summary(date=day, headline=row["headline"], body=row["body"], source=row["source"])

    def summary_in(self, day: date, language: str) -> Summary | None:
        """The day's summary written in `language` (a code of `handlers.core.locale`), if one
        was loaded."""
        sql = "SELECT * FROM summaries_by_language WHERE date = ? AND language = ?"
        rows = self._rows(sql, [day.isoformat(), language])
        if not rows:
            return None
        row = rows[0]
        return Summary(date=day, headline=row["headline"], body=row["body"], source="written")

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

    # --- freshness --------------------------------------------------------------------------

    def data_version(self) -> int:
        """Goes up with every load, in any process."""
        return self._value("SELECT value FROM meta WHERE key = 'data_version'") or 0

    def day_version(self, day: date) -> tuple[int, int, int]:
        """Changes when a load writes the day's closes, the securities or the index members,
        in any process: what the day's shared figures are read against."""
        row = self.db.execute(
            """SELECT COALESCE((SELECT version FROM session_loads WHERE date = ?), -1),
                      COALESCE((SELECT value FROM meta WHERE key = 'securities_version'), 0),
                      COALESCE((SELECT value FROM meta WHERE key = 'members_version'), 0)""",
            [day.isoformat()],
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def stored_at(self, day: date) -> datetime | None:
        """When the day's closes were last written."""
        value = self._value("SELECT stored_at FROM session_loads WHERE date = ?", [day.isoformat()])
        return datetime.fromisoformat(value) if value else None
