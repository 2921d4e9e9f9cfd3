"""The end-of-day message subscribers receive: the index, the movers, the day's headline and,
for a chat that keeps one, its watchlist."""

from __future__ import annotations

from datetime import date

from handlers.answers.close import breadth_line, day_summary_in
from handlers.answers.movers import movers_table, ranked_among
from handlers.answers.render import TELEGRAM_LIMIT, bold, escape, italic, move, price, split_message
from handlers.answers.watch import versus_index, watchlist_table
from handlers.core.figures import ranked_movers, short_name_in
from handlers.core.locale import Locale
from handlers.services import DEFAULT_MIN_TURNOVER
from store import Store
from store.tickers import INDEX

PUSH_MOVERS = 3


def footer(lang: Locale) -> str:
    return lang._("The full story: /summary · Sectors: /sector · Stop these: /unsubscribe")


def market_blocks(
    store: Store, day: date, lang: Locale, *, min_turnover: float = DEFAULT_MIN_TURNOVER
) -> list[str] | None:
    """What every chat's push in `lang` shares: the index, the movers and the headline; None
    when the day's index close is not in the store yet."""
    index = store.market.quote(INDEX, day)
    if index is None:
        return None
    _ = lang._
    close = index.close
    movers = ranked_movers(store, day, PUSH_MOVERS, min_turnover=min_turnover)
    counted = store.market.breadth(day, universe=store.market.membership(INDEX, day))
    blocks = [
        "🔔 " + bold(_("Hong Kong close")) + f" · {lang.day(day)}",
        f"{escape(short_name_in(index.security, lang))} {bold(price(close.close, index=True))}  "
        f"{move(close.change, close.pct_change, index=True, lang=lang)}",
    ]
    if counted.total:
        blocks.append(breadth_line(counted, day, lang))
    if movers.gainers:
        blocks += ["", "▲ " + bold(_("Top gainers")), movers_table(movers.gainers, lang)]
    if movers.losers:
        blocks += ["▼ " + bold(_("Top losers")), movers_table(movers.losers, lang)]
    if movers.gainers or movers.losers:
        blocks.append(italic(ranked_among(store, movers, min_turnover, lang)))
    summary = day_summary_in(store, day, lang, min_turnover=min_turnover)
    if summary:
        blocks += ["", bold(summary.headline)]
    return blocks


def push_parts(
    store: Store,
    day: date,
    chat_id: int | None,
    *,
    lang: Locale,
    min_turnover: float = DEFAULT_MIN_TURNOVER,
    market: list[str] | None = None,
    limit: int = TELEGRAM_LIMIT,
) -> list[str]:
    """One chat's push for `day` in `lang` as the messages to send, each within Telegram's
    limit and split only between whole lines or tables; empty when the day's index close is
    not in.

    `market` is the shared part (in `lang`) when the caller built it once for every chat; with
    no `chat_id`, the push of a chat that keeps no watchlist.
    """
    if market is None:
        market = market_blocks(store, day, lang, min_turnover=min_turnover)
    if market is None:
        return []
    watchlist = watchlist_blocks(store, day, chat_id, lang) if chat_id is not None else []
    return split_message([*market, *watchlist, "", footer(lang)], limit)


def watchlist_blocks(store: Store, day: date, chat_id: int, lang: Locale) -> list[str]:
    """ "Your watchlist · vs HSI +0.60%" and a line per name, best first; nothing for a chat
    without a watchlist."""
    watched = store.chats.watched_quotes(chat_id, day)
    if not watched:
        return []
    title = bold(lang._("Your watchlist"))
    if versus := versus_index(store, day, lang):
        title += f" · {versus}"
    return ["", title, watchlist_table(watched, lang)]
