"""/sector: a sector's move, its stocks ranked, and what the day's summary said about it."""

from __future__ import annotations

from datetime import date

from handlers.answers.close import breadth_counts, day_summary, resolve_session, sector_basis
from handlers.answers.render import (
    bold,
    escape,
    fit,
    pct_move,
    percent,
    price,
    shorten_to_columns,
    table,
)
from handlers.answers.reply import Reply, no_closes
from handlers.answers.suggest import did_you_mean, label, no_match, sole_candidate
from handlers.answers.understood import taken_as
from handlers.core.dates import split_trailing_day
from handlers.core.figures import sector_move, sector_moves, short_name_in
from handlers.core.locale import Locale
from handlers.core.sector_words import (
    SectorWords,
    Term,
    members_by_sector,
    sector_named_by,
    sector_terms,
)
from handlers.services import Services
from store.models import Quote, Security

MAX_ROWS = 15
NAME_WIDTH = 20  # columns of a monospace line: Chinese characters take two each


def answer_sector(services: Services, args: str = "") -> Reply:
    """The reply to `/sector [QUERY] [DATE]`; without a query, every sector ranked."""
    store, lang = services.store, services.locale
    latest = store.market.latest_date()
    if latest is None:
        return no_closes(lang)
    query, asked_day = split_trailing_day(args, today=services.today(), reference=latest)
    day, note = resolve_session(services, asked_day, latest)
    if not query:
        return _all_sectors(services, day, note)
    result = services.matcher.match(sector_named_by(query) or query, kinds=("sector",))
    suffix = asked_day.isoformat() if asked_day else ""
    if only := sole_candidate(result):
        return taken_as(
            label(services, only), _one_sector(services, only.key, day, note), services.locale
        )
    if result.outcome == "ambiguous":
        return did_you_mean(services, result, "sector", suffix)
    if result.outcome == "none" or result.best is None:
        examples = lang._("/sector healthcare or /sector tech")
        return no_match(services, result, "sector", lang._("sector"), examples, suffix)
    return _one_sector(services, result.best.key, day, note)


def _all_sectors(services: Services, day: date, note: str) -> Reply:
    store, lang = services.store, services.locale
    _ = lang._
    moves = sector_moves(store, day)
    if not moves:
        return Reply(_("No sector figures for {day}.").format(day=lang.day(day)))
    rows = [
        (shorten_to_columns(lang.sector(m.sector), 26), _pct(m.pct_change, lang)) for m in moves
    ]
    blocks = [note] if note else []
    blocks += [
        bold(_("Sectors")) + f" · {lang.day(day)}",
        table(rows, "<>"),
        _(
            "Moves are the average % change of each sector's stocks unless a sector index is "
            "loaded."
        ),
        _("One sector in detail: /sector healthcare"),
    ]
    return Reply(fit(blocks))


def _one_sector(services: Services, sector: str, day: date, note: str) -> Reply:
    store, lang = services.store, services.locale
    _ = lang._
    name = lang.sector(sector)
    stocks = store.market.sector_quotes(sector, day, limit=MAX_ROWS)
    if not stocks:
        text = _("No {sector} stocks have a close on {day}.")
        return Reply(text.format(sector=escape(name), day=lang.day(day)))
    moved = sector_move(store, sector, day)
    counted = store.market.breadth(day, sector=sector)
    blocks = [note] if note else []
    blocks += [
        f"{bold(name)} · {lang.day(day)}",
        _("{move} ({basis})").format(
            move=pct_move(moved.pct_change, lang), basis=escape(sector_basis(moved, lang))
        ),
        _("{count} stocks: {counts}").format(
            count=counted.total, counts=breadth_counts(counted, lang)
        ),
        constituents_table(stocks, lang),
    ]
    if (size := store.market.sector_size(sector, day)) > MAX_ROWS:
        blocks.append(_("+{count} more").format(count=size - MAX_ROWS))
    blocks += _summary_lines(services, sector, day)
    return Reply(fit(blocks))


def constituents_table(quotes: list[Quote], lang: Locale) -> str:
    rows = [
        (
            f"{rank}.",
            shorten_to_columns(short_name_in(q.security, lang), NAME_WIDTH),
            price(q.close.close),
            _pct(q.close.pct_change, lang),
        )
        for rank, q in enumerate(quotes[:MAX_ROWS], start=1)
    ]
    return table(rows, "><>>")


def sector_keywords(sector: str, members: list[Security]) -> list[Term]:
    """What, in a summary sentence, means it speaks of this sector: its name and words, and
    its members' names as news text writes them (see handlers.core.sector_words)."""
    return sector_terms(sector, members)


def _summary_lines(services: Services, sector: str, day: date) -> list[str]:
    summary = day_summary(services, day)  # in the chat's language when it was written in it
    if summary is None:
        return []
    _ = services.locale._
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
        text = _("The day's summary does not mention {sector}. Full text: /summary")
        return ["", text.format(sector=escape(services.locale.sector(sector)))]
    return ["", bold(_("From the day's summary")), *(f"• {escape(s)}" for s in found)]


def _pct(value: float | None, lang: Locale) -> str:
    return lang._("n/a") if value is None else percent(value)
