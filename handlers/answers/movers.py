"""/movers: the day's biggest gainers and losers."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from handlers.answers.close import resolve_session
from handlers.answers.render import (
    bold,
    escape,
    fit,
    italic,
    percent,
    price,
    shorten,
    shorten_to_columns,
    table,
)
from handlers.answers.reply import Reply, no_closes
from handlers.core.dates import split_trailing_day, zh_number
from handlers.core.figures import ranked_movers, short_name_in
from handlers.core.locale import Locale
from handlers.services import Services
from store import Store
from store.models import Movers, Quote
from store.tickers import BOARD

DEFAULT_COUNT = 5
MAX_COUNT = 20
NAME_WIDTH = 20  # columns of a monospace line: Chinese characters take two each
_SIDES = {
    "gainers": "gainers",
    "gainer": "gainers",
    "up": "gainers",
    "winners": "gainers",
    "升": "gainers",
    "升幅": "gainers",
    "升幅榜": "gainers",
    "漲": "gainers",
    "涨": "gainers",
    "漲幅": "gainers",
    "涨幅": "gainers",
    "漲幅榜": "gainers",
    "涨幅榜": "gainers",
    "losers": "losers",
    "loser": "losers",
    "down": "losers",
    "decliners": "losers",
    "跌": "losers",
    "跌幅": "losers",
    "跌幅榜": "losers",
}


def usage(lang: Locale) -> str:
    return lang._(
        "Usage: /movers [hsi] [all] [number up to 20] [gainers|losers] [date], "
        "e.g. /movers 10 losers, /movers hsi or /movers all"
    )


@dataclass(frozen=True)
class Options:
    count: int = DEFAULT_COUNT
    sides: tuple[str, ...] = ("gainers", "losers")
    everything: bool = False  # "all": no turnover floor
    among: str = BOARD  # whose members are ranked
    problem: str = ""  # a sentence for the user when the words make no sense


def answer_movers(services: Services, args: str = "") -> Reply:
    """The reply to `/movers [all] [N] [gainers|losers] [DATE]`."""
    store, lang = services.store, services.locale
    _ = lang._
    latest = store.market.latest_date()
    if latest is None:
        return no_closes(lang)
    rest, asked_day = split_trailing_day(args, today=services.today(), reference=latest)
    options = _options(rest, lang, indexes=store.market.indexes_with_members())
    if options.problem:
        return Reply(f"{escape(options.problem)}\n{escape(usage(lang))}")
    day, note = resolve_session(services, asked_day, latest)
    floor = 0.0 if options.everything else services.min_turnover
    movers = ranked_movers(store, day, options.count, min_turnover=floor, among=options.among)
    blocks = [note] if note else []
    blocks.append(bold(_("Top movers")) + f" · {lang.day(day)}")
    none = _("None today.")
    if "gainers" in options.sides:
        blocks += ["", "▲ " + bold(_("Gainers")), movers_table(movers.gainers, lang) or none]
    if "losers" in options.sides:
        blocks += ["", "▼ " + bold(_("Losers")), movers_table(movers.losers, lang) or none]
    blocks += ["", universe_line(services, movers, floor)]
    blocks += ["", _("One stock in detail: /close innovent")]
    return Reply(fit(blocks))


def universe_line(services: Services, movers: Movers, floor: float) -> str:
    """What was ranked: "Ranked: the 447 of 493 Hang Seng Composite Index members with a close
    that traded at least HK$10M; 46 left out (/movers all ranks them)."."""
    lang = services.locale
    _ = lang._
    whose = _whose(services.store, movers, lang)
    ranked = movers.counted - movers.left_out
    amount = lang.rounded(floor)
    if not movers.left_out:
        if movers.counted == 1:
            every = _("Ranked: the one {whose} with a close")
        else:
            every = _("Ranked: all {count} {whose} with a close")
        line = every.format(count=movers.counted, whose=escape(whose))
        if floor:
            line += _(", none known to trade under HK${amount}").format(amount=amount)
        return italic(line + _("."))
    text = lang._n(
        "Ranked: the {ranked} of {count} {whose} with a close that traded at least "
        "HK${amount}; {left} left out (/movers all ranks it).",
        "Ranked: the {ranked} of {count} {whose} with a close that traded at least "
        "HK${amount}; {left} left out (/movers all ranks them).",
        movers.left_out,
    )
    return italic(
        text.format(
            ranked=ranked,
            count=movers.counted,
            whose=escape(whose),
            amount=amount,
            left=movers.left_out,
        )
    )


def ranked_among(store: Store, movers: Movers, floor: float, lang: Locale) -> str:
    """The short form for the push: "Among Hang Seng Composite Index members trading at least
    HK$10M"."""
    _ = lang._
    whose = _whose(store, movers, lang)
    if floor:
        among = _("Among {whose} trading at least HK${amount}")
        return escape(among.format(whose=whose, amount=lang.rounded(floor)))
    return escape(_("Among {whose}").format(whose=whose))


def _whose(store: Store, movers: Movers, lang: Locale) -> str:
    universe = movers.universe
    if universe is None:
        return lang._("stocks")
    index = store.market.security(universe.index)
    whose = lang._("{index} members").format(index=lang.name(index) if index else universe.index)
    if universe.as_of > movers.date:
        whose += lang._(" (as listed on {day})").format(day=lang.day(universe.as_of))
    return whose


# The Hang Seng Index and its members as Chinese users name them after /movers.
_INDEX_WORDS = dict.fromkeys(
    ("恒指", "恆指", "恒生指數", "恒生指数", "恒指成份股", "恒指成分股", "恆指成份股"), "HSI"
)
# A count, in digits or Chinese numerals, with or without its measure word: 10, 十隻, 10只.
_COUNT = re.compile(r"(\d{1,6}|[零〇一二兩两三四五六七八九十]{1,3})(?:隻|只|個|个)?")


def _options(text: str, lang: Locale, *, indexes: list[str]) -> Options:
    """What the words after /movers ask for, or the problem with them."""
    options = Options()
    for word in text.lower().split():
        index = _INDEX_WORDS.get(word, word.upper())
        if index in indexes:
            options = replace(options, among=index)
            continue
        if (counted := _COUNT.fullmatch(word)) and (count := zh_number(counted[1])) is not None:
            if not 1 <= count <= MAX_COUNT:
                problem = lang._("I can list 1 to {most} movers, not {count}.")
                return Options(problem=problem.format(most=MAX_COUNT, count=count))
            options = replace(options, count=count)
        elif word in _SIDES:
            options = replace(options, sides=(_SIDES[word],))
        elif word in ("all", "everything", "全部"):
            options = replace(options, everything=True)
        else:
            problem = lang._("I don't understand {word}.")
            return Options(problem=problem.format(word=f"‘{shorten(word, 30)}’"))
    return options


def movers_table(quotes: list[Quote], lang: Locale) -> str:
    rows = [
        (
            shorten_to_columns(short_name_in(q.security, lang), NAME_WIDTH),
            price(q.close.close),
            percent(q.close.pct_change or 0),
        )
        for q in quotes
    ]
    return table(rows, "<>>")
