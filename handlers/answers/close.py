"""/close: the Hang Seng Index, or one security, on the latest session or a given day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from handlers.answers.render import (
    bold,
    compact,
    escape,
    fit,
    italic,
    money,
    move,
    pct_move,
    price,
    whole,
)
from handlers.answers.reply import Reply, no_closes
from handlers.answers.suggest import (
    choices,
    did_you_mean,
    label,
    no_match,
    not_a_day,
    sole_candidate,
)
from handlers.answers.understood import taken_as
from handlers.core.figures import SectorMove, sector_move
from handlers.core.locale import N_, Locale
from handlers.core.match import MatchResult
from handlers.core.narrative import generate_summary
from handlers.core.periods import YEAR_TO_DATE, parse_asked, period_change
from handlers.core.periods import period_name as english_period_name
from handlers.services import DEFAULT_MIN_TURNOVER, HONG_KONG, Services
from store import Store
from store.models import Breadth, Quote, Security, Summary, YearRange
from store.tickers import INDEX

INDEX_PERIODS = ("1w", "1m")
EXACT = 100.0  # the score of a name, alias or sector written out in full


def answer_close(services: Services, args: str = "") -> Reply:
    """The reply to `/close [QUERY] [DATE] [PERIOD]`."""
    store, _ = services.store, services.locale._
    latest = store.market.latest_date()
    if latest is None:
        return no_closes(services.locale)
    asked = parse_asked(args, today=services.today(), latest=latest)
    if asked.unread:
        return not_a_day(asked.unread, services.locale)
    day, note = resolve_session(services, asked.day, latest)
    if not asked.query:
        return _security_reply(
            services, INDEX, day, note, _periods(INDEX, asked.period), with_summary=True
        )
    result = services.matcher.match(asked.query, kinds=("security",))
    if sector_hint := _sector_hint(services, result, asked.suffix):
        return sector_hint
    if only := sole_candidate(result):
        periods = _periods(only.key, asked.period)
        reply = _security_reply(
            services, only.key, day, note, periods, with_summary=only.key == INDEX
        )
        return taken_as(label(services, only), reply, services.locale)
    if result.outcome == "ambiguous":
        return did_you_mean(services, result, "close", asked.suffix)
    if result.outcome == "none":
        examples = _("/close 700 or /close tencent")
        return no_match(services, result, "close", _("security"), examples, asked.suffix)
    ticker = result.best.key if result.best else INDEX
    periods = _periods(ticker, asked.period)
    return _security_reply(services, ticker, day, note, periods, with_summary=ticker == INDEX)


def _periods(ticker: str, asked: str | None) -> tuple[str, ...]:
    """The period changes shown: the one asked for, else the index's week and month however
    the index was named (/close, /close hsi, /close 恒指)."""
    if asked:
        return (asked,)
    return INDEX_PERIODS if ticker == INDEX else ()


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
    _ = services.locale._
    lang = services.locale
    command = lang.sector(named.key) if lang.chinese else named.key.lower()
    text = _("{sector} is a sector: try /sector {command}.").format(
        sector=bold(lang.sector(named.key)), command=escape(command)
    )
    if result.outcome == "none":
        return Reply(text)
    more = _("Or did you mean one of these?")
    return Reply(f"{text}\n{more}", choices(services, result, "close", suffix))


# The names the exchange calendar gives Hong Kong's holidays, for the catalogs: a reply says
# `_(name)`, and each language has its own words for them.
HOLIDAY_NAMES = (
    N_("Boxing Day"),
    N_("Christmas"),
    N_("Easter Monday"),
    N_("Good Friday"),
    N_("Hong Kong Special Region Establishment Day"),
    N_("Labour Day"),
    N_("National Day"),
    N_("New Year's Day"),
    N_("Weekend Christmas"),
    N_("Buddha's Birthday"),
    N_("Ching Ming Festival"),
    N_("Chung Yeung Festival"),
    N_("Lunar New Year"),
    N_("Tuen Ng Festival"),
    N_("the day after Mid-Autumn Festival"),
)


def resolve_session(services: Services, asked: date | None, latest: date) -> tuple[date, str]:
    """The session to answer for, and a note when it is not the day that was asked: a day
    without one shows the session before it (a weekend, the Friday), naming the holiday."""
    store, lang = services.store, services.locale
    _ = lang._
    if asked is None or store.market.is_session(asked):
        return asked or latest, ""
    first = store.market.first_date() or latest
    if asked < first:
        note = _("No closes stored before {first}; showing {nearest}.")
        return first, italic(note.format(first=lang.day(first), nearest=lang.day(first)))
    before = store.market.session_before(asked) or first
    calendar = services.schedule.calendar
    trading = calendar.is_session(asked)
    if asked > services.today():
        reason = _("that day is in the future")
    elif asked > latest and trading:
        reason = _("its closes are not in yet")
    elif trading:
        reason = _("its closes are not stored")
    elif holiday := calendar.holiday_name(asked):
        reason = _("{holiday}, no trading").format(holiday=_(holiday))
    else:
        reason = _("no trading that day")
    if before == latest and asked > latest:
        note = _("No session on {day} ({reason}); latest: {nearest}.")
    else:
        note = _("No session on {day} ({reason}); the session before: {nearest}.")
    note = note.format(day=lang.day(asked), reason=reason, nearest=lang.day(before))
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
    store, lang = services.store, services.locale
    quote = store.market.quote(ticker, day)
    if quote is None:
        return _no_close(services, ticker, day)
    index = quote.security.is_index
    blocks = [note] if note else []
    blocks += quote_lines(quote, lang)
    blocks += [period_line(services, quote, p) for p in periods]
    blocks += year_lines(store.market.year_range(ticker, day), lang, index=index)
    blocks += lot_lines(quote, lang)
    if not quote.security.is_index and quote.security.sector:
        blocks.append(sector_line(sector_move(store, quote.security.sector, day), lang))
    if with_summary:
        blocks += market_lines(services, day)
        summary = day_summary(services, day)
        if summary:
            blocks += ["", bold(summary.headline)]
            blocks += [escape(summary.paragraphs[0])] if summary.paragraphs else []
            more = lang._("The full story: /summary · Top movers: /movers · Sectors: /sector")
            blocks += ["", more]
    return Reply(fit(blocks))


def no_closes_stored(security: Security, lang: Locale) -> Reply:
    """A security the store lists but holds no close for (a fund or a listing whose prices
    were never loaded): said plainly, for any question about its prices."""
    text = lang._("{name} ({ticker}): no closes stored for it yet.")
    return Reply(text.format(name=title_line(security, lang), ticker=escape(security.ticker)))


def _no_close(services: Services, ticker: str, day: date) -> Reply:
    """A known security without a close that day: say which of the two it is."""
    store, lang = services.store, services.locale
    _ = lang._
    security = store.market.security(ticker)
    if security is None:
        text = _("{ticker} has no close on {day}.")
        return Reply(text.format(ticker=bold(ticker), day=lang.day(day)))
    if store.market.first_close(ticker) is None:
        return no_closes_stored(security, lang)
    name = title_line(security, lang)
    text = _("{name} ({ticker}) has no close on {day}.")
    return Reply(text.format(name=name, ticker=escape(ticker), day=lang.day(day)))


def title_line(security: Security, lang: Locale) -> str:
    """ "<b>Innovent Biologics</b> 信達生物"; in Chinese the Chinese name leads and the English
    one follows, so either is there to recognise."""
    if lang.chinese and security.name_zh:
        return f"{bold(lang.name(security))} {escape(security.name)}"
    title = bold(security.name)
    return f"{title} {escape(security.name_zh)}" if security.name_zh else title


def quote_lines(quote: Quote, lang: Locale) -> list[str]:
    """The heart of every close answer: who, when, the close, the move and the day's trading."""
    security, close = quote.security, quote.close
    index = security.is_index
    _ = lang._

    def level(value: float) -> str:
        return price(value, index=True) if index else money(value)

    level_line = _("Level {level}") if index else _("Close {level}")
    lines = [
        title_line(security, lang),
        f"{escape(security.ticker)} · {lang.day(close.date)}",
        level_line.format(level=bold(level(close.close)))
        + f"  {move(close.change, close.pct_change, index=index, lang=lang)}",
    ]
    opening = []
    if close.prev_close is not None:
        opening.append(_("Previous close {level}").format(level=level(close.prev_close)))
    if close.open is not None:
        opening.append(_("Open {level}").format(level=level(close.open)))
    if opening:
        lines.append(" · ".join(opening))
    if close.low is not None and close.high is not None:
        lines.append(
            _("Day's range {low} – {high}").format(
                low=level(close.low), high=price(close.high, index=index)
            )
        )
    trading = [_("Volume {volume}").format(volume=whole(close.volume))] if close.volume else []
    if close.turnover:
        trading.append(_("Turnover HK${amount}").format(amount=compact(close.turnover, lang)))
    elif close.volume and not index:
        estimate = compact(close.close * close.volume, lang)
        trading.append(_("Turnover ≈HK${amount} (close × volume)").format(amount=estimate))
    if trading:
        lines.append(" · ".join(trading))
    return lines


def year_lines(found: YearRange | None, lang: Locale, *, index: bool) -> list[str]:
    """ "52-week range HK$41.20 – 76.95", or the range since the first close when the security
    has traded for less than a year."""
    if found is None:
        return []
    low = price(found.low, index=True) if index else money(found.low)
    high = price(found.high, index=index)
    if found.full_year:
        return [lang._("52-week range {low} – {high}").format(low=low, high=high)]
    since = lang._("Range since {day}: {low} – {high}")
    return [since.format(day=lang.day(found.since), low=low, high=high)]


def lot_lines(quote: Quote, lang: Locale) -> list[str]:
    """ "Board lot 500 shares · HK$37,125.00 a lot": what the smallest trade costs."""
    lot = quote.security.board_lot
    if not lot or quote.security.is_index:
        return []
    text = lang._("Board lot {shares} shares · HK${cost} a lot")
    return [text.format(shares=whole(lot), cost=f"{quote.close.close * lot:,.2f}")]


def market_lines(services: Services, day: date, index: str = INDEX) -> list[str]:
    """How broad the index's move was among its members, and how fresh the figures are."""
    store, lang = services.store, services.locale
    counted = store.market.breadth(day, universe=store.market.membership(index, day))
    lines = [breadth_line(counted, day, lang)] if counted.total else []
    return [*lines, as_of_line(day, store.market.stored_at(day), lang)]


def breadth_line(counted: Breadth, day: date, lang: Locale) -> str:
    """ "Breadth of its 83 members: 55 up · 24 down · 4 unchanged"."""
    line = lang._("{whose}: {counts}")
    return line.format(
        whose=breadth_basis(counted, day, lang), counts=breadth_counts(counted, lang)
    )


def breadth_counts(counted: Breadth, lang: Locale) -> str:
    return lang._("{up} up · {down} down · {unchanged} unchanged").format(
        up=counted.advancers, down=counted.decliners, unchanged=counted.unchanged
    )


def breadth_basis(counted: Breadth, day: date, lang: Locale) -> str:
    """Whose stocks were counted, so nobody mistakes the stocks stored for the index."""
    _ = lang._
    universe = counted.universe
    if universe is None:
        return _("Breadth of {count} stocks").format(count=counted.total)
    listed = len(universe.tickers)
    basis = _("Breadth of its {count} members").format(count=listed)
    if universe.as_of > day:
        basis += _(" (as listed on {day})").format(day=lang.day(universe.as_of))
    if counted.total != listed:
        basis += _(" ({count} with a close)").format(count=counted.total)
    return basis


def as_of_line(day: date, stored_at: datetime | None, lang: Locale) -> str:
    """ "As of Wed 4 Jun 2025 close · data stored 4 Jun 18:02 HKT"."""
    _ = lang._
    line = _("As of {day} close").format(day=lang.day(day))
    if stored_at is None:
        return line
    if stored_at.tzinfo is None:  # the store writes UTC
        stored_at = stored_at.replace(tzinfo=UTC)
    local = stored_at.astimezone(HONG_KONG)
    if lang.chinese:
        year = "" if local.year == day.year else f"{local.year}年"
        when = f"{year}{local.month}月{local.day}日 {local:%H:%M}"
    else:
        year = "" if local.year == day.year else f" {local.year}"
        when = f"{local.day} {local:%b}{year} {local:%H:%M}"
    return line + _(" · data stored {when} HKT").format(when=when)


def period_name(period: str, lang: Locale) -> str:
    """ "1 month", "30 days", "year to date" … in the reply's language ("3個月", "年初至今")."""
    if period == YEAR_TO_DATE:
        return lang._("year to date")
    if not lang.chinese:
        return english_period_name(period)
    number, unit = int(period[:-1]), period[-1]
    units = {"d": lang._("day"), "w": lang._("week"), "m": lang._("month"), "y": lang._("year")}
    return f"{number}{units[unit]}"


def period_line(services: Services, quote: Quote, period: str) -> str:
    """ "1 month: ▲ +5.23% (+1,178.40) since Fri 2 May 2025"."""
    lang = services.locale
    name = period_name(period, lang).capitalize()
    found = period_change(services.store, quote.security.ticker, quote.close.date, period)
    if found is None:
        first = services.store.market.first_close(quote.security.ticker)
        text = lang._("{period}: not enough history in the store").format(period=name)
        if first:
            text += lang._(" (its closes begin {day})").format(day=lang.day(first.date))
        return text
    moved = move(found.change, found.pct_change, index=quote.security.is_index, lang=lang)
    since = lang._("{period}: {move} since {day}")
    return since.format(period=name, move=moved, day=lang.day(found.since))


def sector_line(sector: SectorMove, lang: Locale) -> str:
    name = escape(lang.sector(sector.sector))
    if sector.pct_change is None:
        return lang._("Sector: {sector}").format(sector=name)
    text = lang._("Sector: {sector} {move} ({basis}) · /sector {command}")
    return text.format(
        sector=name,
        move=pct_move(sector.pct_change, lang),
        basis=escape(sector_basis(sector, lang)),
        command=escape(lang.sector(sector.sector) if lang.chinese else sector.sector.lower()),
    )


def sector_basis(sector: SectorMove, lang: Locale) -> str:
    """How the move was found, said in the reply so nobody mistakes an average for an index."""
    if sector.index:
        return lang.name(sector.index.security)
    return lang._n("average of {count} stock", "average of {count} stocks", sector.stocks).format(
        count=sector.stocks
    )


def day_summary(services: Services, day: date) -> Summary | None:
    """The day's summary in the chat's language (see `day_summary_in`)."""
    return day_summary_in(services.store, day, services.locale, min_turnover=services.min_turnover)


def day_summary_in(
    store: Store, day: date, lang: Locale, *, min_turnover: float = DEFAULT_MIN_TURNOVER
) -> Summary | None:
    """The day's summary in `lang`: one written in `lang` when it was loaded (`ingest
    --summary-lang`), else the day's written one as written; one generated from the data is
    written again from the data in `lang`."""
    if lang.chinese and (own := store.market.summary_in(day, lang.code)):
        return own
    summary = store.market.summary(day)
    if summary is None or not lang.chinese or summary.source != "generated":
        return summary
    written = generate_summary(store, day, lang, min_turnover=min_turnover)
    if written is None:
        return summary
    return replace(summary, headline=written[0], body=written[1])
