"""/close: the Hang Seng Index, or one security, on the latest session or a given day."""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.ext import CommandHandler

from handlers.dates import split_trailing_day
from handlers.figures import SectorMove, sector_move
from handlers.render import (
    bold,
    compact,
    day_label,
    escape,
    fit,
    italic,
    money,
    move,
    pct_move,
    price,
    whole,
)
from handlers.reply import Reply
from handlers.services import Services
from handlers.suggest import did_you_mean, no_match
from handlers.telegram_io import Context, answer_command
from store.models import Quote

INDEX = "HSI"
EXAMPLES = "/close 700 or /close tencent"


def answer_close(services: Services, args: str = "") -> Reply:
    """The reply to `/close [QUERY] [DATE]`."""
    store = services.store
    latest = store.latest_date()
    if latest is None:
        return Reply("No closes are loaded yet. An operator can load them with the ingest command.")
    query, asked_day = split_trailing_day(args, today=services.today(), reference=latest)
    day, note = resolve_session(services, asked_day, latest)
    if not query:
        return _security_reply(services, INDEX, day, note, with_summary=True)
    result = services.matcher.match(query, kinds=("security",))
    suffix = asked_day.isoformat() if asked_day else ""
    if result.outcome == "ambiguous":
        return did_you_mean(result, "close", suffix)
    if result.outcome == "none":
        sector = services.matcher.match(query, kinds=("sector",))
        if sector.outcome == "match":
            best = sector.best
            assert best is not None
            return Reply(f"{bold(best.key)} is a sector: try /sector {escape(query)}.")
        return no_match(result, "close", "security", EXAMPLES, suffix)
    best = result.best
    assert best is not None
    return _security_reply(services, best.key, day, note, with_summary=best.key == INDEX)


def resolve_session(services: Services, asked: date | None, latest: date) -> tuple[date, str]:
    """The session to answer for, and a note when it is not the day that was asked."""
    if asked is None or services.store.is_session(asked):
        return asked or latest, ""
    nearest = services.store.nearest_session(asked) or latest
    reason = "that day is in the future" if asked > services.today() else "no trading that day"
    note = italic(f"No session on {day_label(asked)} ({reason}); nearest: {day_label(nearest)}.")
    return nearest, note


def _security_reply(
    services: Services, ticker: str, day: date, note: str, *, with_summary: bool
) -> Reply:
    store = services.store
    quote = store.quote(ticker, day)
    if quote is None:
        security = store.security(ticker)
        name = security.name if security else ticker
        return Reply(f"{bold(name)} has no close on {day_label(day)}.")
    blocks = [note] if note else []
    blocks += quote_lines(quote)
    if not quote.security.is_index and quote.security.sector:
        stocks = store.sector_quotes(quote.security.sector, day)
        indices = store.quotes_on(day, kind="index")
        blocks.append(sector_line(sector_move(quote.security.sector, stocks, indices)))
    if with_summary:
        summary = store.summary(day)
        if summary:
            blocks += ["", bold(summary.headline)]
            blocks += [escape(summary.paragraphs[0])] if summary.paragraphs else []
            blocks += ["", "The full story: /summary · Top movers: /movers · Sectors: /sector"]
    return Reply(fit(blocks))


def quote_lines(quote: Quote) -> list[str]:
    """The heart of every close answer: who, when, the close and the move."""
    security, close = quote.security, quote.close
    index = security.is_index
    title = bold(security.name)
    if security.name_zh:
        title += f" {escape(security.name_zh)}"
    level = price(close.close, index=True) if index else money(close.close)
    lines = [
        title,
        f"{escape(security.ticker)} · {day_label(close.date)}",
        f"{'Close' if not index else 'Level'} {bold(level)}  "
        f"{move(close.change, close.pct_change, index=index)}",
    ]
    if close.prev_close is not None:
        previous = price(close.prev_close, index=True) if index else money(close.prev_close)
        lines.append(f"Previous close {previous}")
    if close.volume:
        lines.append(f"Volume {whole(close.volume)}")
    if close.turnover:
        lines.append(f"Turnover HK${compact(close.turnover)}")
    return lines


def sector_line(sector: SectorMove) -> str:
    if sector.pct_change is None:
        return f"Sector: {escape(sector.sector)}"
    return (
        f"Sector: {escape(sector.sector)} {pct_move(sector.pct_change)} "
        f"({escape(sector.basis)}) · /sector {escape(sector.sector.lower())}"
    )


async def close_command(update: Update, context: Context) -> None:
    """/close [name or code] [date]: the day's close of the index or one security."""
    await answer_command(update, context, answer_close)


HANDLERS = [CommandHandler("close", close_command)]
