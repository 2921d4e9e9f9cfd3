"""Hong Kong exchange sessions (XHKG): which days trade, and when each day's close is final."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

HONG_KONG = ZoneInfo("Asia/Hong_Kong")
WEEKDAYS = (1, 2, 3, 4, 5)  # Monday to Friday as JobQueue numbers days: from 0 = Sunday
# The closing auction ends at a random moment up to ten minutes after the bell.
AUCTION = timedelta(minutes=10)


CALENDAR_START = "2015-01-01"
REGULAR_BELL = time(16, 0)


def _exchange_calendar() -> Any:
    with warnings.catch_warnings():
        # exchange_calendars still calls pandas APIs that pandas 3 deprecates.
        warnings.simplefilter("ignore")
        import exchange_calendars

        return exchange_calendars.get_calendar("XHKG", start=CALENDAR_START)


@dataclass(frozen=True)
class Sessions:
    """Every session exchange_calendars knows, from 2015 to a year ahead, and when its bell
    rang in Hong Kong: all that the push and the answers ask of the calendar on a trading
    day. Plain data, so a process can read it (`bot.calendar_cache`) instead of importing
    pandas and exchange_calendars and building the calendar again, some 0.6 s."""

    bells: dict[date, time]  # every session: its closing bell (16:00, or 12:00 on a half day)

    @classmethod
    def from_exchange_calendars(cls) -> Sessions:
        calendar = _exchange_calendar()
        closes = calendar.schedule["close"].dt.tz_convert(HONG_KONG)
        return cls({stamp.date(): bell.time() for stamp, bell in closes.items()})

    @cached_property
    def first(self) -> date:
        return min(self.bells)

    @cached_property
    def last(self) -> date:
        return max(self.bells)

    def to_json(self) -> str:
        """Sessions with the regular bell, then the others with theirs: about 40 KB."""
        regular = [day.isoformat() for day, bell in self.bells.items() if bell == REGULAR_BELL]
        others = {
            day.isoformat(): bell.isoformat("minutes")
            for day, bell in self.bells.items()
            if bell != REGULAR_BELL
        }
        return json.dumps({"regular": regular, "others": others}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Sessions:
        """Raises ValueError on text `to_json` did not write."""
        data = json.loads(text)
        if not (
            isinstance(data, dict)
            and isinstance(data.get("regular"), list)
            and isinstance(data.get("others"), dict)
            and all(isinstance(day, str) for day in data["regular"])
            and all(isinstance(bell, str) for bell in data["others"].values())
        ):
            raise ValueError("not a list of sessions")
        bells = dict.fromkeys(map(date.fromisoformat, data["regular"]), REGULAR_BELL)
        bells.update(
            (date.fromisoformat(day), time.fromisoformat(bell))
            for day, bell in data["others"].items()
        )
        if not bells:
            raise ValueError("no sessions")
        return cls(dict(sorted(bells.items())))


class TradingCalendar:
    """The exchange calendar from `exchange_calendars`, loaded on first use (it takes a
    moment): the sessions from `load_sessions` (the caller may keep them between processes),
    the holidays' names from exchange_calendars itself, only when a holiday is asked about."""

    def __init__(
        self, load_sessions: Callable[[], Sessions] = Sessions.from_exchange_calendars
    ) -> None:
        self._load_sessions = load_sessions

    @cached_property
    def _sessions(self) -> Sessions:
        return self._load_sessions()

    @cached_property
    def _calendar(self):  # noqa: ANN202 - exchange_calendars has no public type for this
        return _exchange_calendar()

    def _in_range(self, day: date) -> bool:
        sessions = self._sessions
        return sessions.first <= day <= sessions.last

    def is_session(self, day: date) -> bool:
        if day.weekday() >= 5:  # known without loading the calendar, which takes a moment
            return False
        if not self._in_range(day):
            logger.warning("%s is outside the exchange calendar; assuming weekdays trade", day)
            return day.weekday() < 5
        return day in self._sessions.bells

    def final_close(self, day: date) -> datetime:
        """When the day's closing prices are final: 16:10, or 12:10 on a half day."""
        bell = self._sessions.bells.get(day, REGULAR_BELL) if self._in_range(day) else REGULAR_BELL
        return datetime.combine(day, bell, HONG_KONG) + AUCTION

    def is_half_day(self, day: date) -> bool:
        return self.is_session(day) and self.final_close(day).time() < time(16, 0)

    def holiday_name(self, day: date) -> str | None:
        """The name of the holiday that closes the exchange on a weekday ("Labour Day",
        "Lunar New Year"), or None: a trading day, a weekend, or a closure without a name."""
        if day.weekday() >= 5 or not self._in_range(day) or self.is_session(day):
            return None
        named = self._regular_holidays.get(day)
        if named:
            return named
        for festival, days_after, name in self._festivals:
            if any(day - timedelta(days=n) in festival for n in days_after):
                return name
        return None

    @cached_property
    def _regular_holidays(self) -> dict[date, str]:
        """The fixed-date holidays and their names, as exchange_calendars knows them."""
        calendar = self._calendar
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            names = calendar.regular_holidays.holidays(
                calendar.first_session, calendar.last_session, return_name=True
            )
        return {stamp.date(): str(name) for stamp, name in names.items()}

    @cached_property
    def _festivals(self) -> list[tuple[frozenset[date], range, str]]:
        """The lunar festivals (which exchange_calendars lists without names), each with the
        days after it that its closure can fall on (Lunar New Year runs three days and more; a
        festival on a Sunday is kept on the Monday)."""
        from exchange_calendars import lunisolar_holidays as lunar

        return [
            (frozenset(stamp.date() for stamp in dates), days_after, name)
            for dates, name, days_after in (
                (lunar.chinese_lunar_new_year_dates, "Lunar New Year", range(0, 4)),
                (lunar.qingming_festival_dates, "Ching Ming Festival", range(0, 3)),
                (lunar.chinese_buddhas_birthday_dates, "Buddha's Birthday", range(0, 2)),
                (lunar.dragon_boat_festival_dates, "Tuen Ng Festival", range(0, 2)),
                (lunar.mid_autumn_festival_dates, "the day after Mid-Autumn Festival", range(1, 3)),
                (lunar.double_ninth_festival_dates, "Chung Yeung Festival", range(0, 2)),
            )
        ]

    def next_session(self, day: date) -> date:
        """The first session on or after `day`."""
        while not self.is_session(day):
            day += timedelta(days=1)
        return day


class PushSchedule:
    """When each chat's end-of-day push is due.

    The default time is a setting (16:30 HKT); a chat may choose a later one. On half days the
    default push follows the early close instead of waiting for the afternoon.
    """

    HALF_DAY_DELAY = timedelta(minutes=20)
    EARLIEST = time(16, 10)
    CUT_OFF = time(23, 0)

    def __init__(self, calendar: TradingCalendar, default_time: time = time(16, 30)) -> None:
        self.calendar = calendar
        self.default_time = default_time

    def due_at(self, day: date, push_time: time | None = None) -> datetime:
        close = self.calendar.final_close(day)
        if push_time is None and self.calendar.is_half_day(day):
            return close + self.HALF_DAY_DELAY
        wanted = datetime.combine(day, push_time or self.default_time, HONG_KONG)
        return max(wanted, close)

    def cut_off(self, day: date) -> datetime:
        return datetime.combine(day, self.CUT_OFF, HONG_KONG)

    def next_push(self, now: datetime, push_time: time | None, pushed_today: bool) -> datetime:
        today = now.astimezone(HONG_KONG).date()
        day = self.calendar.next_session(today)
        if day == today and (pushed_today or now >= self.due_at(today, push_time)):
            day = self.calendar.next_session(today + timedelta(days=1))
        return self.due_at(day, push_time)
