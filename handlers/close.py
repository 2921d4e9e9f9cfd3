"""/close: the Hang Seng Index, or one security, on the latest session or a given day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from telegram import Update

from handlers.figures import SectorMove, sector_move
from handlers.periods import NAMES, parse_asked, period_change
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
from handlers.reply import NO_CLOSES, Reply
from handlers.services import HONG_KONG, Services
from handlers.suggest import did_you_mean, no_match
from handlers.telegram_io import Context, answer_command, command
from store.models import Breadth, Quote
from store.tickers import INDEX

INDEX_PERIODS = ("1w", "1m")
EXAMPLES = "/close 700 or /close tencent"


def answer_close(services: Services, args: str = "") -> Reply:
    """The reply to `/close [QUERY] [DATE] [PERIOD]`."""
    store = services.store
    latest = store.latest_date()
    if latest is None:
        return NO_CLOSES
    asked = parse_asked(args, today=services.today(), latest=latest)
    day, note = resolve_session(services, asked.day, latest)
    if not asked.query:
        periods = (asked.period,) if asked.period else INDEX_PERIODS
        return _security_reply(services, INDEX, day, note, periods, with_summary=True)
    result = services.matcher.match(asked.query, kinds=("security",))
    if result.outcome == "ambiguous":
        return did_you_mean(result, "close", asked.suffix)
    if result.outcome == "none":
        sector = services.matcher.match(asked.query, kinds=("sector",))
        if sector.outcome == "match" and sector.best:
            hint = escape(sector.best.key.lower())
            return Reply(f"{bold(sector.best.key)} is a sector: try /sector {hint}.")
        return no_match(result, "close", "security", EXAMPLES, asked.suffix)
    ticker = result.best.key if result.best else INDEX
    periods = (asked.period,) if asked.period else ()
    return _security_reply(services, ticker, day, note, periods, with_summary=ticker == INDEX)


def resolve_session(services: Services, asked: date | None, latest: date) -> tuple[date, str]:
    """The session to answer for, and a note when it is not the day that was asked."""
    if asked is None or services.store.is_session(asked):
        return asked or latest, ""
    nearest = services.store.nearest_session(asked) or latest
    if asked > services.today():
        reason = "that day is in the future"
    elif asked > latest and services.schedule.calendar.is_session(asked):
        reason = "its closes are not in yet"
    else:
        reason = "no trading that day"
    note = italic(f"No session on {day_label(asked)} ({reason}); nearest: {day_label(nearest)}.")
    return nearest, note


def _security_reply(
    services: Services,
    ticker: str,
    day: date,
    note: str,
    periods: tuple[str, ...] = (),
    *,
    with_summary: bool,
) -> Reply:
    store = services.store
    quote = store.quote(ticker, day)
    if quote is None:
        security = store.security(ticker)
        name = security.name if security else ticker
        return Reply(f"{bold(name)} has no close on {day_label(day)}.")
    blocks = [note] if note else []
    blocks += quote_lines(quote)
    blocks += [period_line(services, quote, p) for p in periods]
    if not quote.security.is_index and quote.security.sector:
        blocks.append(sector_line(sector_move(store, quote.security.sector, day)))
    if with_summary:
        blocks += market_lines(services, day)
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


def market_lines(services: Services, day: date) -> list[str]:
    """How broad the day's move was, and how fresh the figures are."""
    counted = services.store.breadth(day)
    stocks = counted.advancers + counted.decliners + counted.unchanged
    lines = [breadth_line(counted)] if stocks else []
    return [*lines, as_of_line(day, services.store.stored_at(day))]


def breadth_line(counted: Breadth) -> str:
    """ "Breadth: 58 up · 26 down · 4 unchanged"."""
    return (
        f"Breadth: {counted.advancers} up · {counted.decliners} down · "
        f"{counted.unchanged} unchanged"
    )


def as_of_line(day: date, stored_at: datetime | None) -> str:
    """ "As of Wed 4 Jun 2025 close · data stored 4 Jun 18:02 HKT"."""
    line = f"As of {day_label(day)} close"
    if stored_at is None:
        return line
    if stored_at.tzinfo is None:  # the store writes UTC
        stored_at = stored_at.replace(tzinfo=UTC)
    local = stored_at.astimezone(HONG_KONG)
    year = "" if local.year == day.year else f" {local.year}"
    return f"{line} · data stored {local.day} {local:%b}{year} {local:%H:%M} HKT"


def period_line(services: Services, quote: Quote, period: str) -> str:
    """ "1 month: ▲ +5.23% (+1,178.40) since Fri 2 May 2025"."""
    found = period_change(services.store, quote.security.ticker, quote.close.date, period)
    if found is None:
        return f"{NAMES[period].capitalize()}: not enough history in the store"
    index = quote.security.is_index
    return (
        f"{NAMES[period].capitalize()}: {move(found.change, found.pct_change, index=index)} "
        f"since {day_label(found.since)}"
    )


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


HANDLERS = [command("close", close_command)]
