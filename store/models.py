"""Plain records the store hands out: no cursors, no DataFrames."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple


@dataclass(frozen=True)
class Security:
    ticker: str
    name: str
    name_zh: str | None = None
    sector: str | None = None
    kind: str = "stock"
    aliases: tuple[str, ...] = ()
    category: str | None = None  # HKEX's: equity, reit, etp; index for an index
    board_lot: int | None = None  # shares in one trading unit

    @property
    def is_index(self) -> bool:
        return self.kind == "index"


@dataclass(frozen=True)
class Close:
    date: date
    ticker: str
    close: float
    prev_close: float | None = None
    change: float | None = None
    pct_change: float | None = None
    volume: int | None = None
    turnover: float | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None

    @property
    def traded_value(self) -> float | None:
        """The day's turnover in HK dollars: the stored figure, else close × volume."""
        if self.turnover is not None:
            return self.turnover
        return self.close * self.volume if self.volume is not None else None


class StoredClose(NamedTuple):
    """A stored close as a load checks and completes its file against the store: read by the
    hundred thousand, so a light tuple rather than a `Close`."""

    ticker: str
    date: date
    close: float
    volume: int | None


@dataclass(frozen=True)
class Quote:
    """One security's close on one day, with the security it belongs to."""

    security: Security
    close: Close


@dataclass(frozen=True)
class Membership:
    """An index's members as listed on one date."""

    index: str
    as_of: date
    tickers: frozenset[str]


@dataclass(frozen=True)
class Movers:
    date: date
    gainers: list[Quote] = field(default_factory=list)
    losers: list[Quote] = field(default_factory=list)
    left_out: int = 0  # stocks of the day not ranked: they traded under the turnover floor
    universe: Membership | None = None  # whose stocks were ranked; None: every stock
    counted: int = 0  # stocks of the universe with a change that day


@dataclass(frozen=True)
class Breadth:
    advancers: int
    decliners: int
    unchanged: int
    universe: Membership | None = None  # whose stocks were counted; None: every stock

    @property
    def total(self) -> int:
        return self.advancers + self.decliners + self.unchanged


@dataclass(frozen=True)
class YearRange:
    """A security's highest and lowest price over the 52 weeks to a day."""

    high: float
    low: float
    since: date  # the first session counted: a year back, or the first close stored
    full_year: bool


@dataclass(frozen=True)
class Summary:
    date: date
    headline: str
    body: str
    source: str = "written"

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]


@dataclass(frozen=True)
class ChatLanguage:
    """The language a chat is answered in; `chosen` when someone picked it with /lang, rather
    than it being guessed from Telegram's language_code."""

    language: str
    chosen: bool


@dataclass(frozen=True)
class Subscriber:
    chat_id: int
    subscribed_at: datetime
    active: bool = True
    push_time: str | None = None


@dataclass(frozen=True)
class DuePush:
    """A chat whose push for the day is queued in the ledger, waiting to be sent."""

    chat_id: int
    watching: bool  # it keeps a watchlist, so its push is its own, not the shared one


@dataclass(frozen=True)
class WatchedQuote:
    """A name on a chat's watchlist with its close on the day, if it has one."""

    security: Security
    close: Close | None


@dataclass(frozen=True)
class Alert:
    id: int
    chat_id: int
    number: int
    ticker: str
    kind: str  # "above", "below" or "move"
    threshold: float
    repeat: bool
    active: bool
    created_at: datetime
    since_date: date | None
    fired_on: date | None

    def is_set_again(self, ticker: str, kind: str, threshold: float, repeat: bool) -> bool:
        """Whether this alert, still waiting, is the very one being set again."""
        wanted = (ticker, kind, threshold, repeat)
        return self.active and (self.ticker, self.kind, self.threshold, self.repeat) == wanted
