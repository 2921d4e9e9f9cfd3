"""A market summary written from the data, for days nobody wrote one.

Plain, correct sentences in any reply language, from the store's own figures: the index move,
the best and worst sectors, the top movers and the breadth of the day. A written summary
always wins.
"""

from __future__ import annotations

from datetime import date

from handlers.core.figures import SectorMove, ranked_movers, sector_moves, short_name_in
from handlers.core.locale import ENGLISH_LOCALE, Locale
from handlers.services import DEFAULT_MIN_TURNOVER
from store import Store
from store.models import Quote
from store.tickers import INDEX

MOVERS = 3


def _listing(quotes: list[Quote], lang: Locale) -> str:
    parts = [f"{short_name_in(q.security, lang)} ({q.close.pct_change:+.2f}%)" for q in quotes]
    if len(parts) <= 1:
        return "".join(parts)
    return lang._("{first} and {last}").format(first=lang._(", ").join(parts[:-1]), last=parts[-1])


def _long_day(day: date, lang: Locale) -> str:
    if lang.chinese:
        return lang.day(day)
    return f"{day:%A} {day.day} {day:%B %Y}"


def _basis(move: SectorMove, lang: Locale) -> str:
    if move.index:
        return lang.name(move.index.security)
    return lang._n("average of {count} stock", "average of {count} stocks", move.stocks).format(
        count=move.stocks
    )


def generate_summary(
    store: Store,
    day: date,
    lang: Locale = ENGLISH_LOCALE,
    *,
    min_turnover: float = DEFAULT_MIN_TURNOVER,
) -> tuple[str, str] | None:
    """(headline, body) for `day` in `lang`, or None without an index close to tell it from."""
    index = store.market.quote(INDEX, day)
    if index is None:
        return None
    close = index.close
    pct, change = close.pct_change, close.change
    if pct is None or change is None:
        return None
    _ = lang._
    moves = [m for m in sector_moves(store, day) if m.pct_change is not None]
    rose, fell = round(pct, 2) > 0, round(pct, 2) < 0
    figures = {
        "points": f"{abs(change):,.2f}",
        "pct": f"{abs(pct):.2f}",
        "close": f"{close.close:,.2f}",
        "day": _long_day(day, lang),
    }
    if rose:
        opening = _(
            "The Hang Seng Index rose {points} points, or {pct}%, to close at {close} on {day}."
        )
        headline = _("Hang Seng gains {pct}%").format(pct=f"{abs(pct):.1f}")
    elif fell:
        opening = _(
            "The Hang Seng Index fell {points} points, or {pct}%, to close at {close} on {day}."
        )
        headline = _("Hang Seng loses {pct}%").format(pct=f"{abs(pct):.1f}")
    else:
        opening = _("The Hang Seng Index was unchanged at {close} on {day}.")
        headline = _("Hang Seng ends flat")
    paragraphs = [opening.format(**figures)]
    if moves:
        best, worst = moves[0], moves[-1]
        if rose:
            headline += _(" as {sector} leads").format(sector=lang.sector(best.sector))
        else:
            headline += _("; {sector} lags").format(sector=lang.sector(worst.sector))
        sectors = _("{sector} was the strongest sector ({pct}, {basis})").format(
            sector=lang.sector(best.sector),
            pct=f"{best.pct_change:+.2f}%",
            basis=_basis(best, lang),
        )
        if worst is not best:
            sectors += _(" and {sector} the weakest ({pct}, {basis})").format(
                sector=lang.sector(worst.sector),
                pct=f"{worst.pct_change:+.2f}%",
                basis=_basis(worst, lang),
            )
        paragraphs.append(sectors + _("."))
    movers = ranked_movers(store, day, MOVERS, min_turnover=min_turnover)  # as in /movers
    if movers.gainers:
        gainers = _("The biggest gainers were {names}.")
        paragraphs.append(gainers.format(names=_listing(movers.gainers, lang)))
    if movers.losers:
        losers = _("The biggest decliners were {names}.")
        paragraphs.append(losers.format(names=_listing(movers.losers, lang)))
    members = store.market.membership(INDEX, day)
    counted = store.market.breadth(day, universe=members)
    if members:
        among = _("Of the index's {count} members").format(count=len(members.tickers))
    else:
        among = _("Of the stocks stored")
    if counted.total:
        breadth = _("{among}, {up} advanced, {down} declined and {unchanged} were unchanged.")
        paragraphs.append(
            breadth.format(
                among=among,
                up=counted.advancers,
                down=counted.decliners,
                unchanged=counted.unchanged,
            )
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
