"""The end-of-day push: every subscriber gets the day's close once, on Hong Kong trading days.

Each chat gets the same market part and, if it keeps one, its own watchlist; a push too long
for one message goes out in parts.

Planning loads no subscriber into Python: the calendar is asked once for each push time chats
chose, and the chats due are found in SQL. The day's work is then taken a batch at a time
(`DeliveryLedger.queue_pushes`: a few hundred chats written into the `pushes` ledger as queued,
in one statement) and sent before the next batch is taken, so memory stays the same at any
number of subscribers. A run that comes back for a later time looks only at the times that fell
due since the run before, so it costs what its own chats cost, not what the whole day's do.

Once, where Telegram lets us know, is kept by the `pushes` ledger (store/ledger.py): a chat's
push is claimed, under this run's lease, before the message goes out, so a second run of the
job, or a run after a restart mid-push, skips every chat another run holds or finished. Queued
work is not claimed: a run stopped mid-batch leaves the rest of its batch for the next run. A
claim is given back when a send failed for a passing reason (network, Telegram's 5xx, flood
control beyond our retries) or the run was stopping, so a later run tries again. Each run
first looks for the claims of runs that died: a chat whose request never left is sent again, one
whose request was on its way is reported as "may have arrived", never sent twice.

On SIGTERM (`stop`), no new chat is claimed; the sends in flight get `GRACE` seconds to finish,
then are cut off, and every claim they held is given back or, if on the wire, reported.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from telegram import Bot
from telegram.ext import JobQueue

from bot.delivery import (
    BLOCKED,
    FAILED,
    GONE,
    MOVED,
    PARTIAL,
    REJECTED,
    SENT,
    STOPPED,
    UNSURE,
    ClaimWire,
    Delivery,
    TokenRejected,
    new_owner,
    owner_gone,
    send_parts,
)
from handlers.answers.daily import market_blocks, push_parts
from handlers.core.locale import ENGLISH, locale
from handlers.core.sessions import HONG_KONG, WEEKDAYS
from handlers.edge.io import Context, services_of
from handlers.services import Services
from store.ledger import BEFORE_ANY_CHAT, DIED_ON_THE_WIRE, LEASE
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
ALREADY = "already sent"  # another run claimed or finished the chat first
TRIED_AGAIN = (FAILED, STOPPED, ERROR)  # outcomes a later run tries again
GRACE = 7.0  # seconds the sends in flight get to finish once the run is told to stop
# How the operator's summary counts each outcome.
SUMMARY = {
    "sent": (SENT,),
    "failed": (REJECTED, PARTIAL, UNSURE, ERROR),
    "blocked": (BLOCKED, GONE),
    "left": (FAILED, STOPPED),
}
PROBLEMS_SHOWN = 20  # chats named in the summary, per run
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
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # chat, outcome, why
    held_elsewhere: int = 0  # chats another run, still running, holds
    left_due: int = 0  # chats never taken because the run was stopped
    stopped: bool = False

    def note(self, chat_id: int, delivery: Delivery) -> None:
        self.outcomes[delivery.outcome] += 1
        if delivery.outcome not in (SENT, ALREADY, MOVED) and len(self.problems) < PROBLEMS_SHOWN:
            self.problems.append((chat_id, delivery.outcome, delivery.reason or ""))

    def summary(self) -> dict[str, int]:
        """sent, failed, blocked and left, as the operator reads them."""
        counts = {name: sum(self.outcomes[o] for o in kinds) for name, kinds in SUMMARY.items()}
        counts["left"] += self.left_due
        return counts

    @property
    def complete(self) -> bool:
        """Nothing failed and nothing is left for a later run (chats another run is sending
        are that run's to report)."""
        counts = self.summary()
        return not (counts["failed"] or counts["left"])

    def describe(self) -> str:
        if self.reason:
            return f"{self.day.isoformat()}: no push ({self.reason})"
        if not self.outcomes and not self.left_due and not self.held_elsewhere:
            return f"{self.day.isoformat()}: nobody due"
        line = ", ".join(f"{n:,} {name}" for name, n in self.summary().items())
        lines = [f"{self.day.isoformat()}: {line}"]
        if self.stopped:
            lines.append("stopped before the end: the chats left are sent by the next run")
        if self.held_elsewhere:
            held = self.held_elsewhere
            chats = "1 chat is" if held == 1 else f"{held:,} chats are"
            lines.append(f"{chats} being sent by another run")
        lines += [
            f"  chat {chat}: {outcome}" + (f" ({why})" if why else "")
            for chat, outcome, why in self.problems
        ]
        return "\n".join(lines)


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

    def __init__(
        self, services: Services, plan: PushPlan, size: int = BATCH, owner: str | None = None
    ) -> None:
        self.services, self.plan, self.size = services, plan, size
        self.owner = owner  # whose queued work it is, where several senders share the ledger
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
            self.plan.day,
            self.plan.times,
            self.services.now(),
            after=self._after,
            limit=self.size,
            owner=self.owner,
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
    owner: str = "",
    stopping: Callable[[], bool] = lambda: False,
) -> Delivery:
    """Send one chat its push (one or more messages) once; returns what happened, for the
    report. Whatever stops it half-way (shutdown, a rejected token, a bug), its claim is left
    resolved: given back if nothing left, reported if a request was on its way."""
    store, now = services.store, services.now
    claim = store.ledger.claim_push(day, chat_id, now(), owner or new_owner())
    if claim is None:
        return Delivery(ALREADY)
    wire = ClaimWire(store.ledger, claim, now)
    try:
        delivery = await send_parts(bot, chat_id, parts, sleep=sleep, wire=wire, stopping=stopping)
    except BaseException as error:
        if wire.on_wire:
            why = (
                "stopped mid-request" if isinstance(error, asyncio.CancelledError) else repr(error)
            )
            store.ledger.finish_push(day, chat_id, UNSURE, now(), why)
        else:
            store.ledger.release_push(day, chat_id)
        raise
    if delivery.outcome == MOVED and delivery.new_chat_id is not None:
        store.ledger.release_push(day, chat_id)
        store.chats.move_chat(chat_id, delivery.new_chat_id)
        return await send_push(
            bot,
            services,
            day,
            delivery.new_chat_id,
            parts,
            sleep=sleep,
            owner=claim.owner,
            stopping=stopping,
        )
    if delivery.outcome in (FAILED, STOPPED):
        store.ledger.release_push(day, chat_id)
    else:
        if delivery.outcome in (BLOCKED, GONE):
            store.ledger.chat_blocked(chat_id, now())
        store.ledger.finish_push(day, chat_id, delivery.outcome, now(), delivery.reason)
        if delivery.outcome not in (SENT, BLOCKED, GONE):
            logger.warning(
                "push to chat %s ended %s: %s", chat_id, delivery.outcome, delivery.reason
            )
    return delivery


async def deliver(
    bot: Bot,
    services: Services,
    plan: PushPlan,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    concurrency: int = CONCURRENCY,
    batch_size: int = BATCH,
    stop: asyncio.Event | None = None,
    grace: float = GRACE,
) -> PushReport:
    """Send the day's push to every chat the plan finds due; one failing chat never stops the
    rest. Setting `stop` ends the run within `grace` seconds (see the module's docstring)."""
    report = PushReport(plan.day, reason=plan.reason)
    if plan.reason or not plan.times:
        return report
    store = services.store
    if store.market.quote(INDEX, plan.day) is None:
        report.reason = NO_CLOSES
        return report
    stop = stop or asyncio.Event()
    _recover(services, plan.day, report)
    owner = new_owner()
    work = DayWork(services, plan, batch_size, owner)
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

    async def pause(seconds: float) -> None:
        """Wait as told, or until the run is told to stop."""
        waits = [asyncio.ensure_future(sleep(seconds)), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()

    async def sender() -> None:
        while not stop.is_set() and (due := work.next()) is not None:
            try:
                # Built before the claim: a chat whose message cannot be made stays queued.
                parts = parts_for(due)
                delivery = await send_push(
                    bot,
                    services,
                    plan.day,
                    due.chat_id,
                    parts,
                    sleep=pause,
                    owner=owner,
                    stopping=stop.is_set,
                )
            except TokenRejected:
                raise
            except Exception as error:
                logger.exception("push to chat %s failed unexpectedly", due.chat_id)
                delivery = Delivery(ERROR, reason=repr(error))
            report.note(due.chat_id, delivery)

    await _run_senders(sender, concurrency, stop, grace)
    # Work another sender still holds: the job looks again once its lease is out.
    report.held_elsewhere += store.ledger.queued_elsewhere(plan.day, services.now(), owner)
    if stop.is_set():
        report.stopped = True
        report.left_due = store.ledger.count_due(plan.day, plan.times)
    return report


def _recover(services: Services, day: date, report: PushReport) -> None:
    """Resolve what runs that died left claimed (see `DeliveryLedger.recover_pushes`)."""
    found = services.store.ledger.recover_pushes(day, services.now(), owner_gone)
    report.held_elsewhere = found.held_elsewhere
    if found.taken_again:
        logger.info("%s chats a stopped run had claimed are due again", len(found.taken_again))
    for chat_id in found.may_have_arrived:
        logger.warning("push to chat %s may have arrived: %s", chat_id, DIED_ON_THE_WIRE)
        report.note(chat_id, Delivery(UNSURE, reason=DIED_ON_THE_WIRE))


class _CutOff(Exception):
    """The senders had their grace after a stop and are cut off."""


WATCH_EVERY = 0.05  # seconds between the watchdog's looks at the stop signal


async def _run_senders(
    sender: Callable[[], Coroutine[Any, Any, None]],
    concurrency: int,
    stop: asyncio.Event,
    grace: float,
) -> None:
    """Run the senders until they are done; once `stop` is set, give them `grace` seconds,
    then cut them off (each resolves its claim as it is cancelled). A rejected token ends them
    all at once."""
    running = concurrency

    async def one_sender() -> None:
        nonlocal running
        try:
            await sender()
        finally:
            running -= 1

    async def watchdog() -> None:
        # A look every few milliseconds, not a second task per wait: nothing is left behind
        # when the senders end, whichever way they end.
        clock = asyncio.get_running_loop().time
        deadline: float | None = None
        while running:
            if deadline is None and stop.is_set():
                deadline = clock() + grace
            if deadline is not None and clock() >= deadline:
                raise _CutOff
            await asyncio.sleep(WATCH_EVERY)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(one_sender())
            group.create_task(watchdog())
    except BaseExceptionGroup as errors:
        rejected = errors.subgroup(TokenRejected)
        if rejected is not None:
            raise rejected.exceptions[0] from None
        rest = errors.split(_CutOff)[1]
        if rest is not None:
            raise
        logger.warning("the push was stopped with sends still in flight: they were cut off")


async def push_job(context: Context) -> None:
    """The daily job: push to whoever is due, then come back when someone else will be."""
    services = services_of(context)
    now = services.now()
    since = context.job.data if context.job is not None else None  # set by `_come_back`
    plan = plan_push(services, now, since=since if isinstance(since, datetime) else None)
    report = await deliver(context.bot, services, plan, stop=context.bot_data.stopping)
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
        return
    retry = any(report.outcomes[outcome] for outcome in TRIED_AGAIN) or report.held_elsewhere
    if plan.next_due is not None:
        job_queue.run_once(push_job, plan.next_due, name=LATER, data=None if retry else now)
    elif retry and not report.stopped and now + LEASE <= cut_off:
        # Chats to try again, or held by a run that may have died: look once its lease is out.
        job_queue.run_once(push_job, LEASE, name=LATER)


def schedule_pushes(job_queue: JobQueue) -> None:
    """Look in when each weekday's close is final (12:10 on half days, 16:10 otherwise); holidays
    are checked inside. Also once just after start-up, so a restart after push time still
    delivers: the ledger keeps that from repeating anything.
    """
    for final in (HALF_DAY_FINAL, FULL_DAY_FINAL):
        job_queue.run_daily(push_job, final, days=WEEKDAYS, name=f"push-{final:%H%M}")
    job_queue.run_once(push_job, 5, name="push-catch-up")
