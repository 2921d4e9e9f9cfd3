"""A market summary written from the data, for days nobody wrote one.

Plain, correct English from the store's own figures: the index move, the best and worst
sectors, the top movers and the breadth of the day. A written summary always wins.
"""

from __future__ import annotations

from datetime import date

from handlers.core.figures import ranked_movers, sector_moves, short_name
from handlers.services import DEFAULT_MIN_TURNOVER
from store import Store
from store.models import Quote
from store.tickers import INDEX

MOVERS = 3


def _verb(pct: float) -> str:
    if round(pct, 2) > 0:
        return "rose"
    return "fell" if round(pct, 2) < 0 else "was unchanged"


def _listing(quotes: list[Quote]) -> str:
    parts = [f"{short_name(q.security)} ({q.close.pct_change:+.2f}%)" for q in quotes]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _long_day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def generate_summary(
    store: Store, day: date, *, min_turnover: float = DEFAULT_MIN_TURNOVER
) -> tuple[str, str] | None:
    """(headline, body) for `day`, or None without an index close to tell it from."""
    index = store.market.quote(INDEX, day)
    if index is None:
        return None
    close = index.close
    pct, change = close.pct_change, close.change
    if pct is None or change is None:
        return None
    moves = [m for m in sector_moves(store, day) if m.pct_change is not None]
    verb = _verb(pct)
    points = abs(change)
    if verb == "was unchanged":
        opening = f"The Hang Seng Index was unchanged at {close.close:,.2f} on {_long_day(day)}."
        headline = "Hang Seng ends flat"
    else:
        opening = (
            f"The Hang Seng Index {verb} {points:,.2f} points, or {abs(pct):.2f}%, "
            f"to close at {close.close:,.2f} on {_long_day(day)}."
        )
        headline = f"Hang Seng {'gains' if verb == 'rose' else 'loses'} {abs(pct):.1f}%"
    paragraphs = [opening]
    if moves:
        best, worst = moves[0], moves[-1]
        headline += f" as {best.sector} leads" if verb == "rose" else f"; {worst.sector} lags"
        sectors = f"{best.sector} was the strongest sector ({best.pct_change:+.2f}%, {best.basis})"
        if worst is not best:
            sectors += f" and {worst.sector} the weakest ({worst.pct_change:+.2f}%, {worst.basis})"
        paragraphs.append(sectors + ".")
    movers = ranked_movers(store, day, MOVERS, min_turnover=min_turnover)  # as in /movers
    if movers.gainers:
        paragraphs.append(f"The biggest gainers were {_listing(movers.gainers)}.")
    if movers.losers:
        paragraphs.append(f"The biggest decliners were {_listing(movers.losers)}.")
    members = store.market.membership(INDEX, day)
    counted = store.market.breadth(day, universe=members)
    among = f"Of the index's {len(members.tickers)} members" if members else "Of the stocks stored"
    if counted.total:
        paragraphs.append(
            f"{among}, {counted.advancers} advanced, {counted.decliners} declined and "
            f"{counted.unchanged} were unchanged."
        )
    return headline, "\n\n".join(paragraphs)


def ensure_summary(store: Store, day: date, *, min_turnover: float = DEFAULT_MIN_TURNOVER) -> bool:
    """Write the day's summary from the data unless someone wrote one; True if stored."""
    existing = store.market.summary(day)
    if existing is not None and existing.source != "generated":
        return False
    generated = generate_summary(store, day, min_turnover=min_turnover)
    if generated is None:
        return False
    return store.market.save_generated_summary(day, *generated)
