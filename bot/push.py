"""The end-of-day push: every subscriber gets the day's close once, on Hong Kong trading days.

Each chat gets the same market part and, if it keeps one, its own watchlist; a push too long
for one message goes out in parts.

At most once is guaranteed by the `pushes` ledger: a chat's push is claimed in the database
before the message goes out, so a second run of the job, or a run after a restart mid-push,
skips every chat already claimed. A claim is given back only when a send failed for a passing
reason (network, flood control beyond our retries), so a later run can try again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from telegram import Bot
from telegram.ext import JobQueue

from bot.delivery import BLOCKED, FAILED, GONE, MOVED, send_parts
from handlers.answers.daily import market_blocks, push_parts
from handlers.core.sessions import HONG_KONG, WEEKDAYS
from handlers.edge.io import Context, services_of
from handlers.services import Services
from store.models import Subscriber
from store.tickers import INDEX

logger = logging.getLogger(__name__)

RECHECK = timedelta(minutes=5)  # while the day's closes are not in yet
# Sends in flight: enough to keep 30 a second going at Telegram's round trip (up to ~250 ms);
# more only makes the HTTP pool work harder. The rate limiter keeps the pace.
CONCURRENCY = 8
HALF_DAY_FINAL = time(12, 10, tzinfo=HONG_KONG)
FULL_DAY_FINAL = time(16, 10, tzinfo=HONG_KONG)
LATER = "push-later"
NO_CLOSES = "the day's closes are not in the store yet"


@dataclass
class PushPlan:
    """What the job should do now for `day`."""

    day: date
    reason: str = ""  # why nothing is sent at all
    due: list[Subscriber] = field(default_factory=list)
    next_due: datetime | None = None  # the next later time a subscriber wants it today


@dataclass
class PushReport:
    day: date
    outcomes: Counter[str] = field(default_factory=Counter)
    reason: str = ""

    def describe(self) -> str:
        if self.reason:
            return f"{self.day.isoformat()}: no push ({self.reason})"
        parts = ", ".join(f"{n} {status}" for status, n in sorted(self.outcomes.items()))
        return f"{self.day.isoformat()}: {parts or 'nobody due'}"


def plan_push(
    services: Services, now: datetime, *, day: date | None = None, everyone: bool = False
) -> PushPlan:
    """Decide from the calendar, the store and the ledger who is due a push right now.

    `everyone` (the operator's manual push) ignores each chat's chosen time, not the ledger.
    """
    now = now.astimezone(HONG_KONG)
    day = day or now.date()
    schedule = services.schedule
    if not schedule.calendar.is_session(day):
        return PushPlan(day, reason="not a Hong Kong trading day")
    if now < schedule.calendar.final_close(day) and not everyone:
        return PushPlan(day, reason="the market has not closed yet")
    if services.store.market.quote(INDEX, day) is None:
        return PushPlan(day, reason=NO_CLOSES)
    claimed = services.store.ledger.pushes(day)
    plan = PushPlan(day)
    for subscriber in services.store.chats.active_subscribers():
        if subscriber.chat_id in claimed:
            continue
        chosen = time.fromisoformat(subscriber.push_time) if subscriber.push_time else None
        due = schedule.due_at(day, chosen)
        if everyone or due <= now:
            plan.due.append(subscriber)
        elif plan.next_due is None or due < plan.next_due:
            plan.next_due = due
    return plan


async def send_push(
    bot: Bot,
    services: Services,
    day: date,
    chat_id: int,
    parts: Sequence[str],
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> str:
    """Send one chat its push (one or more messages) at most once; returns what happened, for
    the report."""
    store, now = services.store, services.now
    if not store.ledger.claim_push(day, chat_id, now()):
        return "already sent"
    delivery = await send_parts(bot, chat_id, parts, sleep=sleep)
    if delivery.outcome == MOVED and delivery.new_chat_id is not None:
        store.ledger.release_push(day, chat_id)
        store.chats.move_chat(chat_id, delivery.new_chat_id)
        await send_push(bot, services, day, delivery.new_chat_id, parts, sleep=sleep)
    elif delivery.outcome == FAILED:
        store.ledger.release_push(day, chat_id)
    else:
        if delivery.outcome in (BLOCKED, GONE):
            store.ledger.chat_blocked(chat_id, now())
        store.ledger.finish_push(day, chat_id, delivery.outcome, now())
    return delivery.outcome


async def deliver(
    bot: Bot,
    services: Services,
    plan: PushPlan,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    concurrency: int = CONCURRENCY,
) -> PushReport:
    """Send the day's push to every chat in the plan; one failing chat never stops the rest."""
    report = PushReport(plan.day, reason=plan.reason)
    if plan.reason or not plan.due:
        return report
    store = services.store
    market = market_blocks(store, plan.day, min_turnover=services.min_turnover)
    if market is None:
        report.reason = NO_CLOSES
        return report
    gate = asyncio.Semaphore(concurrency)
    # Most chats keep no watchlist and get the very same messages: make those once.
    watching = store.chats.watching_chats()
    shared = push_parts(store, plan.day, None, market=market)

    async def one(chat_id: int) -> None:
        async with gate:
            try:
                # Built before the claim: a chat whose message cannot be made is not claimed.
                parts = (
                    push_parts(store, plan.day, chat_id, market=market)
                    if chat_id in watching
                    else shared
                )
                outcome = await send_push(bot, services, plan.day, chat_id, parts, sleep=sleep)
            except Exception:
                logger.exception("push to chat %s failed unexpectedly", chat_id)
                outcome = "error"
            report.outcomes[outcome] += 1

    # A task group, not gather: if the process is stopped mid-push, chats not yet claimed are
    # left unclaimed for the next run instead of being claimed and never sent.
    async with asyncio.TaskGroup() as group:
        for subscriber in plan.due:
            group.create_task(one(subscriber.chat_id))
    return report


async def push_job(context: Context) -> None:
    """The daily job: push to whoever is due, then come back when someone else will be."""
    services = services_of(context)
    now = services.now()
    plan = plan_push(services, now)
    report = await deliver(context.bot, services, plan)
    logger.info("daily push %s", report.describe())
    if context.job_queue is not None:
        _come_back(context.job_queue, services, plan, now)


def _come_back(job_queue: JobQueue, services: Services, plan: PushPlan, now: datetime) -> None:
    """Schedule the next run today: a re-check while the closes are missing, or a later time."""
    for job in job_queue.get_jobs_by_name(LATER):
        job.schedule_removal()
    cut_off = services.schedule.cut_off(plan.day)
    if plan.reason == NO_CLOSES:
        if now + RECHECK <= cut_off:
            job_queue.run_once(push_job, RECHECK, name=LATER)
        else:
            logger.warning("no closes for %s by the cut-off: today's push is skipped", plan.day)
    elif plan.next_due is not None:
        job_queue.run_once(push_job, plan.next_due, name=LATER)


def schedule_pushes(job_queue: JobQueue) -> None:
    """Look in when each weekday's close is final (12:10 on half days, 16:10 otherwise); holidays
    are checked inside. Also once just after start-up, so a restart after push time still
    delivers: the ledger keeps that from repeating anything.
    """
    for final in (HALF_DAY_FINAL, FULL_DAY_FINAL):
        job_queue.run_daily(push_job, final, days=WEEKDAYS, name=f"push-{final:%H%M}")
    job_queue.run_once(push_job, 5, name="push-catch-up")
