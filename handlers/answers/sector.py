"""/sector: a sector's move, its stocks ranked, and what the day's summary said about it."""

from __future__ import annotations

from datetime import date

from handlers.answers.close import breadth_counts, resolve_session
from handlers.answers.render import (
    bold,
    day_label,
    escape,
    fit,
    pct_move,
    percent,
    price,
    shorten,
    table,
)
from handlers.answers.reply import NO_CLOSES, Reply
from handlers.answers.suggest import did_you_mean, no_match, sole_candidate
from handlers.answers.understood import taken_as
from handlers.core.dates import split_trailing_day
from handlers.core.figures import sector_move, sector_moves, short_name
from handlers.core.sector_words import SectorWords, Term, members_by_sector, sector_terms
from handlers.services import Services
from store.models import Quote, Security

MAX_ROWS = 15
NAME_WIDTH = 20
EXAMPLES = "/sector healthcare or /sector tech"


def answer_sector(services: Services, args: str = "") -> Reply:
    """The reply to `/sector [QUERY] [DATE]`; without a query, every sector ranked."""
    store = services.store
    latest = store.market.latest_date()
    if latest is None:
        return NO_CLOSES
    query, asked_day = split_trailing_day(args, today=services.today(), reference=latest)
    day, note = resolve_session(services, asked_day, latest)
    if not query:
        return _all_sectors(services, day, note)
    result = services.matcher.match(query, kinds=("sector",))
    suffix = asked_day.isoformat() if asked_day else ""
    if only := sole_candidate(result):
        return taken_as(only.label, _one_sector(services, only.key, day, note))
    if result.outcome == "ambiguous":
        return did_you_mean(result, "sector", suffix)
    if result.outcome == "none" or result.best is None:
        return no_match(result, "sector", "sector", EXAMPLES, suffix)
    return _one_sector(services, result.best.key, day, note)


def _all_sectors(services: Services, day: date, note: str) -> Reply:
    store = services.store
    moves = sector_moves(store, day)
    if not moves:
        return Reply(f"No sector figures for {day_label(day)}.")
    rows = [(shorten(m.sector, 26), _pct(m.pct_change)) for m in moves]
    blocks = [note] if note else []
    blocks += [
        f"{bold('Sectors')} · {day_label(day)}",
        table(rows, "<>"),
        "Moves are the average % change of each sector's stocks unless a sector index is loaded.",
        "One sector in detail: /sector healthcare",
    ]
    return Reply(fit(blocks))


def _one_sector(services: Services, sector: str, day: date, note: str) -> Reply:
    store = services.store
    stocks = store.market.sector_quotes(sector, day, limit=MAX_ROWS)
    if not stocks:
        return Reply(f"No {escape(sector)} stocks have a close on {day_label(day)}.")
    moved = sector_move(store, sector, day)
    counted = store.market.breadth(day, sector=sector)
    blocks = [note] if note else []
    blocks += [
        f"{bold(sector)} · {day_label(day)}",
        f"{pct_move(moved.pct_change)} ({escape(moved.basis)})",
        f"{counted.total} stocks: {breadth_counts(counted)}",
        constituents_table(stocks),
    ]
    if (size := store.market.sector_size(sector, day)) > MAX_ROWS:
        blocks.append(f"+{size - MAX_ROWS} more")
    blocks += _summary_lines(services, sector, day)
    return Reply(fit(blocks))


def constituents_table(quotes: list[Quote]) -> str:
    rows = [
        (
            f"{rank}.",
            shorten(short_name(q.security), NAME_WIDTH),
            price(q.close.close),
            _pct(q.close.pct_change),
        )
        for rank, q in enumerate(quotes[:MAX_ROWS], start=1)
    ]
    return table(rows, "><>>")


def sector_keywords(sector: str, members: list[Security]) -> list[Term]:
    """What, in a summary sentence, means it speaks of this sector: its name and words, and
    its members' names as news text writes them (see handlers.core.sector_words)."""
    return sector_terms(sector, members)


def _summary_lines(services: Services, sector: str, day: date) -> list[str]:
    summary = services.store.market.summary(day)
    if summary is None:
        return []
    # Every sector's terms at once, so a longer term of one sector keeps its words from another.
    words = services.remember(
        "sector words",
        lambda: SectorWords(
            term
            for name, members in members_by_sector(services.store.market.securities()).items()
            for term in sector_keywords(name, members)
        ),
    )
    found = words.sentences_about(summary.body, sector)
    if not found:
        return ["", f"The day's summary does not mention {escape(sector)}. Full text: /summary"]
    return ["", bold("From the day's summary"), *(f"• {escape(s)}" for s in found)]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else percent(value)
