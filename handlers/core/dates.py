"""Reading the dates people write, in English or Chinese: `2025-06-03`, `3 Jun`, `June 3`,
`3/6` (day first, as Hong Kong writes it), `6月3日`, `yesterday`, `尋日`, `last Friday`, `上星期五`.

`parse_day` reads text that is a date and nothing else (the words after a command);
`find_day` finds one inside a sentence ("how did xiaomi do on 3/6") and hands back the rest.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, timedelta

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ]
    )
    for name in names
}
# 星期一 … 星期六, and 星期日 / 星期天 for Sunday.
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_ZH_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
STALE_DAYS = 31  # data older than this is a bundle being explored, not today's market

_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_WORD = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_FULL_WEEKDAY = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_ZH_NUMBER = "[0-9零〇一二兩两三四五六七八九十]{1,4}"
_ZH_WEEK = "(?:星期|禮拜|礼拜|週|周)"

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?(?:\s+(\d{4}))?$")
_MONTH_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(\d{4}))?$")


def _build(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _stale(today: date, reference: date | None) -> bool:
    return reference is not None and (today - reference).days > STALE_DAYS


def anchor(today: date, reference: date | None) -> date:
    """The day "today" means: today, unless the stored data ended long ago (a bundle being
    explored), when it is the latest stored session (`reference`)."""
    return reference if reference is not None and _stale(today, reference) else today


def zh_number(text: str) -> int | None:
    """ "3", "三", "十二", "二十一", "兩" as a number (up to 99), or None."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _ZH_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _ZH_DIGITS[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if "十" in units or len(tens) > 1 or len(units) > 1:
        return None
    return (_ZH_DIGITS[tens] if tens else 1) * 10 + (_ZH_DIGITS[units] if units else 0)


def _yearless(month: int, day: int, year: str | None, today: date, reference: date | None):
    """A day and month, with the year if given; without one, the most recent such day up to
    today, or up to the latest session when the data ended in an earlier year."""
    if year:
        number = int(year)
        return _build(number + 2000 if number < 100 else number, month, day)
    candidate = _latest_up_to(today, month, day)
    if (
        reference is not None
        and _stale(today, reference)
        and candidate is not None
        and candidate.year > reference.year
    ):
        candidate = _latest_up_to(reference, month, day)
    return candidate


def _latest_up_to(base: date, month: int, day: int) -> date | None:
    candidate = _build(base.year, month, day)
    if candidate and candidate > base:
        candidate = _build(base.year - 1, month, day)
    return candidate


def _weekday_on_or_before(base: date, weekday: int) -> date:
    return base - timedelta(days=(base.weekday() - weekday) % 7)


def _weekday_before(base: date, weekday: int) -> date:
    return base - timedelta(days=(base.weekday() - weekday - 1) % 7 + 1)


# Each form: a pattern and how a match becomes a day, given (match, today, reference).
_Reader = Callable[[re.Match[str], date, date | None], date | None]


def _relative(days: int) -> _Reader:
    return lambda m, today, reference: anchor(today, reference) - timedelta(days=days)


def _iso(m: re.Match[str], today: date, reference: date | None) -> date | None:
    return _build(int(m["y"]), int(m["m"]), int(m["d"]))


def _numeric(m: re.Match[str], today: date, reference: date | None) -> date | None:
    """4/6 and 4/6/2025: day first, as Hong Kong writes it."""
    return _yearless(int(m["m"]), int(m["d"]), m["y"], today, reference)


def _named_month(m: re.Match[str], today: date, reference: date | None) -> date | None:
    return _yearless(_MONTHS[m["mon"]], int(m["d"]), m["y"], today, reference)


def _chinese(m: re.Match[str], today: date, reference: date | None) -> date | None:
    month, day = zh_number(m["m"]), zh_number(m["d"])
    if month is None or day is None:
        return None
    return _yearless(month, day, m["y"], today, reference)


_EN_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "日": 1, "天": 1, "星期": 7, "禮拜": 7}
_UNIT_DAYS |= {"礼拜": 7, "週": 7, "周": 7}


def _ago(m: re.Match[str], today: date, reference: date | None) -> date | None:
    """ "2 weeks ago", "三日前", "一個月前": that many days, weeks or months before today."""
    count = _EN_COUNTS.get(m["n"]) or zh_number(m["n"])
    if count is None or count > 3660:
        return None
    base = anchor(today, reference)
    if m["unit"].startswith("month") or m["unit"] == "月":
        months = base.year * 12 + base.month - 1 - count
        year, month = divmod(months, 12)
        if year < 1:
            return None
        return date(year, month + 1, min(base.day, calendar.monthrange(year, month + 1)[1]))
    return base - timedelta(days=count * _UNIT_DAYS[m["unit"]])


def _last_weekday(m: re.Match[str], today: date, reference: date | None) -> date:
    return _weekday_before(anchor(today, reference), _WEEKDAYS[m["wd"]])


def _weekday(m: re.Match[str], today: date, reference: date | None) -> date:
    return _weekday_on_or_before(anchor(today, reference), _WEEKDAYS[m["wd"]])


def _zh_last_week(m: re.Match[str], today: date, reference: date | None) -> date:
    """上星期五: that day of the week before this one."""
    base = anchor(today, reference)
    monday = base - timedelta(days=base.weekday() + 7)
    return monday + timedelta(days=_ZH_WEEKDAYS[m["wd"]])


def _zh_weekday(m: re.Match[str], today: date, reference: date | None) -> date:
    return _weekday_on_or_before(anchor(today, reference), _ZH_WEEKDAYS[m["wd"]])


_LATIN = r"(?<![a-z0-9])"  # a Latin-letter form starts a word…
_END = r"(?![a-z0-9])"  # …and ends one
_FORMS: tuple[tuple[re.Pattern[str], _Reader], ...] = (
    (re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"), _iso),
    (
        re.compile(
            r"(?:(?P<y>\d{4})\s*年\s*)?(?P<m>"
            + _ZH_NUMBER
            + r")\s*月\s*(?P<d>"
            + _ZH_NUMBER
            + r")\s*[日號号]?"
        ),
        _chinese,
    ),
    (
        re.compile(r"(?<![\d.])(?P<d>\d{1,2})/(?P<m>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?![\d/])"),
        _numeric,
    ),
    (
        re.compile(r"(?<![\d.])(?P<d>\d{1,2})[.-](?P<m>\d{1,2})[.-](?P<y>\d{4})(?!\d)"),
        _numeric,
    ),
    (
        re.compile(
            _LATIN
            + r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>"
            + _MONTH_WORD
            + r")\.?(?:,?\s+(?P<y>\d{4}))?"
            + _END
        ),
        _named_month,
    ),
    (
        re.compile(
            _LATIN + r"(?P<mon>" + _MONTH_WORD + r")\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?"
            r"(?:,?\s+(?P<y>\d{4}))?" + _END
        ),
        _named_month,
    ),
    (re.compile(_LATIN + r"(?:the\s+)?day\s+before\s+yesterday" + _END), _relative(2)),
    (re.compile(_LATIN + r"(?:today|tonight|this\s+evening)" + _END), _relative(0)),
    (re.compile(_LATIN + r"yesterday" + _END), _relative(1)),
    (re.compile(_LATIN + r"last\s+(?P<wd>" + _WEEKDAY_WORD + r")" + _END), _last_weekday),
    (re.compile(_LATIN + r"(?:on\s+)?(?P<wd>" + _FULL_WEEKDAY + r")" + _END), _weekday),
    (
        re.compile(
            _LATIN + r"(?P<n>\d{1,4}|an?|one|two|three|four|five|six)\s+(?P<unit>days?|weeks?"
            r"|months?)\s+ago" + _END
        ),
        _ago,
    ),
    (
        re.compile(
            r"(?P<n>[0-9零〇一二兩两三四五六七八九十]{1,4})\s*(?:個|个)?\s*(?P<unit>日|天|星期|禮拜"
            r"|礼拜|週|周|月)\s*(?:之)?前"
        ),
        _ago,
    ),
    (re.compile(r"前日|前天"), _relative(2)),
    (re.compile(r"今日|今天|今晚"), _relative(0)),
    (re.compile(r"尋日|寻日|琴日|昨日|昨天|噚日"), _relative(1)),
    (re.compile(r"上(?:個|个)?" + _ZH_WEEK + r"(?P<wd>[一二三四五六日天])"), _zh_last_week),
    (re.compile(r"(?:今|這|这|呢個|本)?" + _ZH_WEEK + r"(?P<wd>[一二三四五六日天])"), _zh_weekday),
)


def _read(text: str) -> str:
    return " ".join(text.lower().replace(",", " , ").split()).replace(" , ", ", ")


def parse_day(text: str, *, today: date, reference: date | None = None) -> date | None:
    """The date `text` names, or None if it is not a date and nothing else.

    A day and month without a year means the most recent such day up to today; when the
    store's data ends in an earlier year (`reference`, its latest session), the most recent
    such day up to that session instead, so "3 Jun" finds the data people are looking at.
    "Today", "yesterday" and "last Friday" count from the same day.
    """
    text = _read(text).strip(" ,")
    for pattern, reader in _FORMS:
        match = pattern.fullmatch(text)
        if match:
            return reader(match, today, reference)
    return None


def find_day(text: str, *, today: date, reference: date | None = None) -> tuple[str, date | None]:
    """The first date written anywhere in `text`, and the text without it: "how did xiaomi do
    on 3/6" → ("how did xiaomi do on", 2025-06-03). A form that is no real day ("31/2") is
    left in the text."""
    lowered = text.lower()
    found: list[tuple[int, int, date]] = []
    for pattern, reader in _FORMS:
        for match in pattern.finditer(lowered):
            day = reader(match, today, reference)
            if day is not None:
                found.append((match.start(), match.end(), day))
                break
    if not found:
        return text.strip(), None
    # The longest form wins where forms overlap ("2025年6月4日" over "今日" is no clash, but
    # "6月4日" holds "4日"): the earliest, then the longest.
    start, end, day = min(found, key=lambda f: (f[0], -(f[1] - f[0])))
    return " ".join((text[:start] + " " + text[end:]).split()), day


def split_trailing_day(
    args: str, *, today: date, reference: date | None = None
) -> tuple[str, date | None]:
    """Split "innovent 3 jun" into ("innovent", 2025-06-03); the query keeps any non-date words."""
    words = args.split()
    for size in (4, 3, 2, 1):
        if len(words) >= size:
            day = parse_day(" ".join(words[-size:]), today=today, reference=reference)
            if day:
                return " ".join(words[:-size]), day
    return args.strip(), None
