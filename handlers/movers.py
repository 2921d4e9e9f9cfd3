"""/movers: the day's biggest gainers and losers."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from telegram import Update

from handlers.close import resolve_session
from handlers.dates import split_trailing_day
from handlers.figures import short_name
from handlers.render import (
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
from handlers.reply import NO_CLOSES, Reply
from handlers.services import Services
from handlers.telegram_io import Context, answer_command, command
from store.models import Quote

DEFAULT_COUNT = 5
MAX_COUNT = 20
NAME_WIDTH = 20
USAGE = (
    "Usage: /movers [all] [number up to 20] [gainers|losers] [date], "
    "e.g. /movers 10 losers or /movers all"
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
    problem: str = ""  # a sentence for the user when the words make no sense


def answer_movers(services: Services, args: str = "") -> Reply:
    """The reply to `/movers [all] [N] [gainers|losers] [DATE]`."""
    store = services.store
    latest = store.latest_date()
    if latest is None:
        return NO_CLOSES
    rest, asked_day = split_trailing_day(args, today=services.today(), reference=latest)
    options = _options(rest)
    if options.problem:
        return Reply(f"{escape(options.problem)}\n{escape(USAGE)}")
    day, note = resolve_session(services, asked_day, latest)
    floor = 0.0 if options.everything else services.min_turnover
    movers = store.movers(day, options.count, min_turnover=floor)
    blocks = [note] if note else []
    heading = f"{bold('Top movers')} · {day_label(day)}"
    blocks.append(heading + (" · all stocks" if options.everything else ""))
    if "gainers" in options.sides:
        blocks += ["", f"▲ {bold('Gainers')}", movers_table(movers.gainers) or "None today."]
    if "losers" in options.sides:
        blocks += ["", f"▼ {bold('Losers')}", movers_table(movers.losers) or "None today."]
    if movers.left_out:
        blocks += ["", left_out_line(movers.left_out, floor)]
    blocks += ["", "One stock in detail: /close innovent"]
    return Reply(fit(blocks))


def left_out_line(count: int, floor: float) -> str:
    """ "Left out 3 stocks that traded under HK$10M; /movers all shows them."."""
    stocks, them = ("stock", "it") if count == 1 else ("stocks", "them")
    return italic(
        f"Left out {count} {stocks} that traded under HK${rounded(floor)}; "
        f"/movers all shows {them}."
    )


def _options(text: str) -> Options:
    """What the words after /movers ask for, or the problem with them."""
    options = Options()
    for word in text.lower().split():
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


async def movers_command(update: Update, context: Context) -> None:
    """/movers [all] [n] [gainers|losers]: the day's top gainers and losers."""
    await answer_command(update, context, answer_movers)


HANDLERS = [command("movers", movers_command)]
