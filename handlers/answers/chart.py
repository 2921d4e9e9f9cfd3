"""/chart: a picture of a security's (or a sector's) daily closes over a period."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from handlers.answers.close import no_closes_stored, period_name, resolve_session
from handlers.answers.drawing import Line, chinese_font, line_chart
from handlers.answers.render import bold, escape, move, pct_move, price
from handlers.answers.reply import Reply, no_closes
from handlers.answers.suggest import did_you_mean, label, no_match, not_a_day, sole_candidate
from handlers.answers.understood import taken_as
from handlers.core.figures import short_name_in
from handlers.core.locale import ENGLISH_LOCALE, Locale
from handlers.core.periods import Asked, parse_asked, period_change, period_start
from handlers.services import Services
from store.market import share_basis
from store.models import Close
from store.tickers import INDEX

DEFAULT_PERIOD = "1m"
MIN_POINTS = 5


def answer_chart(services: Services, args: str = "") -> Reply:
    """The reply to `/chart [QUERY] [PERIOD]` or `/chart sector NAME [PERIOD]`."""
    lang = services.locale
    latest = services.store.market.latest_date()
    if latest is None:
        return no_closes(lang)
    words = args.split()
    for_sector = bool(words) and words[0].lower() in ("sector", "行業", "行业", "板塊", "板块")
    asked = parse_asked(
        " ".join(words[1:]) if for_sector else args, today=services.today(), latest=latest
    )
    if asked.unread:
        return not_a_day(asked.unread, lang)
    if for_sector:
        return _sector_chart(services, asked, latest)
    if not asked.query:
        return _security_chart(services, INDEX, asked, latest)
    result = services.matcher.match(asked.query, kinds=("security",))
    if only := sole_candidate(result):
        chart = _security_chart(services, only.key, asked, latest)
        return taken_as(label(services, only), chart, services.locale)
    if result.outcome == "ambiguous":
        return did_you_mean(services, result, "chart", asked.suffix)
    if result.outcome == "none" or result.best is None:
        examples = lang._("/chart hsi 1m or /chart tencent 3m")
        return no_match(services, result, "chart", lang._("security"), examples, asked.suffix)
    return _security_chart(services, result.best.key, asked, latest)


def _series(services: Services, ticker: str, start: date, day: date) -> list[Close]:
    """Daily closes from the one the period is measured from, to `day`, each on the share basis
    of the last (a consolidation is no cliff in the line)."""
    base = services.store.market.close_on_or_before(ticker, start)
    closes = services.store.market.history(ticker, base.date if base else start, day)
    return [
        replace(c, close=c.close * factor) if factor != 1.0 else c
        for c, factor in zip(closes, share_basis(closes), strict=True)
    ]


def _drawn_in(lang: Locale) -> Locale:
    """The language of the words inside a picture: the chat's, when a font can draw it."""
    return lang if not lang.chinese or chinese_font() else ENGLISH_LOCALE


def _title(name: str, period: str, day: date, lang: Locale) -> str:
    text = lang._("{name} · {period} to {day}")
    return text.format(name=name, period=period_name(period, lang), day=lang.short_day(day))


def _security_chart(services: Services, ticker: str, asked: Asked, latest: date) -> Reply:
    lang = services.locale
    _ = lang._
    day, note = resolve_session(services, asked.day, latest)
    period = asked.period or DEFAULT_PERIOD
    security = services.store.market.security(ticker)
    if security is None:
        return Reply(_("No security {ticker}.").format(ticker=escape(ticker)))
    series = _series(services, ticker, period_start(day, period), day)
    if not series and services.store.market.first_close(ticker) is None:
        return no_closes_stored(security, lang)
    if len(series) < MIN_POINTS:
        text = _(
            "Not enough history for a {period} chart of {name}: {count} sessions stored. "
            "Try a shorter period, e.g. /chart {ticker} 1w."
        )
        return Reply(
            text.format(
                period=period_name(period, lang),
                name=bold(lang.name(security)),
                count=len(series),
                ticker=escape(ticker),
            )
        )
    name = short_name_in(security, lang) if not security.is_index else lang.name(security)
    drawn = _drawn_in(lang)
    shown = short_name_in(security, drawn) if not security.is_index else drawn.name(security)
    picture = line_chart(
        _title(f"{shown} ({ticker})", period, day, drawn),
        [Line(shown, [c.date for c in series], [c.close for c in series])],
        y_label=drawn._("Points") if security.is_index else "HK$",
        font=chinese_font() if drawn.chinese else None,
    )
    last = series[-1]
    level = price(last.close, index=True) if security.is_index else f"HK${price(last.close)}"
    caption = f"{note}\n" if note else ""
    caption += _("{name} {level} on {day}").format(name=bold(name), level=level, day=lang.day(day))
    found = period_change(services.store, ticker, day, period)
    if found:
        moved = move(found.change, found.pct_change, index=True, lang=lang)
        caption += " · " + _("{period}: {move}").format(
            period=period_name(period, lang), move=moved
        )
    return Reply(caption, photo=picture)


def _sector_chart(services: Services, asked: Asked, latest: date) -> Reply:
    lang = services.locale
    _ = lang._
    result = services.matcher.match(asked.query, kinds=("sector",)) if asked.query else None
    if result is None:
        return Reply(_("Which sector? e.g. /chart sector healthcare 3m"))
    if result.outcome == "none" or result.best is None:
        examples = "/chart sector healthcare"
        return no_match(services, result, "chart sector", _("sector"), examples, asked.suffix)
    if result.outcome == "ambiguous":
        return did_you_mean(services, result, "chart sector", asked.suffix)
    sector = result.best.key
    name = lang.sector(sector)
    day, note = resolve_session(services, asked.day, latest)
    period = asked.period or DEFAULT_PERIOD
    store = services.store
    base = store.market.session_before(period_start(day, period) + timedelta(days=1))
    average = sector_average_series(store.market.sector_closes(sector, base or day, day))
    if average is None or len(average.days) < MIN_POINTS:
        text = _("Not enough history for a {period} chart of {sector}.")
        return Reply(text.format(period=period_name(period, lang), sector=escape(name)))
    drawn = _drawn_in(lang)
    shown = drawn.sector(sector)
    average_line = drawn._("{sector} (average)").format(sector=shown)
    lines = [Line(average_line, average.days, average.values)]
    index = _series(services, INDEX, period_start(day, period), day)
    if len(index) >= MIN_POINTS:
        first = index[0].close
        closes = [c.close / first * 100 for c in index]
        lines.append(Line(drawn._("Hang Seng Index"), [c.date for c in index], closes))
    title = drawn._("{sector}, average of {count} stocks")
    title = title.format(sector=shown, count=average.stocks)
    picture = line_chart(
        _title(title, period, day, drawn) + drawn._(" (start = 100)"),
        lines,
        y_label=drawn._("Start = 100"),
        font=chinese_font() if drawn.chinese else None,
    )
    caption = f"{note}\n" if note else ""
    text = _(
        "{sector}: the average of {count} stocks over {period} to {day}, {move} "
        "(each stock weighted equally)"
    )
    caption += text.format(
        sector=bold(name),
        count=average.stocks,
        period=period_name(period, lang),
        day=lang.day(day),
        move=pct_move(average.values[-1] - 100, lang),
    )
    if len(index) >= MIN_POINTS:
        hsi = _("Hang Seng Index")
        caption += f" · {hsi} {pct_move(lines[1].values[-1] - 100, lang)}"
    return Reply(caption, photo=picture)


@dataclass(frozen=True)
class AverageSeries:
    days: list[date]
    values: list[float]  # the mean of every stock's close rebased to 100 on the first day
    stocks: int


def sector_average_series(closes: list[Close]) -> AverageSeries | None:
    """An equal-weighted line of a sector: every stock that has a close on the first day,
    rebased to 100 there, on its latest share basis; a day a stock did not trade carries its
    last close."""
    if not closes:
        return None
    days = sorted({c.date for c in closes})
    each: dict[str, list[Close]] = {}
    for close in closes:
        each.setdefault(close.ticker, []).append(close)
    by_ticker = {
        ticker: {c.date: c.close * f for c, f in zip(own, share_basis(own), strict=True)}
        for ticker, own in each.items()
    }
    counted = {t: series for t, series in by_ticker.items() if days[0] in series}
    if not counted:
        return None
    totals = [0.0] * len(days)
    for series in counted.values():
        base = last = series[days[0]]
        for position, day in enumerate(days):
            last = series.get(day, last)
            totals[position] += last / base * 100
    return AverageSeries(days, [t / len(counted) for t in totals], len(counted))
