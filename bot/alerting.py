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

from bot.delivery import (
    BLOCKED,
    FAILED,
    GONE,
    MOVED,
    STOPPED,
    UNSURE,
    ClaimWire,
    Delivery,
    new_owner,
    owner_gone,
    send_parts,
)
from handlers.answers.alerts import fired_message, judge_alerts
from handlers.commands import LOCAL_CHAT
from handlers.core.locale import ENGLISH, locale
from handlers.edge.io import Context, services_of
from handlers.services import Services
from store.ledger import DIED_ON_THE_WIRE, Claim

logger = logging.getLogger(__name__)

CHECK_EVERY = 60  # seconds: loads from another process are noticed within a minute


async def deliver_alerts(
    bot: Bot,
    services: Services,
    day: date,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    stop: asyncio.Event | None = None,
) -> Counter[str]:
    """Judge `day` (a load in another process may not have), then tell every chat whose alert
    is due; returns outcomes counted. An alert shows as fired in /alerts only once Telegram
    confirmed its message; one a stopped sender left on the wire is reported, not told twice."""
    store, outcomes, owner = services.store, Counter[str](), new_owner()
    stop = stop or asyncio.Event()
    judge_alerts(store, day, services.now())
    found = store.ledger.recover_alerts(services.now(), owner_gone)
    for alert_id in found.may_have_arrived:
        logger.warning("alert %s may have arrived: %s", alert_id, DIED_ON_THE_WIRE)
        outcomes[UNSURE] += 1
    for fired_on, alert in store.ledger.due_alerts():
        if stop.is_set():
            break  # the rest stay due for the next start
        if alert.chat_id == LOCAL_CHAT or store.ledger.is_blocked(alert.chat_id):
            continue  # the console shows its own; a blocked chat is told when it comes back
        quote = store.market.quote(alert.ticker, fired_on)
        if quote is None:
            continue
        claim = store.ledger.start_alert(fired_on, alert.id, services.now(), owner)
        if claim is None:
            continue
        lang = locale(store.chats.language(alert.chat_id) or ENGLISH)
        text = fired_message(alert, quote.security, quote.close, lang)
        delivery = await _tell(bot, services, claim, alert.chat_id, text, sleep, stop)
        outcomes[delivery.outcome] += 1
    return outcomes


async def _tell(
    bot: Bot,
    services: Services,
    claim: Claim,
    chat_id: int,
    text: str,
    sleep: Callable[[float], Awaitable[object]],
    stop: asyncio.Event,
) -> Delivery:
    """Send one claimed alert and record how it ended; whatever stops it half-way, the claim
    is given back, or reported if its request was on the wire."""
    store, now = services.store, services.now
    wire = ClaimWire(store.ledger, claim, now)
    try:
        delivery = await send_parts(
            bot, chat_id, [text], sleep=sleep, wire=wire, stopping=stop.is_set
        )
        if delivery.outcome == MOVED and delivery.new_chat_id is not None:
            store.chats.move_chat(chat_id, delivery.new_chat_id)
            chat_id = delivery.new_chat_id
            delivery = await send_parts(
                bot, chat_id, [text], sleep=sleep, wire=wire, stopping=stop.is_set
            )
    except BaseException as error:
        if wire.on_wire:
            store.ledger.finish_alert(claim.day, claim.key, UNSURE, now(), repr(error))
        else:
            store.ledger.release_alert(claim.day, claim.key)
        raise
    if delivery.outcome in (FAILED, STOPPED):
        # The next look, a minute on (or the next start), tries again.
        store.ledger.release_alert(claim.day, claim.key)
    else:
        if delivery.outcome in (BLOCKED, GONE):
            store.ledger.chat_blocked(chat_id, now())  # as a push does
        store.ledger.finish_alert(claim.day, claim.key, delivery.outcome, now(), delivery.reason)
    return delivery


async def alert_job(context: Context) -> None:
    """Look for a newly loaded session and tell whoever's alert it crossed."""
    services = services_of(context)
    day = services.store.market.latest_date()
    if day is None:
        return
    # One round at a time across every sender sharing the store; the others skip theirs.
    with services.store.engine.lock("alerts", wait=False) as held:
        if not held:
            return
        outcomes = await deliver_alerts(context.bot, services, day, stop=context.bot_data.stopping)
    if outcomes:
        logger.info("alerts for %s: %s", day, dict(outcomes))


def schedule_alerts(job_queue: JobQueue) -> None:
    job_queue.run_repeating(alert_job, interval=CHECK_EVERY, first=10, name="alerts")
