"""/chart: a picture of a security's (or a sector's) daily closes over a period."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from handlers.answers.close import resolve_session
from handlers.answers.drawing import Line, line_chart
from handlers.answers.render import bold, day_label, escape, move, pct_move, price
from handlers.answers.reply import NO_CLOSES, Reply
from handlers.answers.suggest import did_you_mean, no_match, sole_candidate
from handlers.answers.understood import taken_as
from handlers.core.figures import short_name
from handlers.core.periods import Asked, parse_asked, period_change, period_name, period_start
from handlers.services import Services
from store.market import share_basis
from store.models import Close
from store.tickers import INDEX

DEFAULT_PERIOD = "1m"
MIN_POINTS = 5
EXAMPLES = "/chart hsi 1m or /chart tencent 3m"


def answer_chart(services: Services, args: str = "") -> Reply:
    """The reply to `/chart [QUERY] [PERIOD]` or `/chart sector NAME [PERIOD]`."""
    latest = services.store.market.latest_date()
    if latest is None:
        return NO_CLOSES
    words = args.split()
    if words and words[0].lower() == "sector":
        asked = parse_asked(" ".join(words[1:]), today=services.today(), latest=latest)
        return _sector_chart(services, asked, latest)
    asked = parse_asked(args, today=services.today(), latest=latest)
    if not asked.query:
        return _security_chart(services, INDEX, asked, latest)
    result = services.matcher.match(asked.query, kinds=("security",))
    if only := sole_candidate(result):
        return taken_as(only.label, _security_chart(services, only.key, asked, latest))
    if result.outcome == "ambiguous":
        return did_you_mean(result, "chart", asked.suffix)
    if result.outcome == "none" or result.best is None:
        return no_match(result, "chart", "security", EXAMPLES, asked.suffix)
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


def _title(name: str, period: str, day: date) -> str:
    return f"{name} · {period_name(period)} to {day.day} {day:%b %Y}"


def _security_chart(services: Services, ticker: str, asked: Asked, latest: date) -> Reply:
    day, note = resolve_session(services, asked.day, latest)
    period = asked.period or DEFAULT_PERIOD
    security = services.store.market.security(ticker)
    if security is None:
        return Reply(f"No security {escape(ticker)}.")
    series = _series(services, ticker, period_start(day, period), day)
    if len(series) < MIN_POINTS:
        return Reply(
            f"Not enough history for a {period_name(period)} chart of {bold(security.name)}: "
            f"{len(series)} sessions stored. Try a shorter period, e.g. /chart {escape(ticker)} 1w."
        )
    name = short_name(security) if not security.is_index else security.name
    picture = line_chart(
        _title(f"{name} ({ticker})", period, day),
        [Line(name, [c.date for c in series], [c.close for c in series])],
        y_label="Points" if security.is_index else "HK$",
    )
    last = series[-1]
    level = price(last.close, index=True) if security.is_index else f"HK${price(last.close)}"
    caption = f"{note}\n" if note else ""
    caption += f"{bold(name)} {level} on {day_label(day)}"
    found = period_change(services.store, ticker, day, period)
    if found:
        caption += f" · {period_name(period)}: {move(found.change, found.pct_change, index=True)}"
    return Reply(caption, photo=picture)


def _sector_chart(services: Services, asked: Asked, latest: date) -> Reply:
    result = services.matcher.match(asked.query, kinds=("sector",)) if asked.query else None
    if result is None or result.outcome == "none" or result.best is None:
        usage = "Which sector? e.g. /chart sector healthcare 3m"
        return (
            Reply(usage)
            if result is None
            else no_match(
                result, "chart sector", "sector", "/chart sector healthcare", asked.suffix
            )
        )
    if result.outcome == "ambiguous":
        return did_you_mean(result, "chart sector", asked.suffix)
    sector = result.best.key
    day, note = resolve_session(services, asked.day, latest)
    period = asked.period or DEFAULT_PERIOD
    store = services.store
    base = store.market.session_before(period_start(day, period) + timedelta(days=1))
    average = sector_average_series(store.market.sector_closes(sector, base or day, day))
    if average is None or len(average.days) < MIN_POINTS:
        return Reply(f"Not enough history for a {period_name(period)} chart of {escape(sector)}.")
    lines = [Line(f"{sector} (average)", average.days, average.values)]
    index = _series(services, INDEX, period_start(day, period), day)
    if len(index) >= MIN_POINTS:
        first = index[0].close
        lines.append(
            Line("Hang Seng Index", [c.date for c in index], [c.close / first * 100 for c in index])
        )
    picture = line_chart(
        _title(f"{sector}, average of {average.stocks} stocks", period, day) + " (start = 100)",
        lines,
        y_label="Start = 100",
    )
    caption = f"{note}\n" if note else ""
    caption += (
        f"{bold(sector)}: the average of {average.stocks} stocks over {period_name(period)} to "
        f"{day_label(day)}, {pct_move(average.values[-1] - 100)} (each stock weighted equally)"
    )
    if len(index) >= MIN_POINTS:
        caption += f" · Hang Seng Index {pct_move(lines[1].values[-1] - 100)}"
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
