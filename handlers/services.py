"""What every answer needs, passed in explicitly: the store, the matcher and the clock."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date, datetime
from typing import Any

from handlers.match import Matcher
from handlers.sessions import HONG_KONG, PushSchedule, TradingCalendar
from store import Store

DEFAULT_MIN_TURNOVER = 10_000_000.0  # HK dollars a stock must trade in a day to rank in /movers


def hong_kong_now() -> datetime:
    return datetime.now(HONG_KONG)


_MISSING = object()


class Services:
    """Shared by Telegram handlers, the console and the push job (kept in `bot_data`)."""

    def __init__(
        self,
        store: Store,
        now: Callable[[], datetime] = hong_kong_now,
        schedule: PushSchedule | None = None,
        admin_ids: frozenset[int] = frozenset(),
        min_turnover: float = DEFAULT_MIN_TURNOVER,
    ) -> None:
        self.store = store
        self.now = now
        self.schedule = schedule or PushSchedule(TradingCalendar())
        self.admin_ids = admin_ids
        self.min_turnover = min_turnover
        self._matcher = build_matcher(store)
        self._matcher_version = store.securities_version()
        self._memo: dict[Hashable, Any] = {}

    @property
    def matcher(self) -> Matcher:
        """The fuzzy index, rebuilt when an ingest in any process has changed securities."""
        version = self.store.securities_version()
        if version != self._matcher_version:
            self._matcher = build_matcher(self.store)
            self._matcher_version = version
            self._memo.clear()
        return self._matcher

    def remember(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """A value derived from the securities, made once until an ingest changes them."""
        self.matcher  # noqa: B018 - notices a newer securities version and clears the memo
        value = self._memo.get(key, _MISSING)
        if value is _MISSING:
            value = self._memo[key] = make()
        return value

    def today(self) -> date:
        return self.now().date()

    def is_operator(self, *ids: int | None) -> bool:
        """Whether any of these chat or user ids is allowed to load data."""
        return any(i in self.admin_ids for i in ids if i is not None)


def build_matcher(store: Store) -> Matcher:
    return Matcher.from_securities(store.securities(), store.sectors())
