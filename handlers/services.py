"""What every answer needs, passed in explicitly: the store, the matcher and the clock."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from handlers.core.locale import ENGLISH_LOCALE, Locale
from handlers.core.match import Matcher
from handlers.core.sessions import HONG_KONG, PushSchedule, TradingCalendar
from store import Store

DEFAULT_MIN_TURNOVER = 10_000_000.0  # HK dollars a stock must trade in a day to rank in /movers


def hong_kong_now() -> datetime:
    return datetime.now(HONG_KONG)


def build_matcher(store: Store) -> Matcher:
    return Matcher.from_securities(store.market.securities(), store.market.sectors())


@dataclass(frozen=True)
class Names:
    """The matcher over one version of the securities, and what answers derive from them."""

    version: int
    matcher: Matcher
    derived: dict[Hashable, Any] = field(default_factory=dict)


class NameIndex:
    """The current `Names`, swapped whole when `refresh` finds the securities changed.

    The matcher is built when first needed, not on opening: `ask "/close"` or a push never
    pays for matching 2,700 names. Reading never touches the database after that; `refresh`
    does, and is called where securities can change: after a load in this process, by the
    running bot's minute job for loads made elsewhere, and by the console before each line.
    Readers on other threads see the old names or the new, never half of either.
    """

    def __init__(self, store: Store, names: Names | None = None) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._names = names
        self.refresh()  # names given for another version of the securities are not kept

    @property
    def current(self) -> Names:
        names = self._names
        if names is None:
            with self._lock:
                if self._names is None:
                    version = self._store.market.securities_version()
                    self._names = Names(version, build_matcher(self._store))
                names = self._names
        return names

    def refresh(self) -> bool:
        """Rebuild when another load changed the securities; True if it did. Names not built
        yet are left to their first use, which reads the securities as they are then."""
        if self._names is None:
            return False
        version = self._store.market.securities_version()
        if version == self._names.version:
            return False
        with self._lock:
            if self._names is not None and version != self._names.version:
                self._names = Names(version, build_matcher(self._store))
        return True


@dataclass(frozen=True)
class Services:
    """Shared by Telegram handlers, the console and the push job (kept in `bot_data`)."""

    store: Store
    now: Callable[[], datetime] = hong_kong_now
    schedule: PushSchedule = field(default_factory=lambda: PushSchedule(TradingCalendar()))
    admin_ids: frozenset[int] = frozenset()
    min_turnover: float = DEFAULT_MIN_TURNOVER
    # Names already built for this store's securities (a copy of a database, say), saving the
    # matcher's build; checked against the store's version of the securities before use.
    known_names: Names | None = field(default=None, repr=False, compare=False)
    # The language of the reply being written: each answer is given the asking chat's, and
    # whether the chat chose it (/lang, --lang) or it was only guessed (Telegram's
    # language_code), in which case a question written in Chinese is answered in Chinese.
    locale: Locale = ENGLISH_LOCALE
    locale_chosen: bool = False
    names: NameIndex = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", NameIndex(self.store, self.known_names))

    def speaking(self, locale: Locale, *, chosen: bool = False) -> Services:
        """The same services, writing replies in `locale`: shares the store and the names."""
        if locale == self.locale and chosen == self.locale_chosen:
            return self
        other = copy.copy(self)
        object.__setattr__(other, "locale", locale)
        object.__setattr__(other, "locale_chosen", chosen)
        return other

    @property
    def matcher(self) -> Matcher:
        return self.names.current.matcher

    def remember(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """A value derived from the securities, made once per version of them."""
        derived = self.names.current.derived
        if key not in derived:
            derived[key] = make()
        return derived[key]

    def today(self) -> date:
        return self.now().date()

    def is_operator(self, *ids: int | None) -> bool:
        """Whether any of these chat or user ids is allowed to load data."""
        return any(i in self.admin_ids for i in ids if i is not None)
