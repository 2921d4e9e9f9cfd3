"""The end-of-day message subscribers receive: the index, the movers and the day's headline."""

from __future__ import annotations

from datetime import date

from handlers.figures import short_name
from handlers.movers import movers_table
from handlers.render import bold, day_label, escape, fit, move, price
from handlers.reply import Reply
from store import Store

INDEX = "HSI"
PUSH_MOVERS = 3


def daily_message(store: Store, day: date) -> Reply | None:
    """The push for `day`, or None when the day's index close is not in the store yet."""
    index = store.quote(INDEX, day)
    if index is None:
        return None
    close = index.close
    movers = store.movers(day, PUSH_MOVERS)
    blocks = [
        f"🔔 {bold('Hong Kong close')} · {day_label(day)}",
        f"{escape(short_name(index.security))} {bold(price(close.close, index=True))}  "
        f"{move(close.change, close.pct_change, index=True)}",
    ]
    if movers.gainers:
        blocks += ["", f"▲ {bold('Top gainers')}", movers_table(movers.gainers)]
    if movers.losers:
        blocks += [f"▼ {bold('Top losers')}", movers_table(movers.losers)]
    summary = store.summary(day)
    if summary:
        blocks += ["", bold(summary.headline)]
    blocks += ["", "The full story: /summary · Sectors: /sector · Stop these: /unsubscribe"]
    return Reply(fit(blocks))
