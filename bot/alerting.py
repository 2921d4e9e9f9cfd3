"""Alerts judged on the close: once a session's closes are in, tell each chat whose line was
crossed, exactly once per alert and session, even across restarts and repeated loads."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from datetime import date

from telegram import Bot
from telegram.ext import JobQueue

from bot.delivery import BLOCKED, FAILED, GONE, MOVED, send_parts
from handlers.alerts import fired_message, triggered
from handlers.commands import LOCAL_CHAT
from handlers.services import Services
from handlers.telegram_io import Context, services_of
from store import Store
from store.models import Alert, Quote
from store.tickers import INDEX

logger = logging.getLogger(__name__)

CHECK_EVERY = 60  # seconds: loads from another process are noticed within a minute


def fired_alerts(store: Store, day: date) -> list[tuple[Alert, Quote]]:
    """The alerts whose line the day's close crossed and that have not been told yet.

    Nothing is judged until the day's index close is in: never on half a day.
    """
    if store.quote(INDEX, day) is None:
        return []
    fired = []
    for alert in store.alerts_to_judge(day):
        if alert.chat_id == LOCAL_CHAT or store.is_blocked(alert.chat_id):
            continue
        quote = store.quote(alert.ticker, day)
        if quote is not None and triggered(alert, quote.close):
            fired.append((alert, quote))
    return fired


async def deliver_alerts(
    bot: Bot,
    services: Services,
    day: date,
    *,
    sleep: Callable[[float], object] = asyncio.sleep,
) -> Counter[str]:
    """Claim each fired alert in the ledger, then tell its chat; returns outcomes counted."""
    store, outcomes = services.store, Counter[str]()
    for alert, quote in fired_alerts(store, day):
        if not store.claim_alert(day, alert, services.now()):
            continue
        text = fired_message(alert, quote.security, quote.close)
        chat_id = alert.chat_id
        delivery = await send_parts(bot, chat_id, [text], sleep=sleep)
        if delivery.outcome == MOVED and delivery.new_chat_id is not None:
            store.move_chat(chat_id, delivery.new_chat_id)
            chat_id = delivery.new_chat_id
            delivery = await send_parts(bot, chat_id, [text], sleep=sleep)
        if delivery.outcome == FAILED:
            store.release_alert(day, alert)  # the next look, a minute on, tries again
        else:
            if delivery.outcome in (BLOCKED, GONE):
                # Like a push: the chat's lists stay; deliveries stop until it talks to us again.
                store.block_chat(chat_id, services.now())
            store.finish_alert(day, alert.id, delivery.outcome, services.now())
        outcomes[delivery.outcome] += 1
    return outcomes


async def alert_job(context: Context) -> None:
    """Look for a newly loaded session and tell whoever's alert it crossed."""
    services = services_of(context)
    day = services.store.latest_date()
    if day is None:
        return
    outcomes = await deliver_alerts(context.bot, services, day)
    if outcomes:
        logger.info("alerts for %s: %s", day, dict(outcomes))


def schedule_alerts(job_queue: JobQueue) -> None:
    job_queue.run_repeating(alert_job, interval=CHECK_EVERY, first=10, name="alerts")
