"""The end-of-day push: every subscriber gets the day's close once, on Hong Kong trading days.

Each chat gets the same market part and, if it keeps one, its own watchlist; a push too long
for one message goes out in parts.

Planning loads no subscriber into Python: the calendar is asked once for each push time chats
chose, and the chats due are found in SQL. The day's work is then taken a batch at a time
(`DeliveryLedger.queue_pushes`: a few hundred chats written into the `pushes` ledger as queued,
in one statement) and sent before the next batch is taken, so memory stays the same at any
number of subscribers. A run that comes back for a later time looks only at the times that fell
due since the run before, so it costs what its own chats cost, not what the whole day's do.

At most once is guaranteed by the `pushes` ledger: a chat's push is claimed in the database
before the message goes out, so a second run of the job, or a run after a restart mid-push,
skips every chat already claimed. Queued work is not claimed: a run stopped mid-batch leaves
the rest of its batch for the next run. A claim is given back only when a send failed for a
passing reason (network, flood control beyond our retries), so a later run can try again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from telegram import Bot
from telegram.ext import JobQueue

from bot.delivery import BLOCKED, FAILED, GONE, MOVED, send_parts
from handlers.answers.daily import market_blocks, push_parts
from handlers.core.locale import ENGLISH, locale
from handlers.core.sessions import HONG_KONG, WEEKDAYS
from handlers.edge.io import Context, services_of
from handlers.services import Services
from store.ledger import BEFORE_ANY_CHAT
from store.models import DuePush
from store.tickers import INDEX

logger = logging.getLogger(__name__)

RECHECK = timedelta(minutes=5)  # while the day's closes are not in yet
# Sends in flight: enough to keep 30 a second going at Telegram's round trip (up to ~250 ms);
# more only makes the HTTP pool work harder. The rate limiter keeps the pace.
CONCURRENCY = 8
# Chats taken from the ledger at once: one statement each, and all the push holds in memory.
BATCH = 500
HALF_DAY_FINAL = time(12, 10, tzinfo=HONG_KONG)
FULL_DAY_FINAL = time(16, 10, tzinfo=HONG_KONG)
LATER = "push-later"
ERROR = "error"  # something unexpected: the chat's push was not built, or its send broke
TRIED_AGAIN = (FAILED, ERROR)  # outcomes a later run tries again
NO_CLOSES = "the day's closes are not in the store yet"


@dataclass
class PushPlan:
    """What the job should do now for `day`: push to the chats whose chosen time is due."""

    day: date
    reason: str = ""  # why nothing is sent at all
    times: frozenset[str | None] = frozenset()  # the push times due now (None: the default)
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
    services: Services,
    now: datetime,
    *,
    day: date | None = None,
    everyone: bool = False,
    since: datetime | None = None,
) -> PushPlan:
    """Decide from the calendar and the store which push times are due right now; the chats
    due at them are found a batch at a time (`DayWork`), minus those the ledger has.

    The calendar is asked once per push time chats chose, never once per chat. `everyone` (the
    operator's manual push) ignores each chat's chosen time, not the ledger. `since` is when a
    run before this one took every chat then due and none needs trying again: only the times
    that fell due after it are looked at.
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
    times: set[str | None] = set()
    next_due: datetime | None = None
    for chosen in services.store.chats.push_times():
        due = schedule.due_at(day, time.fromisoformat(chosen) if chosen else None)
        if everyone or (due <= now and (since is None or due > since)):
            times.add(chosen)
        elif due > now and (next_due is None or due < next_due):
            next_due = due
    return PushPlan(day, times=frozenset(times), next_due=next_due)


def due_batches(services: Services, plan: PushPlan, size: int = BATCH) -> Iterator[list[DuePush]]:
    """The chats the plan would send to, `size` at a time, without taking any (the dry run)."""
    after = BEFORE_ANY_CHAT
    while batch := services.store.ledger.due_pushes(plan.day, plan.times, after=after, limit=size):
        yield batch
        after = batch[-1].chat_id


class DayWork:
    """The plan's chats, queued in the ledger a batch at a time as the senders run out.

    Holds one batch: the next is taken only when the last chat of this one has gone to a
    sender.
    """

    def __init__(self, services: Services, plan: PushPlan, size: int = BATCH) -> None:
        self.services, self.plan, self.size = services, plan, size
        self._batch: deque[DuePush] = deque()
        self._after = BEFORE_ANY_CHAT
        self._exhausted = not plan.times

    def next(self) -> DuePush | None:
        """The next chat to push to; None when the day's work is all taken."""
        if not self._batch and not self._exhausted:
            self._take_batch()
        return self._batch.popleft() if self._batch else None

    def _take_batch(self) -> None:
        batch = self.services.store.ledger.queue_pushes(
            self.plan.day, self.plan.times, self.services.now(), after=self._after, limit=self.size
        )
        # A short batch is the last: the walk by chat id reached the end of the subscribers.
        self._exhausted = len(batch) < self.size
        if batch:
            self._after = batch[-1].chat_id
        self._batch.extend(batch)


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
    batch_size: int = BATCH,
) -> PushReport:
    """Send the day's push to every chat the plan finds due; one failing chat never stops the
    rest."""
    report = PushReport(plan.day, reason=plan.reason)
    if plan.reason or not plan.times:
        return report
    store = services.store
    if store.market.quote(INDEX, plan.day) is None:
        report.reason = NO_CLOSES
        return report
    work = DayWork(services, plan, batch_size)
    # Most chats keep no watchlist and get the very same messages as every other chat in
    # their language: make those once per language.
    markets: dict[str, list[str]] = {}
    shared: dict[str, list[str]] = {}

    def parts_for(due: DuePush) -> list[str]:
        code = store.chats.language(due.chat_id) or ENGLISH
        lang = locale(code)
        if code not in markets:
            market = market_blocks(store, plan.day, lang, min_turnover=services.min_turnover)
            markets[code] = market or []
            shared[code] = push_parts(store, plan.day, None, lang=lang, market=markets[code])
        if not due.watching:
            return shared[code]
        return push_parts(store, plan.day, due.chat_id, lang=lang, market=markets[code])

    async def sender() -> None:
        while (due := work.next()) is not None:
            try:
                # Built before the claim: a chat whose message cannot be made stays queued.
                parts = parts_for(due)
                outcome = await send_push(bot, services, plan.day, due.chat_id, parts, sleep=sleep)
            except Exception:
                logger.exception("push to chat %s failed unexpectedly", due.chat_id)
                outcome = ERROR
            report.outcomes[outcome] += 1

    # A task group, not gather: if the process is stopped mid-push, the senders stop with it
    # and the chats not yet claimed stay queued for the next run.
    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(sender())
    return report


async def push_job(context: Context) -> None:
    """The daily job: push to whoever is due, then come back when someone else will be."""
    services = services_of(context)
    now = services.now()
    since = context.job.data if context.job is not None else None  # set by `_come_back`
    plan = plan_push(services, now, since=since if isinstance(since, datetime) else None)
    report = await deliver(context.bot, services, plan)
    logger.info("daily push %s", report.describe())
    if context.job_queue is not None:
        _come_back(context.job_queue, services, plan, report, now)


def _come_back(
    job_queue: JobQueue, services: Services, plan: PushPlan, report: PushReport, now: datetime
) -> None:
    """Schedule the next run today: a re-check while the closes are missing, or a later time.

    The later run looks only at the times that fall due after this one, unless a chat here is
    to be tried again: then it looks at every time due.
    """
    for job in job_queue.get_jobs_by_name(LATER):
        job.schedule_removal()
    cut_off = services.schedule.cut_off(plan.day)
    if plan.reason == NO_CLOSES:
        if now + RECHECK <= cut_off:
            job_queue.run_once(push_job, RECHECK, name=LATER)
        else:
            logger.warning("no closes for %s by the cut-off: today's push is skipped", plan.day)
    elif plan.next_due is not None:
        retry = any(report.outcomes[outcome] for outcome in TRIED_AGAIN)
        job_queue.run_once(push_job, plan.next_due, name=LATER, data=None if retry else now)


def schedule_pushes(job_queue: JobQueue) -> None:
    """Look in when each weekday's close is final (12:10 on half days, 16:10 otherwise); holidays
    are checked inside. Also once just after start-up, so a restart after push time still
    delivers: the ledger keeps that from repeating anything.
    """
    for final in (HALF_DAY_FINAL, FULL_DAY_FINAL):
        job_queue.run_daily(push_job, final, days=WEEKDAYS, name=f"push-{final:%H%M}")
    job_queue.run_once(push_job, 5, name="push-catch-up")
