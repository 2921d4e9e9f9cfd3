"""Reading the dates people type after a query: `2025-06-03`, `3 Jun`, `June 3`, `yesterday`."""

from __future__ import annotations

import re
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
STALE_DAYS = 31  # data older than this is a bundle being explored, not today's market
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?(?:\s+(\d{4}))?$")
_MONTH_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(\d{4}))?$")


def _build(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_day(text: str, *, today: date, reference: date | None = None) -> date | None:
    """The date `text` names, or None if it is not a date.

    A day and month without a year means the most recent such day up to today; when the
    store's data ends in an earlier year (`reference`, its latest session), the most recent
    such day up to that session instead, so "3 Jun" finds the data people are looking at.
    """
    text = " ".join(text.lower().replace(",", " ").split())
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    if match := _ISO.match(text):
        return _build(int(match[1]), int(match[2]), int(match[3]))
    day_month = _DAY_MONTH.match(text)
    month_day = _MONTH_DAY.match(text)
    if day_month and day_month[2] in _MONTHS:
        day, month, year = int(day_month[1]), _MONTHS[day_month[2]], day_month[3]
    elif month_day and month_day[1] in _MONTHS:
        day, month, year = int(month_day[2]), _MONTHS[month_day[1]], month_day[3]
    else:
        return None
    if year:
        return _build(int(year), month, day)
    candidate = _latest_up_to(today, month, day)
    stale = reference is not None and (today - reference).days > STALE_DAYS
    if (
        reference is not None
        and stale
        and candidate is not None
        and candidate.year > reference.year
    ):
        candidate = _latest_up_to(reference, month, day)
    return candidate


def _latest_up_to(anchor: date, month: int, day: int) -> date | None:
    candidate = _build(anchor.year, month, day)
    if candidate and candidate > anchor:
        candidate = _build(anchor.year - 1, month, day)
    return candidate


def split_trailing_day(
    args: str, *, today: date, reference: date | None = None
) -> tuple[str, date | None]:
    """Split "innovent 3 jun" into ("innovent", 2025-06-03); the query keeps any non-date words."""
    words = args.split()
    for size in (3, 2, 1):
        if len(words) >= size:
            day = parse_day(" ".join(words[-size:]), today=today, reference=reference)
            if day:
                return " ".join(words[:-size]), day
    return args.strip(), None
