"""/close: the Hang Seng Index, or one security, on the latest session or a given day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from handlers.answers.render import (
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
from handlers.answers.reply import NO_CLOSES, Reply
from handlers.answers.suggest import choices, did_you_mean, no_match, sole_candidate
from handlers.answers.understood import taken_as
from handlers.core.figures import SectorMove, sector_move
from handlers.core.match import MatchResult
from handlers.core.periods import parse_asked, period_change, period_name
from handlers.services import HONG_KONG, Services
from store.models import Breadth, Quote, Security, YearRange
from store.tickers import INDEX

INDEX_PERIODS = ("1w", "1m")
EXAMPLES = "/close 700 or /close tencent"
EXACT = 100.0  # the score of a name, alias or sector written out in full


def answer_close(services: Services, args: str = "") -> Reply:
    """The reply to `/close [QUERY] [DATE] [PERIOD]`."""
    store = services.store
    latest = store.market.latest_date()
    if latest is None:
        return NO_CLOSES
    asked = parse_asked(args, today=services.today(), latest=latest)
    day, note = resolve_session(services, asked.day, latest)
    if not asked.query:
        periods: tuple[str, ...] = (asked.period,) if asked.period else INDEX_PERIODS
        return _security_reply(services, INDEX, day, note, periods, with_summary=True)
    result = services.matcher.match(asked.query, kinds=("security",))
    periods = (asked.period,) if asked.period else ()
    if sector_hint := _sector_hint(services, result, asked.suffix):
        return sector_hint
    if only := sole_candidate(result):
        reply = _security_reply(
            services, only.key, day, note, periods, with_summary=only.key == INDEX
        )
        return taken_as(only.label, reply)
    if result.outcome == "ambiguous":
        return did_you_mean(result, "close", asked.suffix)
    if result.outcome == "none":
        return no_match(result, "close", "security", EXAMPLES, asked.suffix)
    ticker = result.best.key if result.best else INDEX
    return _security_reply(services, ticker, day, note, periods, with_summary=ticker == INDEX)


def _sector_hint(services: Services, result: MatchResult, suffix: str) -> Reply | None:
    """Point to /sector when the query means a sector rather than a security: it matches no
    security, or names a sector in full and a security only in part ("healthcare" is a sector
    before it is a word in a few healthcare funds' names); any such security is still a button."""
    best = result.best
    if result.outcome == "match" and best and best.score >= EXACT:
        return None
    if result.outcome == "none":
        guessed = services.matcher.match(result.query, kinds=("sector",))
        named = guessed.best if guessed.outcome == "match" else None
    else:  # some security fits: only a sector written out in full outranks it
        named = services.matcher.named_in_full(result.query, kinds=("sector",))
    if named is None:
        return None
    text = f"{bold(named.key)} is a sector: try /sector {escape(named.key.lower())}."
    if result.outcome == "none":
        return Reply(text)
    return Reply(f"{text}\nOr did you mean one of these?", choices(result, "close", suffix))


def resolve_session(services: Services, asked: date | None, latest: date) -> tuple[date, str]:
    """The session to answer for, and a note when it is not the day that was asked: a day
    without one shows the session before it (a weekend, the Friday), naming the holiday."""
    store = services.store
    if asked is None or store.market.is_session(asked):
        return asked or latest, ""
    first = store.market.first_date() or latest
    if asked < first:
        note = f"No closes stored before {day_label(first)}; showing {day_label(first)}."
        return first, italic(note)
    before = store.market.session_before(asked) or first
    calendar = services.schedule.calendar
    trading = calendar.is_session(asked)
    if asked > services.today():
        reason = "that day is in the future"
    elif asked > latest and trading:
        reason = "its closes are not in yet"
    elif trading:
        reason = "its closes are not stored"
    elif holiday := calendar.holiday_name(asked):
        reason = f"{holiday}, no trading"
    else:
        reason = "no trading that day"
    shown = "latest" if before == latest and asked > latest else "the session before"
    note = f"No session on {day_label(asked)} ({reason}); {shown}: {day_label(before)}."
    return before, italic(note)


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
    quote = store.market.quote(ticker, day)
    if quote is None:
        return _no_close(services, ticker, day)
    blocks = [note] if note else []
    blocks += quote_lines(quote)
    blocks += [period_line(services, quote, p) for p in periods]
    blocks += year_lines(store.market.year_range(ticker, day), index=quote.security.is_index)
    blocks += lot_lines(quote)
    if not quote.security.is_index and quote.security.sector:
        blocks.append(sector_line(sector_move(store, quote.security.sector, day)))
    if with_summary:
        blocks += market_lines(services, day)
        summary = store.market.summary(day)
        if summary:
            blocks += ["", bold(summary.headline)]
            blocks += [escape(summary.paragraphs[0])] if summary.paragraphs else []
            blocks += ["", "The full story: /summary · Top movers: /movers · Sectors: /sector"]
    return Reply(fit(blocks))


def _no_close(services: Services, ticker: str, day: date) -> Reply:
    """A known security without a close that day: say which of the two it is."""
    store = services.store
    security = store.market.security(ticker)
    if security is None:
        return Reply(f"{bold(ticker)} has no close on {day_label(day)}.")
    name = title_line(security)
    if store.market.first_close(ticker) is None:
        return Reply(f"{name} ({escape(ticker)}): no closes stored for it yet.")
    return Reply(f"{name} ({escape(ticker)}) has no close on {day_label(day)}.")


def title_line(security: Security) -> str:
    """ "<b>Innovent Biologics</b> 信達生物"."""
    title = bold(security.name)
    return f"{title} {escape(security.name_zh)}" if security.name_zh else title


def quote_lines(quote: Quote) -> list[str]:
    """The heart of every close answer: who, when, the close, the move and the day's trading."""
    security, close = quote.security, quote.close
    index = security.is_index

    def level(value: float) -> str:
        return price(value, index=True) if index else money(value)

    lines = [
        title_line(security),
        f"{escape(security.ticker)} · {day_label(close.date)}",
        f"{'Close' if not index else 'Level'} {bold(level(close.close))}  "
        f"{move(close.change, close.pct_change, index=index)}",
    ]
    opening = [f"Previous close {level(close.prev_close)}"] if close.prev_close is not None else []
    if close.open is not None:
        opening.append(f"Open {level(close.open)}")
    if opening:
        lines.append(" · ".join(opening))
    if close.low is not None and close.high is not None:
        lines.append(f"Day's range {level(close.low)} – {price(close.high, index=index)}")
    trading = [f"Volume {whole(close.volume)}"] if close.volume else []
    if close.turnover:
        trading.append(f"Turnover HK${compact(close.turnover)}")
    elif close.volume and not index:
        trading.append(f"Turnover ≈HK${compact(close.close * close.volume)} (close × volume)")
    if trading:
        lines.append(" · ".join(trading))
    return lines


def year_lines(found: YearRange | None, *, index: bool) -> list[str]:
    """ "52-week range HK$41.20 – 76.95", or the range since the first close when the security
    has traded for less than a year."""
    if found is None:
        return []
    low = price(found.low, index=True) if index else money(found.low)
    high = price(found.high, index=index)
    if found.full_year:
        return [f"52-week range {low} – {high}"]
    return [f"Range since {day_label(found.since)}: {low} – {high}"]


def lot_lines(quote: Quote) -> list[str]:
    """ "Board lot 500 shares · HK$37,125.00 a lot": what the smallest trade costs."""
    lot = quote.security.board_lot
    if not lot or quote.security.is_index:
        return []
    return [f"Board lot {whole(lot)} shares · HK${quote.close.close * lot:,.2f} a lot"]


def market_lines(services: Services, day: date, index: str = INDEX) -> list[str]:
    """How broad the index's move was among its members, and how fresh the figures are."""
    store = services.store
    counted = store.market.breadth(day, universe=store.market.membership(index, day))
    lines = [breadth_line(counted, day)] if counted.total else []
    return [*lines, as_of_line(day, store.market.stored_at(day))]


def breadth_line(counted: Breadth, day: date) -> str:
    """ "Breadth of its 83 members: 55 up · 24 down · 4 unchanged"."""
    return f"{breadth_basis(counted, day)}: {breadth_counts(counted)}"


def breadth_counts(counted: Breadth) -> str:
    return f"{counted.advancers} up · {counted.decliners} down · {counted.unchanged} unchanged"


def breadth_basis(counted: Breadth, day: date) -> str:
    """Whose stocks were counted, so nobody mistakes the stocks stored for the index."""
    universe = counted.universe
    if universe is None:
        return f"Breadth of {counted.total} stocks"
    listed = len(universe.tickers)
    basis = f"Breadth of its {listed} members"
    if universe.as_of > day:
        basis += f" (as listed on {day_label(universe.as_of)})"
    if counted.total != listed:
        basis += f" ({counted.total} with a close)"
    return basis


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
        first = services.store.market.first_close(quote.security.ticker)
        since = f" (its closes begin {day_label(first.date)})" if first else ""
        return f"{period_name(period).capitalize()}: not enough history in the store{since}"
    index = quote.security.is_index
    return (
        f"{period_name(period).capitalize()}: {move(found.change, found.pct_change, index=index)} "
        f"since {day_label(found.since)}"
    )


def sector_line(sector: SectorMove) -> str:
    if sector.pct_change is None:
        return f"Sector: {escape(sector.sector)}"
    return (
        f"Sector: {escape(sector.sector)} {pct_move(sector.pct_change)} "
        f"({escape(sector.basis)}) · /sector {escape(sector.sector.lower())}"
    )
