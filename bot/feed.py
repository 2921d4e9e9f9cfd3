"""The daily data feed: fetch the day's closes from a market-data source and load them.

A source only downloads (`fetch(day, tickers) -> DataFrame` of recent daily rows); everything
after that is shared: which tickers are missing or had no trade, the previous close, and the
same validated, one-transaction ingest as a CSV file. A source can be added without touching
ingest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from telegram.ext import JobQueue

from handlers.core.sessions import HONG_KONG, WEEKDAYS
from handlers.edge.io import Context, services_of
from handlers.loading import Loaded, load_session
from handlers.services import DEFAULT_MIN_TURNOVER
from store import Store, open_store
from store.tickers import INDEX

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

LOOKBACK = timedelta(days=14)  # enough sessions back to find the previous close after holidays
COLUMNS = ["date", "ticker", "open", "high", "low", "close", "volume"]
# yfinance's field for each of our columns, unadjusted: the prices that printed
FIELDS = {"open": "Open", "high": "High", "low": "Low", "close": "Close", "volume": "Volume"}


class Source(Protocol):
    name: str

    def fetch(self, day: date, tickers: Sequence[str]) -> pd.DataFrame:
        """Daily rows (`date, ticker, open, high, low, close, volume`, store tickers, printed
        prices, not adjusted for later dividends) for the days up to `day`."""
        ...


# Indexes Yahoo Finance spells its own way; the others are `^` and the store's code.
YAHOO_INDEXES = {"HSCEI": "^HSCE", "HSTECH": "HSTECH.HK"}


def yahoo_symbol(ticker: str) -> str:
    """Store tickers as Yahoo Finance spells them: stocks alike (`1801.HK`), indices with `^`."""
    if ticker.endswith(".HK"):
        return ticker
    return YAHOO_INDEXES.get(ticker, f"^{ticker}")


class YahooSource:
    """Yahoo Finance through yfinance: one batch download for every ticker."""

    name = "yfinance"

    def __init__(self, download: Callable[..., pd.DataFrame] | None = None) -> None:
        self._download = download

    def fetch(self, day: date, tickers: Sequence[str]) -> pd.DataFrame:
        symbols = {yahoo_symbol(t): t for t in tickers}
        raw = self._downloader()(
            list(symbols),
            start=(day - LOOKBACK).isoformat(),
            end=(day + timedelta(days=1)).isoformat(),
            interval="1d",
            auto_adjust=False,
            actions=False,
            group_by="column",
            progress=False,
            threads=True,
            multi_level_index=True,
        )
        return _long_rows(raw, symbols)

    def _downloader(self) -> Callable[..., pd.DataFrame]:
        if self._download is None:
            import yfinance  # imported on first use: heavy, and only needed when fetching

            self._download = yfinance.download
        return self._download


def _long_rows(raw: pd.DataFrame | None, symbols: dict[str, str]) -> pd.DataFrame:
    """yfinance's wide (field, symbol) columns as one row per day and ticker."""
    import pandas as pd  # only for a download: the bot starts without it

    if raw is None or raw.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = []
    for symbol, ticker in symbols.items():
        if ("Close", symbol) not in raw.columns:
            continue
        fields = {
            column: raw[(name, symbol)] if (name, symbol) in raw.columns else None
            for column, name in FIELDS.items()
        }
        for stamp in raw.index:
            values = [None if f is None else f.get(stamp) for f in fields.values()]
            rows.append((pd.Timestamp(stamp).date(), ticker, *values))
    return pd.DataFrame(rows, columns=COLUMNS)


SOURCES: dict[str, Callable[[], Source]] = {"yfinance": YahooSource}


@dataclass
class FetchReport:
    day: date
    source: str
    loaded: Loaded | None = None
    missing: list[str] = field(default_factory=list)  # the source knows nothing of them
    stale: list[str] = field(default_factory=list)  # no trade on the day
    invalid: list[str] = field(default_factory=list)  # zero or negative closes, not loaded

    @property
    def summary_written(self) -> bool:
        return self.loaded is not None and self.loaded.summary_written

    @property
    def complete(self) -> bool:
        """Whether the index close of the day arrived (the push waits for it)."""
        return self.loaded is not None and INDEX not in self.missing + self.stale + self.invalid

    def describe(self) -> str:
        parts = [f"{self.source} {self.day.isoformat()}:"]
        parts.append(self.loaded.describe() if self.loaded else "nothing to load")
        if self.missing:
            parts.append(f"| no data for {len(self.missing)}: {_few(self.missing)}")
        if self.stale:
            parts.append(f"| no trade on the day for {len(self.stale)}: {_few(self.stale)}")
        if self.invalid:
            parts.append(f"| impossible closes, not loaded: {_few(self.invalid)}")
        return " ".join(parts)


def _few(tickers: list[str], shown: int = 8) -> str:
    more = f" and {len(tickers) - shown} more" if len(tickers) > shown else ""
    return ", ".join(tickers[:shown]) + more


@dataclass(frozen=True)
class DayRows:
    rows: pd.DataFrame  # the day's closes with their previous closes
    missing: list[str]  # the source knows nothing of them
    stale: list[str]  # no trade on the day
    invalid: list[str]  # a close that cannot be a price (zero or negative)


def day_rows(rows: pd.DataFrame, day: date, tickers: Sequence[str]) -> DayRows:
    """Sort the download into the day's loadable closes and the tickers to report."""
    rows = rows.dropna(subset=["close"]).sort_values(["ticker", "date"])
    rows = rows[rows["date"] <= day]
    invalid = sorted(set(rows.loc[(rows["close"] <= 0) & (rows["date"] == day), "ticker"]))
    rows = rows[rows["close"] > 0]
    rows = rows.assign(prev_close=rows.groupby("ticker")["close"].shift(1))
    today = rows[rows["date"] == day]
    seen, traded = set(rows["ticker"]) | set(invalid), set(today["ticker"])
    return DayRows(
        today[["date", "ticker", "open", "high", "low", "close", "prev_close", "volume"]],
        missing=[t for t in tickers if t not in seen],
        stale=[t for t in tickers if t in seen and t not in traded and t not in invalid],
        invalid=invalid,
    )


def fetch_day(
    store: Store,
    source: Source,
    day: date,
    *,
    now: datetime,
    min_turnover: float = DEFAULT_MIN_TURNOVER,
) -> FetchReport:
    """Download, check and load one session, as any load is (see `load_session`)."""
    tickers = [s.ticker for s in store.market.securities()]
    found = day_rows(source.fetch(day, tickers), day, tickers)
    report = FetchReport(
        day, source.name, missing=found.missing, stale=found.stale, invalid=found.invalid
    )
    rows = found.rows
    if rows.empty:
        return report
    from store.staging import Rows

    download = Rows(
        f"{source.name} {day.isoformat()}", rows.assign(date=rows["date"].map(date.isoformat))
    )
    report.loaded = load_session(store, download, now=now, min_turnover=min_turnover)
    return report


def make_source(name: str, **options: Any) -> Source:
    try:
        return SOURCES[name](**options)
    except KeyError:
        raise ValueError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None


# --- the scheduled fetch in the running bot ----------------------------------------------------

FETCH_DELAY = timedelta(minutes=10)  # after the close is final, give the source time to update
RETRY = timedelta(minutes=10)
TRIES = 4


async def fetch_job(context: Context) -> None:
    """Fetch today's closes once the close is final; try again later if the source lags."""
    services = services_of(context)
    now = services.now()
    day = now.date()
    calendar = services.schedule.calendar
    if not calendar.is_session(day) or now < calendar.final_close(day):
        return
    job = context.job
    data: dict[str, Any] = job.data if job is not None and isinstance(job.data, dict) else {}
    source: Source = data["source"]
    tries: int = data.get("tries", 1)
    try:
        # One fetch at a time across every sender sharing the store; the others skip theirs.
        with services.store.engine.lock("fetch", wait=False) as held:
            if not held:
                return
            report = await asyncio.to_thread(
                _fetch_in_thread, services.store.path, source, now, services.min_turnover
            )
    except Exception:
        logger.exception("fetch from %s failed (try %s of %s)", source.name, tries, TRIES)
        report = None
    if report is not None:
        logger.info("fetched %s", report.describe())
    if (report is None or not report.complete) and tries < TRIES and context.job_queue:
        context.job_queue.run_once(
            fetch_job, RETRY, data={"source": source, "tries": tries + 1}, name="fetch-retry"
        )
    elif report is None or not report.complete:
        logger.warning("no complete data from %s for %s after %s tries", source.name, day, TRIES)


def _fetch_in_thread(
    db_path: str, source: Source, now: datetime, min_turnover: float
) -> FetchReport:
    """On its own connection: the bot keeps answering from the old data until the commit."""
    store = open_store(db_path)
    try:
        return fetch_day(store, source, now.date(), now=now, min_turnover=min_turnover)
    finally:
        store.close()


def schedule_fetch(job_queue: JobQueue, source: Source) -> None:
    """Each weekday shortly after the half-day and full-day closes; the job checks the calendar."""
    for final in (time(12, 10), time(16, 10)):
        at = (datetime.combine(date(2000, 1, 3), final) + FETCH_DELAY).time()
        job_queue.run_daily(
            fetch_job,
            at.replace(tzinfo=HONG_KONG),
            days=WEEKDAYS,
            data={"source": source},
            name=f"fetch-{at:%H%M}",
        )
