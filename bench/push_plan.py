"""Push planning at 100,000 and 1,000,000 subscribers, nothing sent (issue 18): the time and
memory from the first look at the subscribers until the first batch is queued in the ledger,
and for every run of the day planning and claiming all its chats.

    python -m bench.push_plan DB    # the child: plans the day in DB, prints one JSON line

Each size is a fresh store holding the sample (its 4 June 2025 closes), the subscribers
inserted directly with `executemany`: 3% with a later push time, 2% with a watchlist of one to
three names. The day is planned as the job runs it: at 16:30 for the default time, then at each
later time chats chose. It runs in a child process so its memory is its own: `extra_rss_mb` is
the child's peak resident memory above what it held with the calendar loaded and the store
open, as the running bot holds them.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import time
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from bench.child import python, run_child
from bench.ingest_rate import remove_db
from bench.measure import peak_rss_kb, reset_peak, rss_kb
from bot.push import BATCH, DayWork, plan_push
from handlers.services import HONG_KONG, Services
from store import Store, open_store
from store.models import DuePush
from store.sample import SAMPLE_DAY, load_sample

FIRST_CHAT = 10_000_001
LATER_TIMES = ("17:00", "17:30", "18:00", "20:00", "22:45")
LATER_SHARE = 0.03
WATCHING_SHARE = 0.02
SUBSCRIBED_AT = "2025-06-01T12:00:00+08:00"
FIRST_RUN = clock_time(16, 30)  # the default push time: the day's first run with work


def make_sample_store(path: Path) -> Path:
    """A fresh store file holding the bundled sample, to copy for each size."""
    remove_db(path)
    store = open_store(path)
    try:
        load_sample(store)
    finally:
        store.close()
    return path


def _subscribers(count: int, rng: random.Random) -> Iterator[tuple[int, str, str | None]]:
    for chat_id in range(FIRST_CHAT, FIRST_CHAT + count):
        later = rng.random() < LATER_SHARE
        yield chat_id, SUBSCRIBED_AT, rng.choice(LATER_TIMES) if later else None


def _watchlists(
    count: int, tickers: list[str], rng: random.Random
) -> Iterator[tuple[int, str, str]]:
    for chat_id in range(FIRST_CHAT, FIRST_CHAT + count):
        if rng.random() < WATCHING_SHARE:
            for ticker in rng.sample(tickers, rng.randint(1, 3)):
                yield chat_id, ticker, SUBSCRIBED_AT


def insert_subscribers(db: Path, count: int, seed: int) -> None:
    """`count` active subscribers and some watchlists, written straight into the tables."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db)
    try:
        sql = "SELECT ticker FROM securities WHERE kind = 'stock' ORDER BY ticker"
        tickers = [row[0] for row in conn.execute(sql)]
        with conn:
            conn.executemany(
                "INSERT INTO subscribers (chat_id, subscribed_at, active, push_time) "
                "VALUES (?, ?, 1, ?)",
                _subscribers(count, rng),
            )
            conn.executemany(
                "INSERT INTO watchlist (chat_id, ticker, added_at) VALUES (?, ?, ?)",
                _watchlists(count, tickers, rng),
            )
    finally:
        conn.close()


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class _Senders:
    """What the senders would write before each message (`claim_push`), timed apart from the
    planning: it happens at the sending pace, a chat at a time, as it did before."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.claimed = 0
        self.seconds = 0.0

    def claim(self, day: date, due: DuePush) -> None:
        started = time.perf_counter()
        claim = self.services.store.ledger.claim_push(day, due.chat_id, self.services.now())
        self.claimed += claim is not None
        self.seconds += time.perf_counter() - started

    def claim_all(self, work: DayWork) -> None:
        """Take the rest of the run's work, each chat claimed as it is taken."""
        while (due := work.next()) is not None:
            self.claim(work.plan.day, due)


def _extra_mb(before_kb: int | None) -> float:
    peak = peak_rss_kb()
    if peak is None or before_kb is None:
        return float("nan")
    return round(max(peak - before_kb, 0) / 1024, 1)


def plan_the_day(store: Store, day: date) -> dict[str, Any]:
    """Plan and take every run of `day` as the push job would, sending nothing."""
    clock = _Clock(datetime.combine(day, FIRST_RUN, HONG_KONG))
    services = Services(store, now=clock)
    services.schedule.calendar.final_close(day)  # the calendar loaded, as the running bot has it
    senders = _Senders(services)
    peak_reset = reset_peak()
    before = rss_kb()
    started = time.perf_counter()
    plan = plan_push(services, clock())
    work = DayWork(services, plan)
    due = work.next()  # the first batch queued: sending could start
    first = {"seconds": round(time.perf_counter() - started, 3), "extra_rss_mb": _extra_mb(before)}
    if due is not None:
        senders.claim(day, due)
    senders.claim_all(work)
    runs = 1
    while plan.next_due is not None:
        # The job's come-back: every chat then due was taken, so only the later times are new.
        since, clock.now = clock.now, plan.next_due
        plan = plan_push(services, clock.now, since=since)
        senders.claim_all(DayWork(services, plan))
        runs += 1
    seconds = time.perf_counter() - started
    whole = {
        "seconds": round(seconds - senders.seconds, 3),
        "extra_rss_mb": _extra_mb(before),
        "runs": runs,
        "chats": senders.claimed,
        "claims_seconds": round(senders.seconds, 3),
        "claim_us": round(senders.seconds / max(senders.claimed, 1) * 1e6, 1),
    }
    return {"batch": BATCH, "first_batch": first, "whole_day": whole, "peak_reset": peak_reset}


def measure_size(sample: Path, work: Path, count: int, seed: int) -> dict[str, Any]:
    """One size: a copy of the sample store, `count` subscribers, the day planned in a child."""
    db = work / f"push-plan-{count}.db"
    shutil.copyfile(sample, db)
    started = time.perf_counter()
    insert_subscribers(db, count, seed)
    inserted_s = time.perf_counter() - started
    try:
        run = run_child(python("-m", "bench.push_plan", str(db)))
    finally:
        remove_db(db)
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    return {"subscribers": count, "insert_s": round(inserted_s, 2), **figures}


def push_planning(
    work: Path, sizes: Sequence[int], seed: int, sample: Path | None = None
) -> dict[str, Any]:
    """Every size's figures, on one copy of the sample: of `sample` when given (a store file
    holding the bundled sample), else loaded here."""
    work.mkdir(parents=True, exist_ok=True)
    copy = work / "push-plan-sample.db"
    if sample is None:
        sample = make_sample_store(copy)
    else:
        remove_db(copy)
        shutil.copyfile(sample, copy)
        sample = copy
    try:
        return {"sizes": [measure_size(sample, work, count, seed) for count in sizes]}
    finally:
        remove_db(sample)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db")
    parser.add_argument("--date", type=date.fromisoformat, default=SAMPLE_DAY)
    args = parser.parse_args(argv)
    store = open_store(args.db)
    try:
        print(json.dumps(plan_the_day(store, args.date)), flush=True)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
