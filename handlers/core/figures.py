"""Figures derived from closes: a sector's move, and the sentences of a summary about a sector."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from handlers.core.locale import Locale
from handlers.core.match import shorter_chinese_names
from store import Store
from store.models import Movers, Quote, Security
from store.tickers import BOARD


@dataclass(frozen=True)
class SectorMove:
    sector: str
    pct_change: float | None
    stocks: int
    index: Quote | None = None

    @property
    def basis(self) -> str:
        """How the move was found, said in the reply so nobody mistakes an average for an index."""
        if self.index:
            return self.index.security.name
        noun = "stock" if self.stocks == 1 else "stocks"
        return f"average of {self.stocks} {noun}"


def ranked_movers(
    store: Store, day: date, count: int, *, min_turnover: float, among: str = BOARD
) -> Movers:
    """The day's movers among the members of `among` (every stock when no list of it is
    stored): one definition for /movers, the push and generated summaries."""
    universe = store.market.membership(among, day)
    return store.market.movers(day, count, min_turnover=min_turnover, universe=universe)


def sector_move(store: Store, sector: str, day: date) -> SectorMove:
    """The sector's index move if the store has one, else its stocks' average % change."""
    average, stocks = store.market.sector_average(sector, day)
    return _index_or_average(store, sector, day, average, stocks)


def sector_moves(store: Store, day: date) -> list[SectorMove]:
    """Every sector's move on a day, best first."""
    moves = [
        _index_or_average(store, sector, day, average, stocks)
        for sector, (average, stocks) in store.market.sector_averages(day).items()
    ]
    return sorted(moves, key=lambda m: (m.pct_change is None, -(m.pct_change or 0), m.sector))


def _index_or_average(
    store: Store, sector: str, day: date, average: float | None, stocks: int
) -> SectorMove:
    index = store.market.sector_index(sector, day)
    if index and index.close.pct_change is not None:
        return SectorMove(sector, index.close.pct_change, stocks, index)
    return SectorMove(sector, average, stocks)


_CORPORATE_WORDS = frozenset(
    {"holdings", "holding", "group", "co", "company", "ltd", "limited", "inc", "corp"}
    | {"corporation", "plc", "cayman", "islands"}
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“‘(])")


def short_name(security: Security) -> str:
    """ "CSPC Pharmaceutical Group Ltd" → "CSPC Pharmaceutical": how news text names a company."""
    words = security.name.split()
    while len(words) > 1 and words[-1].lower().strip(".,") in _CORPORATE_WORDS:
        words.pop()
    return " ".join(words)


# HKEX's markers after a Chinese name: －Ｗ (weighted voting rights), －Ｓ, －ＳＷ, －Ｂ, －Ｒ …
_ZH_MARKERS = re.compile(r"\s*[-－]\s*[A-Za-zＡ-Ｚａ-ｚ]{1,3}$")


def short_name_in(security: Security, lang: Locale) -> str:
    """How a reply in `lang` names a company in a list: "CSPC Pharmaceutical", or "石藥集團"
    → "石藥" (HKEX's Chinese name without its markers and legal endings)."""
    if not lang.chinese or not security.name_zh:
        return short_name(security)
    name = _ZH_MARKERS.sub("", security.name_zh.strip())
    return lang.script(shorter_chinese_names(name)[-1] if not security.is_index else name)


def sentences(text: str) -> list[str]:
    return [s.strip() for p in text.split("\n") for s in _SENTENCE_END.split(p) if s.strip()]
