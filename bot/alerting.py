"""Alerts told on the close: each load judges its session (`judge_alerts` in
handlers/answers/alerts.py), and the running bot tells each chat whose line was crossed,
exactly once per alert and session, even across restarts and repeated loads."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date

from telegram import Bot
from telegram.ext import JobQueue

from bot.delivery import BLOCKED, FAILED, GONE, MOVED, send_parts
from handlers.answers.alerts import fired_message, judge_alerts
from handlers.commands import LOCAL_CHAT
from handlers.core.locale import ENGLISH, locale
from handlers.edge.io import Context, services_of
from handlers.services import Services

logger = logging.getLogger(__name__)

CHECK_EVERY = 60  # seconds: loads from another process are noticed within a minute


async def deliver_alerts(
    bot: Bot,
    services: Services,
    day: date,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> Counter[str]:
    """Judge `day` (a load in another process may not have), then tell every chat whose alert
    is due; returns outcomes counted."""
    store, outcomes = services.store, Counter[str]()
    judge_alerts(store, day, services.now())
    for fired_on, alert in store.ledger.due_alerts():
        if alert.chat_id == LOCAL_CHAT or store.ledger.is_blocked(alert.chat_id):
            continue  # the console shows its own; a blocked chat is told when it comes back
        quote = store.market.quote(alert.ticker, fired_on)
        if quote is None or not store.ledger.start_alert(fired_on, alert.id, services.now()):
            continue
        lang = locale(store.chats.language(alert.chat_id) or ENGLISH)
        text = fired_message(alert, quote.security, quote.close, lang)
        chat_id = alert.chat_id
        delivery = await send_parts(bot, chat_id, [text], sleep=sleep)
        if delivery.outcome == MOVED and delivery.new_chat_id is not None:
            store.chats.move_chat(chat_id, delivery.new_chat_id)
            chat_id = delivery.new_chat_id
            delivery = await send_parts(bot, chat_id, [text], sleep=sleep)
        if delivery.outcome == FAILED:
            # The next look, a minute on, tries again.
            store.ledger.release_alert(fired_on, alert.id)
        else:
            if delivery.outcome in (BLOCKED, GONE):
                store.ledger.chat_blocked(chat_id, services.now())  # as a push does
            store.ledger.finish_alert(fired_on, alert.id, delivery.outcome, services.now())
        outcomes[delivery.outcome] += 1
    return outcomes


async def alert_job(context: Context) -> None:
    """Look for a newly loaded session and tell whoever's alert it crossed."""
    services = services_of(context)
    day = services.store.market.latest_date()
    if day is None:
        return
    outcomes = await deliver_alerts(context.bot, services, day)
    if outcomes:
        logger.info("alerts for %s: %s", day, dict(outcomes))


def schedule_alerts(job_queue: JobQueue) -> None:
    job_queue.run_repeating(alert_job, interval=CHECK_EVERY, first=10, name="alerts")
