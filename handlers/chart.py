"""/chart: a picture of a security's (or a sector's) daily closes over a period."""

from __future__ import annotations

import asyncio
from datetime import date

from telegram import Update

from handlers.close import resolve_session
from handlers.drawing import Line, line_chart
from handlers.figures import short_name
from handlers.periods import NAMES, Asked, parse_asked, period_change, period_start
from handlers.render import bold, day_label, escape, move, pct_move, price
from handlers.reply import NO_CLOSES, Reply
from handlers.services import Services
from handlers.suggest import did_you_mean, no_match
from handlers.telegram_io import Context, command, send_reply, services_of
from store.models import Close
from store.tickers import INDEX

DEFAULT_PERIOD = "1m"
MIN_POINTS = 5
MAX_SECTOR_LINES = 12
EXAMPLES = "/chart hsi 1m or /chart tencent 3m"


def answer_chart(services: Services, args: str = "") -> Reply:
    """The reply to `/chart [QUERY] [PERIOD]` or `/chart sector NAME [PERIOD]`."""
    latest = services.store.latest_date()
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
    if result.outcome == "ambiguous":
        return did_you_mean(result, "chart", asked.suffix)
    if result.outcome == "none" or result.best is None:
        return no_match(result, "chart", "security", EXAMPLES, asked.suffix)
    return _security_chart(services, result.best.key, asked, latest)


def _series(services: Services, ticker: str, start: date, day: date) -> list[Close]:
    """Daily closes from the one the period is measured from, to `day`."""
    base = services.store.close_on_or_before(ticker, start)
    return services.store.history(ticker, base.date if base else start, day)


def _title(name: str, period: str, day: date) -> str:
    return f"{name} · {NAMES[period]} to {day.day} {day:%b %Y}"


def _security_chart(services: Services, ticker: str, asked: Asked, latest: date) -> Reply:
    day, note = resolve_session(services, asked.day, latest)
    period = asked.period or DEFAULT_PERIOD
    security = services.store.security(ticker)
    if security is None:
        return Reply(f"No security {escape(ticker)}.")
    series = _series(services, ticker, period_start(day, period), day)
    if len(series) < MIN_POINTS:
        return Reply(
            f"Not enough history for a {NAMES[period]} chart of {bold(security.name)}: "
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
        caption += f" · {NAMES[period]}: {move(found.change, found.pct_change, index=True)}"
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
    start = period_start(day, period)
    stocks = services.store.sector_quotes(sector, day)[:MAX_SECTOR_LINES]
    lines, changes = [], []
    for quote in stocks:
        series = _series(services, quote.security.ticker, start, day)
        if len(series) >= MIN_POINTS:
            base = series[0].close
            values = [c.close / base * 100 for c in series]
            lines.append(Line(short_name(quote.security), [c.date for c in series], values))
            changes.append(values[-1] - 100)
    if not lines:
        return Reply(f"Not enough history for a {NAMES[period]} chart of {escape(sector)}.")
    picture = line_chart(
        _title(f"{sector} stocks", period, day) + " (start = 100)",
        lines,
        y_label="Start = 100",
        annotate_last=False,
    )
    average = sum(changes) / len(changes)
    caption = f"{note}\n" if note else ""
    caption += (
        f"{bold(sector)}: {len(lines)} stocks over {NAMES[period]} to {day_label(day)}, "
        f"average {pct_move(average)}"
    )
    return Reply(caption, photo=picture)


async def chart_command(update: Update, context: Context) -> None:
    """/chart [name] [period]: a picture of the closes; drawn in a thread to keep the bot free."""
    services = services_of(context)
    args = " ".join(context.args or [])
    await send_reply(update, await asyncio.to_thread(answer_chart, services, args))


HANDLERS = [command("chart", chart_command)]
