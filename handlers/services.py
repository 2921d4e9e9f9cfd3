"""What every answer needs, passed in explicitly: the store, the matcher and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.match import Matcher
from handlers.sessions import PushSchedule, TradingCalendar
from store import Store

HONG_KONG = ZoneInfo("Asia/Hong_Kong")


def hong_kong_now() -> datetime:
    return datetime.now(HONG_KONG)


@dataclass
class Services:
    """Shared by Telegram handlers, the console and the push job (kept in `bot_data`)."""

    store: Store
    matcher: Matcher
    now: Callable[[], datetime] = field(default=hong_kong_now)
    schedule: PushSchedule = field(default_factory=lambda: PushSchedule(TradingCalendar()))

    @classmethod
    def open(
        cls,
        store: Store,
        now: Callable[[], datetime] = hong_kong_now,
        schedule: PushSchedule | None = None,
    ) -> Services:
        return cls(
            store=store,
            matcher=build_matcher(store),
            now=now,
            schedule=schedule or PushSchedule(TradingCalendar()),
        )

    def today(self) -> date:
        return self.now().date()

    def refresh(self) -> None:
        """Rebuild the matcher after an ingest added or renamed securities."""
        self.matcher = build_matcher(self.store)


def build_matcher(store: Store) -> Matcher:
    return Matcher.from_securities(store.securities(), store.sectors())
