"""/movers: the day's biggest gainers and losers."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from handlers.answers.close import resolve_session
from handlers.answers.render import (
    bold,
    day_label,
    escape,
    fit,
    italic,
    percent,
    price,
    rounded,
    shorten,
    table,
)
from handlers.answers.reply import NO_CLOSES, Reply
from handlers.core.dates import split_trailing_day
from handlers.core.figures import ranked_movers, short_name
from handlers.services import Services
from store import Store
from store.models import Movers, Quote
from store.tickers import BOARD

DEFAULT_COUNT = 5
MAX_COUNT = 20
NAME_WIDTH = 20
USAGE = (
    "Usage: /movers [hsi] [all] [number up to 20] [gainers|losers] [date], "
    "e.g. /movers 10 losers, /movers hsi or /movers all"
)
_SIDES = {
    "gainers": "gainers",
    "gainer": "gainers",
    "up": "gainers",
    "winners": "gainers",
    "losers": "losers",
    "loser": "losers",
    "down": "losers",
    "decliners": "losers",
}


@dataclass(frozen=True)
class Options:
    count: int = DEFAULT_COUNT
    sides: tuple[str, ...] = ("gainers", "losers")
    everything: bool = False  # "all": no turnover floor
    among: str = BOARD  # whose members are ranked
    problem: str = ""  # a sentence for the user when the words make no sense


def answer_movers(services: Services, args: str = "") -> Reply:
    """The reply to `/movers [all] [N] [gainers|losers] [DATE]`."""
    store = services.store
    latest = store.market.latest_date()
    if latest is None:
        return NO_CLOSES
    rest, asked_day = split_trailing_day(args, today=services.today(), reference=latest)
    options = _options(rest, indexes=store.market.indexes_with_members())
    if options.problem:
        return Reply(f"{escape(options.problem)}\n{escape(USAGE)}")
    day, note = resolve_session(services, asked_day, latest)
    floor = 0.0 if options.everything else services.min_turnover
    movers = ranked_movers(store, day, options.count, min_turnover=floor, among=options.among)
    blocks = [note] if note else []
    blocks.append(f"{bold('Top movers')} · {day_label(day)}")
    if "gainers" in options.sides:
        blocks += ["", f"▲ {bold('Gainers')}", movers_table(movers.gainers) or "None today."]
    if "losers" in options.sides:
        blocks += ["", f"▼ {bold('Losers')}", movers_table(movers.losers) or "None today."]
    blocks += ["", universe_line(services, movers, floor)]
    blocks += ["", "One stock in detail: /close innovent"]
    return Reply(fit(blocks))


def universe_line(services: Services, movers: Movers, floor: float) -> str:
    """What was ranked: "Ranked: the 447 of 493 Hang Seng Composite Index members with a close
    that traded at least HK$10M; 46 left out (/movers all ranks them)."."""
    whose = _whose(services.store, movers)
    ranked = movers.counted - movers.left_out
    if not movers.left_out:
        every = "the one" if movers.counted == 1 else f"all {movers.counted}"
        floor_words = f", none known to trade under HK${rounded(floor)}" if floor else ""
        return italic(f"Ranked: {every} {escape(whose)} with a close{floor_words}.")
    them = "it" if movers.left_out == 1 else "them"
    return italic(
        f"Ranked: the {ranked} of {movers.counted} {escape(whose)} with a close that traded at "
        f"least HK${rounded(floor)}; {movers.left_out} left out (/movers all ranks {them})."
    )


def ranked_among(store: Store, movers: Movers, floor: float) -> str:
    """The short form for the push: "Among Hang Seng Composite Index members trading at least
    HK$10M"."""
    among = f"Among {_whose(store, movers)}"
    return escape(among + (f" trading at least HK${rounded(floor)}" if floor else ""))


def _whose(store: Store, movers: Movers) -> str:
    universe = movers.universe
    if universe is None:
        return "stocks"
    index = store.market.security(universe.index)
    whose = f"{index.name if index else universe.index} members"
    if universe.as_of > movers.date:
        whose += f" (as listed on {day_label(universe.as_of)})"
    return whose


def _options(text: str, *, indexes: list[str]) -> Options:
    """What the words after /movers ask for, or the problem with them."""
    options = Options()
    for word in text.lower().split():
        if word.upper() in indexes:
            options = replace(options, among=word.upper())
            continue
        if re.fullmatch(r"\d{1,6}", word):
            count = int(word)
            if not 1 <= count <= MAX_COUNT:
                return Options(problem=f"I can list 1 to {MAX_COUNT} movers, not {count}.")
            options = replace(options, count=count)
        elif word in _SIDES:
            options = replace(options, sides=(_SIDES[word],))
        elif word in ("all", "everything"):
            options = replace(options, everything=True)
        else:
            return Options(problem=f"I don't understand ‘{shorten(word, 30)}’.")
    return options


def movers_table(quotes: list[Quote]) -> str:
    rows = [
        (
            shorten(short_name(q.security), NAME_WIDTH),
            price(q.close.close),
            percent(q.close.pct_change or 0),
        )
        for q in quotes
    ]
    return table(rows, "<>>")
