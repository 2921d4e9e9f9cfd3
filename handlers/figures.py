"""Figures derived from closes: a sector's move, and the sentences of a summary about a sector."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import fmean

from store.models import Quote, Security


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


def sector_move(sector: str, stocks: Sequence[Quote], indices: Iterable[Quote] = ()) -> SectorMove:
    """The sector's index move if the store has one, else its stocks' average % change."""
    index = next((q for q in indices if q.security.sector == sector), None)
    if index and index.close.pct_change is not None:
        return SectorMove(sector, index.close.pct_change, len(stocks), index)
    changes = [q.close.pct_change for q in stocks if q.close.pct_change is not None]
    return SectorMove(sector, fmean(changes) if changes else None, len(changes))


def sector_moves(stocks: Iterable[Quote], indices: Sequence[Quote] = ()) -> list[SectorMove]:
    """Every sector's move on a day, best first."""
    by_sector: dict[str, list[Quote]] = defaultdict(list)
    for quote in stocks:
        if quote.security.sector:
            by_sector[quote.security.sector].append(quote)
    moves = [sector_move(name, quotes, indices) for name, quotes in by_sector.items()]
    return sorted(moves, key=lambda m: (m.pct_change is None, -(m.pct_change or 0), m.sector))


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


def sentences(text: str) -> list[str]:
    return [s.strip() for p in text.split("\n") for s in _SENTENCE_END.split(p) if s.strip()]


def sentences_about(text: str, keywords: Iterable[str]) -> list[str]:
    """The sentences of `text` that name any keyword as a whole word, in their original order."""
    words = sorted({k.strip().lower() for k in keywords if len(k.strip()) >= 3}, key=len)
    if not words:
        return []
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(w) for w in reversed(words)) + r")(?!\w)", re.IGNORECASE
    )
    return [s for s in sentences(text) if pattern.search(s)]
