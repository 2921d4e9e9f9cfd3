"""Changes over a period (a week, a month, the year so far…) from the store's history."""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.core.dates import split_trailing_day
from store import Store

PERIODS = ("1w", "1m", "3m", "6m", "ytd", "1y")
NAMES = {
    "1w": "1 week",
    "1m": "1 month",
    "3m": "3 months",
    "6m": "6 months",
    "ytd": "year to date",
    "1y": "1 year",
}
_ALIASES = {"week": "1w", "month": "1m", "year": "1y", "12m": "1y", "52w": "1y"}


def parse_period(word: str) -> str | None:
    word = word.strip().lower()
    word = _ALIASES.get(word, word)
    return word if word in PERIODS else None


def split_trailing_period(args: str) -> tuple[str, str | None]:
    """ "innovent 1m" → ("innovent", "1m")."""
    words = args.split()
    if words and (period := parse_period(words[-1])):
        return " ".join(words[:-1]), period
    return args.strip(), None


def _months_back(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_start(day: date, period: str) -> date:
    """The day whose close the period change is measured from."""
    if period == "1w":
        return day - timedelta(days=7)
    if period == "ytd":
        return date(day.year - 1, 12, 31)
    months = {"1m": 1, "3m": 3, "6m": 6, "1y": 12}[period]
    return _months_back(day, months)


@dataclass(frozen=True)
class PeriodChange:
    period: str
    since: date
    base: float
    close: float

    @property
    def change(self) -> float:
        return self.close - self.base

    @property
    def pct_change(self) -> float:
        return self.change / self.base * 100


def period_change(store: Store, ticker: str, day: date, period: str) -> PeriodChange | None:
    """The change over `period` up to `day`, or None when the history does not reach back."""
    current = store.market.quote(ticker, day)
    first = store.market.first_close(ticker)
    start = period_start(day, period)
    if current is None or first is None or first.date > start:
        return None
    base = store.market.close_on_or_before(ticker, start)
    if base is None:
        return None
    # On today's share basis: a consolidation in between is not a tenfold gain.
    basis = math.prod(ratio for _, ratio in store.market.capital_changes(ticker, base.date, day))
    return PeriodChange(period, base.date, base.close * basis, current.close.close)


@dataclass(frozen=True)
class Asked:
    """A query with the day and period that may follow it: "innovent 3 jun 1m"."""

    query: str
    day: date | None = None
    period: str | None = None

    @property
    def suffix(self) -> str:
        """The day and period again, for buttons that answer the same question for a choice."""
        return " ".join(p for p in (self.day.isoformat() if self.day else "", self.period) if p)


def parse_asked(args: str, *, today: date, latest: date) -> Asked:
    rest, period = split_trailing_period(args)
    rest, day = split_trailing_day(rest, today=today, reference=latest)
    if period is None:
        rest, period = split_trailing_period(rest)
    return Asked(rest, day, period)
