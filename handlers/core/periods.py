"""Changes over a period (a week, a month, the year so far…) from the store's history.

A period is written as a code: a number and a unit (`30d`, `2w`, `3m`, `5y`) or `ytd`. People
write them many ways ("3 months", "this year", 三個月, 年初至今); `parse_period` reads a period
and nothing else, `find_period` finds one inside a sentence.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.core.dates import parse_day, split_trailing_day, zh_number
from store import Store

PERIODS = ("1w", "1m", "3m", "6m", "ytd", "1y")  # the usual ones, as /help and examples offer
YEAR_TO_DATE = "ytd"
_UNITS = {"d": ("day", 3660), "w": ("week", 520), "m": ("month", 120), "y": ("year", 20)}
_CODE = re.compile(r"^(\d{1,4})([dwmy])$")
# How dates are written (2025-06-03, 2025/6/3, 3/6, 3/6/2025, 6月3日), whether or not the day
# is real; never a decimal number ("1.5").
_DATE_SHAPED = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/]\d{1,2}(?:[-/]\d{2,4})?"
    r"|(?:\d{4}年)?\d{1,2}月\d{1,2}[日號号]"
)
_ALIASES = {
    "week": "1w",
    "month": "1m",
    "year": "1y",
    "12m": "1y",
    "52w": "1y",
    "year to date": YEAR_TO_DATE,
    "this year": YEAR_TO_DATE,
    "so far this year": YEAR_TO_DATE,
    "half a year": "6m",
    "half year": "6m",
}
_EN_UNITS = {
    "d": "d", "day": "d", "days": "d",
    "w": "w", "wk": "w", "wks": "w", "week": "w", "weeks": "w",
    "m": "m", "mo": "m", "mos": "m", "mth": "m", "mths": "m", "month": "m", "months": "m",
    "y": "y", "yr": "y", "yrs": "y", "year": "y", "years": "y",
}  # fmt: skip
_EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_EN_NUMBERS |= {"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12}
_ZH_UNITS = {"星期": "w", "禮拜": "w", "礼拜": "w", "週": "w", "周": "w", "月": "m", "年": "y"}
_ZH_UNITS |= {"天": "d", "日": "d"}
_EN_NUMBER = "|".join(sorted(_EN_NUMBERS, key=len, reverse=True))
_EN_UNIT = "|".join(sorted(_EN_UNITS, key=len, reverse=True))
# Written out, a number and its unit are words of their own: "two weeks", never "and" (an d).
_EN_UNIT_WORD = "|".join(sorted((u for u in _EN_UNITS if len(u) > 2), key=len, reverse=True))
_PERIOD_FORMS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (
        re.compile(
            r"(?<![a-z0-9])(?:ytd|year[\s-]+to[\s-]+date|(?:so\s+far\s+)?this\s+year"
            r"(?:\s+so\s+far)?)(?![a-z0-9])"
        ),
        YEAR_TO_DATE,
    ),
    (re.compile(r"年初至今|年初到今|今年以來|今年以来|今年"), YEAR_TO_DATE),
    (re.compile(r"半年"), "6m"),
    # This week or month, or the last one: the week or month to today.
    (re.compile(r"(?<![a-z0-9])(?:this|last|past)\s+week(?![a-z0-9])"), "1w"),
    (re.compile(r"(?<![a-z0-9])(?:this|last|past)\s+month(?![a-z0-9])"), "1m"),
    (re.compile(r"(?:本|今個|呢個|這個|这个|這|这|上個|上个|上)(?:星期|禮拜|礼拜|週|周)"), "1w"),
    (re.compile(r"(?:本|今個|呢個|這個|这个|上個|上个)月"), "1m"),
    (re.compile(r"(?<![a-z0-9])half\s+(?:a\s+)?year(?![a-z0-9])"), "6m"),
    (
        re.compile(r"(?<![a-z0-9.])(?P<n>\d{1,4})[\s-]*(?P<unit>" + _EN_UNIT + r")(?![a-z0-9])"),
        None,
    ),
    (
        re.compile(
            r"(?<![a-z0-9.])(?P<n>" + _EN_NUMBER + r")[\s-]+(?P<unit>" + _EN_UNIT_WORD + r")"
            r"(?![a-z0-9])"
        ),
        None,
    ),
    (
        re.compile(
            r"(?<![a-z0-9])(?:past|last|over\s+the\s+(?:past|last))\s+(?P<unit>week|month"
            r"|year)(?![a-z0-9])"
        ),
        None,
    ),
    # 三個月, 一年, 兩星期, 30天, 過去30日; a day count in 日 only after 過去/近 or before 來,
    # since "4日" alone is the 4th of the month.
    (
        re.compile(
            r"(?P<n>[0-9零〇一二兩两三四五六七八九十]{1,4})\s*(?:個|个)?\s*"
            r"(?P<unit>星期|禮拜|礼拜|週|周|月|年|天)"
        ),
        None,
    ),
    (
        re.compile(
            r"(?:過去|过去|近|最近)\s*(?P<n>[0-9零〇一二兩两三四五六七八九十]{1,4})\s*"
            r"(?P<unit>日)"
        ),
        None,
    ),
)


def period_code(number: int, unit: str) -> str | None:
    """ "3m" for (3, "m"), within what the store could ever hold; the year as "1y"."""
    if unit == "w" and number == 52:
        number, unit = 1, "y"
    if unit == "m" and number % 12 == 0 and number:
        number, unit = number // 12, "y"
    if not 1 <= number <= _UNITS[unit][1]:
        return None
    return f"{number}{unit}"


def period_name(period: str) -> str:
    """ "1 week", "3 months", "30 days", "year to date"."""
    if period == YEAR_TO_DATE:
        return "year to date"
    number, unit = int(period[:-1]), _UNITS[period[-1]][0]
    return f"{number} {unit}" + ("" if number == 1 else "s")


def parse_period(word: str) -> str | None:
    """The period `word` is ("1m", "ytd", "30d", "3 months", "今年"), or None."""
    word = " ".join(word.strip().lower().split())
    word = _ALIASES.get(word, word)
    if word == YEAR_TO_DATE:
        return word
    if match := _CODE.match(word):
        return period_code(int(match[1]), match[2])
    rest, found = find_period(word)
    return found if found and not rest else None


def _from_match(match: re.Match[str], fixed: str | None) -> str | None:
    if fixed:
        return fixed
    groups = match.groupdict()
    written = groups.get("n") or "1"
    number = _EN_NUMBERS.get(written) or zh_number(written)
    unit = _EN_UNITS.get(groups["unit"]) or _ZH_UNITS.get(groups["unit"])
    if number is None or unit is None:
        return None
    return period_code(number, unit)


def find_period(text: str) -> tuple[str, str | None]:
    """The first period written anywhere in `text`, and the text without it: "xiaomi 3 months"
    → ("xiaomi", "3m"). Find dates first: "6月4日" holds no period, but "6月" looks like one."""
    lowered = text.lower()
    found: list[tuple[int, int, str]] = []
    for pattern, fixed in _PERIOD_FORMS:
        for match in pattern.finditer(lowered):
            period = _from_match(match, fixed)
            if period:
                found.append((match.start(), match.end(), period))
                break
    if not found:
        return text.strip(), None
    start, end, period = min(found, key=lambda f: (f[0], -(f[1] - f[0])))
    return " ".join((text[:start] + " " + text[end:]).split()), period


def split_trailing_period(args: str) -> tuple[str, str | None]:
    """ "innovent 1m" → ("innovent", "1m"); "innovent 3 months" → ("innovent", "3m")."""
    words = args.split()
    for size in (2, 1):
        if len(words) >= size and (period := parse_period(" ".join(words[-size:]))):
            return " ".join(words[:-size]), period
    return args.strip(), None


def _months_back(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_start(day: date, period: str) -> date:
    """The day whose close the period change is measured from."""
    if period == YEAR_TO_DATE:
        return date(day.year - 1, 12, 31)
    number, unit = int(period[:-1]), period[-1]
    if unit == "d":
        return day - timedelta(days=number)
    if unit == "w":
        return day - timedelta(days=7 * number)
    return _months_back(day, number * (12 if unit == "y" else 1))


@dataclass(frozen=True)
class PeriodChange:
    period: str
    since: date
    base: float
    close: float

    @property
    def change(self) -> float:
        return self.close - self.base

    @property
    def pct_change(self) -> float:
        return self.change / self.base * 100


def period_change(store: Store, ticker: str, day: date, period: str) -> PeriodChange | None:
    """The change over `period` up to `day`, or None when the history does not reach back."""
    current = store.market.quote(ticker, day)
    first = store.market.first_close(ticker)
    start = period_start(day, period)
    if current is None or first is None or first.date > start:
        return None
    base = store.market.close_on_or_before(ticker, start)
    if base is None:
        return None
    # On today's share basis: a consolidation in between is not a tenfold gain.
    basis = math.prod(ratio for _, ratio in store.market.capital_changes(ticker, base.date, day))
    return PeriodChange(period, base.date, base.close * basis, current.close.close)


@dataclass(frozen=True)
class Asked:
    """A query with the day and period that may follow it: "innovent 3 jun 1m"."""

    query: str
    day: date | None = None
    period: str | None = None
    # A last word written like a date or a period that names none ("2025-02-30", "31/2",
    # "9999d"): taken for part of a name, it would only find no security.
    unread: str | None = None

    @property
    def suffix(self) -> str:
        """The day and period again, for buttons that answer the same question for a choice."""
        return " ".join(p for p in (self.day.isoformat() if self.day else "", self.period) if p)


def parse_asked(args: str, *, today: date, latest: date) -> Asked:
    rest, period = split_trailing_period(args)
    rest, day = split_trailing_day(rest, today=today, reference=latest)
    if period is None:
        rest, period = split_trailing_period(rest)
    words = rest.split()
    last = words[-1] if words else ""
    shaped = _DATE_SHAPED.fullmatch(last) or _CODE.match(last.lower())
    # Only a word that is no day or period on its own: a second good date is not "unreadable".
    if shaped and parse_period(last) is None and parse_day(last, today=today) is None:
        return Asked(" ".join(words[:-1]), day, period, unread=last)
    return Asked(rest, day, period)
