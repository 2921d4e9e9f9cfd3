"""Opening the services a command needs, without Telegram: `ask` and the console use them too."""

from __future__ import annotations

import logging

from bot.calendar_cache import cached_sessions, default_folder
from bot.config import Settings
from handlers.core.sessions import PushSchedule, TradingCalendar
from handlers.services import Services
from store import open_store
from store.db import shown_url
from store.sample import ensure_data

logger = logging.getLogger(__name__)

__all__ = ["services_from"]


def services_from(settings: Settings, *, sample_if_empty: bool = False) -> Services:
    """Open the store named by the settings, with the push schedule and operators they give;
    an empty store gets the bundled sample day when asked (the console and `ask`)."""
    store = open_store(settings.db_path)
    if sample_if_empty and (report := ensure_data(store)):
        logger.info("empty database: loaded the bundled sample (%s)", report.describe())
    elif not store.market.has_closes():
        shown = shown_url(settings.db_path)
        logger.warning("%s has no closes: load them with `python -m bot ingest`", shown)
    calendar = TradingCalendar(cached_sessions(default_folder()))
    schedule = PushSchedule(calendar, settings.push_time)
    return Services(
        store,
        schedule=schedule,
        admin_ids=settings.admin_ids,
        min_turnover=settings.movers_min_turnover,
    )
