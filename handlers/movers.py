"""/movers: the day's biggest gainers and losers."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import CommandHandler

from handlers.close import resolve_session
from handlers.dates import split_trailing_day
from handlers.figures import short_name
from handlers.render import bold, day_label, escape, fit, percent, price, shorten, table
from handlers.reply import Reply
from handlers.services import Services
from handlers.telegram_io import Context, answer_command
from store.models import Quote

DEFAULT_COUNT = 5
MAX_COUNT = 20
NAME_WIDTH = 20
USAGE = "Usage: /movers [number up to 20] [gainers|losers] [date], e.g. /movers 10 losers"
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


def answer_movers(services: Services, args: str = "") -> Reply:
    """The reply to `/movers [N] [gainers|losers] [DATE]`."""
    store = services.store
    latest = store.latest_date()
    if latest is None:
        return Reply("No closes are loaded yet.")
    rest, asked_day = split_trailing_day(args, today=services.today(), reference=latest)
    count, sides, problem = _options(rest)
    if problem:
        return Reply(f"{escape(problem)}\n{escape(USAGE)}")
    day, note = resolve_session(services, asked_day, latest)
    movers = store.movers(day, count)
    blocks = [note] if note else []
    blocks.append(f"{bold('Top movers')} · {day_label(day)}")
    if "gainers" in sides:
        blocks += ["", f"▲ {bold('Gainers')}", movers_table(movers.gainers) or "None today."]
    if "losers" in sides:
        blocks += ["", f"▼ {bold('Losers')}", movers_table(movers.losers) or "None today."]
    blocks += ["", "One stock in detail: /close innovent"]
    return Reply(fit(blocks))


def _options(text: str) -> tuple[int, tuple[str, ...], str]:
    """(count, sides, problem): problem is a sentence for the user when the words make no sense."""
    count, sides = DEFAULT_COUNT, ("gainers", "losers")
    for word in text.lower().split():
        if re.fullmatch(r"\d{1,6}", word):
            count = int(word)
            if not 1 <= count <= MAX_COUNT:
                return count, sides, f"I can list 1 to {MAX_COUNT} movers, not {count}."
        elif word in _SIDES:
            sides = (_SIDES[word],)
        else:
            return count, sides, f"I don't understand ‘{shorten(word, 30)}’."
    return count, sides, ""


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
    """/movers [n] [gainers|losers]: the day's top gainers and losers."""
    await answer_command(update, context, answer_movers)


HANDLERS = [CommandHandler("movers", movers_command)]
