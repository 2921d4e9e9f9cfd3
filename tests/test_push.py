"""The end-of-day push: trading days only, after the close, each chat at most once a day."""

from __future__ import annotations

import asyncio
import weakref
from datetime import date, datetime, timedelta

import httpx
import pytest
from telegram.error import ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.push import BATCH, CONCURRENCY, NO_CLOSES, deliver, due_batches, plan_push
from handlers.answers.render import html_to_text
from handlers.answers.subscribe import answer_status, answer_subscribe, answer_unsubscribe
from handlers.core.sessions import PushSchedule, TradingCalendar
from handlers.services import HONG_KONG, Services
from store import ingest

JUNE_4 = date(2025, 6, 4)


@pytest.fixture(scope="session")
def calendar() -> TradingCalendar:
    return TradingCalendar()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 6, 4, 16, 30, tzinfo=HONG_KONG)

    def set(self, *args: int) -> None:
        self.now = datetime(*args, tzinfo=HONG_KONG)

    def __call__(self) -> datetime:
        return self.now


class Crash(SystemExit):
    """The process dying mid-push."""


class FakeBot:
    """Delivers into a list; can be told to fail a chat's next sends with given errors."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.failures: dict[int, list[BaseException]] = {}
        self.crash_after: int | None = None

    def fail(self, chat_id: int, *errors: BaseException) -> None:
        self.failures.setdefault(chat_id, []).extend(errors)

    async def send_message(self, chat_id: int, text: str, parse_mode: str) -> None:
        assert parse_mode == "HTML"
        await asyncio.sleep(0)  # a real send waits on the network
        queued = self.failures.get(chat_id)
        if queued:
            raise queued.pop(0)
        self.sent.append((chat_id, text))
        if self.crash_after is not None and len(self.sent) >= self.crash_after:
            raise Crash  # delivered, then died before the ledger said so

    def received(self, chat_id: int) -> int:
        return sum(1 for chat, _ in self.sent if chat == chat_id)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def push_services(store, sample_names, clock, calendar) -> Services:
    return Services(store, now=clock, schedule=PushSchedule(calendar), known_names=sample_names)


@pytest.fixture
def bot() -> FakeBot:
    return FakeBot()


class Sleeps(list):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def unreachable() -> NetworkError:
    """A send that never left: the connection to Telegram could not be made."""
    error = NetworkError("httpx.ConnectError: connection refused")
    error.__cause__ = httpx.ConnectError("connection refused")
    return error


def cut_mid_request() -> NetworkError:
    """A send that may have arrived: the line broke while waiting for the answer."""
    error = NetworkError("httpx.ReadError: connection reset")
    error.__cause__ = httpx.ReadError("connection reset")
    return error


async def run_push(services, bot, **kwargs):
    plan = plan_push(services, services.now())
    return await deliver(bot, services, plan, sleep=kwargs.pop("sleep", Sleeps()), **kwargs)


def due_chats(services, plan) -> list[int]:
    return [due.chat_id for batch in due_batches(services, plan) for due in batch]


def subscribe(services, *chat_ids: int, push_time: str | None = None) -> None:
    for chat_id in chat_ids:
        services.store.chats.subscribe(chat_id, services.now() - timedelta(days=1), push_time)


async def test_a_weekday_session_pushes_the_close_to_every_subscriber(push_services, bot):
    subscribe(push_services, 1, 2, 3)
    report = await run_push(push_services, bot)
    assert report.outcomes == {"sent": 3}
    assert sorted(chat for chat, _ in bot.sent) == [1, 2, 3]
    text = bot.sent[0][1]
    assert "Wed 4 Jun 2025" in text and "23,654.03" in text and "+141.54 (+0.60%)" in text
    assert "Breadth of its 83 members: 55 up · 24 down · 4 unchanged" in text
    # The Composite Index's best and worst of the day among stocks that traded HK$10M.
    assert "CGN Mining" in text and "+28.31%" in text
    assert "Nagacorp" in text and "-4.52%" in text
    assert "Hang Seng gains 0.6%" in text and "/summary" in text and "/sector" in text


@pytest.mark.parametrize(
    ("moment", "reason"),
    [
        ((2025, 6, 7, 16, 30), "not a Hong Kong trading day"),  # Saturday
        ((2025, 12, 25, 16, 30), "not a Hong Kong trading day"),  # Christmas Day
        ((2025, 6, 5, 16, 30), NO_CLOSES),  # a session whose closes are not loaded
        ((2025, 6, 4, 15, 0), "the market has not closed yet"),
    ],
)
async def test_no_push_on_weekends_holidays_missing_data_or_before_the_close(
    push_services, bot, clock, moment, reason
):
    subscribe(push_services, 1)
    clock.set(*moment)
    report = await run_push(push_services, bot)
    assert report.reason == reason
    assert bot.sent == []


async def test_a_half_day_pushes_after_its_early_close(push_services, bot, clock, write_file):
    path = write_file("eve.csv", "date,ticker,close,prev_close\n2025-12-24,HSI,25818.93,25774.14\n")
    ingest(push_services.store, path, today=date(2025, 12, 24))
    subscribe(push_services, 1)
    clock.set(2025, 12, 24, 12, 5)
    assert (await run_push(push_services, bot)).reason == "the market has not closed yet"
    clock.set(2025, 12, 24, 12, 30)
    report = await run_push(push_services, bot)
    assert report.outcomes == {"sent": 1}
    assert "Wed 24 Dec 2025" in bot.sent[0][1]


async def test_a_chat_with_a_later_time_waits_for_it(push_services, bot, clock):
    subscribe(push_services, 1)
    subscribe(push_services, 2, push_time="17:00")
    plan = plan_push(push_services, clock())
    assert due_chats(push_services, plan) == [1]
    assert plan.next_due == datetime(2025, 6, 4, 17, 0, tzinfo=HONG_KONG)
    await deliver(bot, push_services, plan)
    clock.set(2025, 6, 4, 17, 0)
    await run_push(push_services, bot)
    assert (bot.received(1), bot.received(2)) == (1, 1)


async def test_running_the_push_twice_sends_nobody_a_second_message(push_services, bot):
    subscribe(push_services, *range(1, 11))
    await run_push(push_services, bot)
    second = await run_push(push_services, bot)
    assert second.outcomes == {}
    assert all(bot.received(chat) == 1 for chat in range(1, 11))
    assert len(bot.sent) == 10


def test_a_crash_half_way_then_a_restart_gives_everyone_exactly_one(push_services, bot):
    subscribe(push_services, *range(1, 11))
    bot.crash_after = 5
    # SystemExit leaves the event loop at once, as a killed process would: nothing after it runs.
    dying = asyncio.new_event_loop()
    with pytest.raises(Crash):
        dying.run_until_complete(run_push(push_services, bot, concurrency=1))
    dying.close()
    assert len(bot.sent) == 5
    bot.crash_after = None
    asyncio.run(run_push(push_services, bot))
    assert [bot.received(chat) for chat in range(1, 11)] == [1] * 10


def test_a_rerun_after_a_crash_mid_batch_sends_only_to_the_rest_each_once(push_services, bot):
    subscribe(push_services, *range(1, 21))
    bot.crash_after = 7  # in the second batch of five: chats 8 to 10 were queued, not sent
    dying = asyncio.new_event_loop()
    with pytest.raises(Crash):
        dying.run_until_complete(run_push(push_services, bot, concurrency=1, batch_size=5))
    dying.close()
    ledger = push_services.store.ledger.pushes(JUNE_4)
    assert sorted(chat for chat, status in ledger.items() if status != "queued") == [*range(1, 8)]
    assert sorted(chat for chat, status in ledger.items() if status == "queued") == [8, 9, 10]
    bot.sent.clear()
    bot.crash_after = None
    report = asyncio.run(run_push(push_services, bot, batch_size=5))
    assert report.outcomes == {"sent": 13}
    assert sorted(chat for chat, _ in bot.sent) == [*range(8, 21)]


async def test_two_runs_at_once_send_each_chat_one_push(push_services, bot):
    subscribe(push_services, *range(1, 31))
    first, second = await asyncio.gather(
        run_push(push_services, bot, batch_size=4), run_push(push_services, bot, batch_size=7)
    )
    assert first.outcomes["sent"] + second.outcomes["sent"] == 30
    assert [bot.received(chat) for chat in range(1, 31)] == [1] * 30


async def test_planning_asks_the_calendar_once_per_push_time_not_per_chat(
    push_services, clock, monkeypatch
):
    subscribe(push_services, *range(1, 11))
    subscribe(push_services, *range(11, 21), push_time="17:00")
    subscribe(push_services, *range(21, 31), push_time="18:00")
    schedule = push_services.schedule
    asked: list[object] = []

    def due_at(day, push_time=None):
        asked.append(push_time)
        return PushSchedule.due_at(schedule, day, push_time)

    monkeypatch.setattr(schedule, "due_at", due_at)
    clock.set(2025, 6, 4, 17, 30)
    plan = plan_push(push_services, clock())
    assert sorted(map(str, asked)) == ["17:00:00", "18:00:00", "None"]
    assert due_chats(push_services, plan) == [*range(1, 21)]
    assert plan.next_due == datetime(2025, 6, 4, 18, 0, tzinfo=HONG_KONG)


def test_a_later_run_looks_only_at_the_times_due_since_the_run_before(push_services, clock):
    subscribe(push_services, 1)
    subscribe(push_services, 2, push_time="17:00")
    subscribe(push_services, 3, push_time="18:00")
    clock.set(2025, 6, 4, 17, 0)
    since = datetime(2025, 6, 4, 16, 30, tzinfo=HONG_KONG)
    later = plan_push(push_services, clock(), since=since)
    assert later.times == {"17:00"} and due_chats(push_services, later) == [2]
    assert later.next_due == datetime(2025, 6, 4, 18, 0, tzinfo=HONG_KONG)
    every = plan_push(push_services, clock())  # the run before is not known to have taken all
    assert every.times == {None, "17:00"} and due_chats(push_services, every) == [1, 2]


async def test_a_push_to_5000_chats_holds_one_batch_at_a_time(push_services, monkeypatch):
    subscribe(push_services, *range(1, 5001))
    ledger = push_services.store.ledger
    batches: list[int] = []
    alive: weakref.WeakSet = weakref.WeakSet()  # every chat taken from the ledger, while held
    queue = ledger.queue_pushes

    def counted(*args, **kwargs):
        batch = queue(*args, **kwargs)
        batches.append(len(batch))
        alive.update(batch)
        return batch

    monkeypatch.setattr(ledger, "queue_pushes", counted)

    class Counting(FakeBot):
        def __init__(self) -> None:
            super().__init__()
            self.held: list[int] = []  # chats in memory at each send

        async def send_message(self, chat_id: int, text: str, parse_mode: str) -> None:
            self.held.append(len(alive))
            await super().send_message(chat_id, text, parse_mode)

    bot = Counting()
    report = await run_push(push_services, bot)
    assert report.outcomes == {"sent": 5000}
    assert batches == [BATCH] * 10 + [0]
    # One batch, and the few chats still being sent from the one before.
    assert max(bot.held) <= BATCH + CONCURRENCY


async def test_a_blocked_chat_gets_no_push_even_if_still_subscribed(push_services, bot):
    subscribe(push_services, 1, 2)
    push_services.store.ledger.chat_blocked(1, push_services.now())
    subscribe(push_services, 1)  # without talking to the bot, which would unblock it
    report = await run_push(push_services, bot)
    assert report.outcomes == {"sent": 1}
    assert bot.received(1) == 0


async def test_a_chat_that_blocked_the_bot_is_unsubscribed(push_services, bot):
    subscribe(push_services, 1, 2)
    bot.fail(1, Forbidden("Forbidden: bot was blocked by the user"))
    report = await run_push(push_services, bot)
    assert report.outcomes == {"blocked": 1, "sent": 1}
    assert push_services.store.chats.subscriber(1).active is False
    assert bot.received(2) == 1


async def test_a_chat_that_blocked_the_bot_on_the_push_is_told_no_alerts_either(push_services, bot):
    subscribe(push_services, 1)
    push_services.store.chats.watch(1, "1801.HK", push_services.now())
    bot.fail(1, Forbidden("Forbidden: bot was blocked by the user"))
    await run_push(push_services, bot)
    assert push_services.store.ledger.is_blocked(1)  # alerts wait until it talks to the bot
    assert [s.ticker for s in push_services.store.chats.watchlist(1)] == ["1801.HK"]


async def test_a_group_that_became_a_supergroup_gets_the_push_at_its_new_id(push_services, bot):
    subscribe(push_services, -100)
    bot.fail(-100, ChatMigrated(-1001234))
    report = await run_push(push_services, bot)
    assert report.outcomes == {"sent": 1}  # at the new id
    assert bot.received(-1001234) == 1
    assert push_services.store.chats.subscriber(-100) is None
    assert push_services.store.chats.subscriber(-1001234).active
    assert (await run_push(push_services, bot)).outcomes == {}


async def test_flood_control_waits_as_told_then_sends_once(push_services, bot):
    subscribe(push_services, 1)
    bot.fail(1, RetryAfter(timedelta(seconds=7)))
    sleeps = Sleeps()
    report = await run_push(push_services, bot, sleep=sleeps)
    assert sleeps == [7.0]
    assert report.outcomes == {"sent": 1}
    assert bot.received(1) == 1


async def test_network_errors_are_retried_with_backoff(push_services, bot):
    subscribe(push_services, 1)
    bot.fail(1, unreachable(), unreachable())
    sleeps = Sleeps()
    await run_push(push_services, bot, sleep=sleeps)
    assert sleeps == [1.0, 2.0]
    assert bot.received(1) == 1


@pytest.mark.parametrize("error", [cut_mid_request, lambda: TimedOut("read timed out")])
async def test_a_send_that_may_have_arrived_is_never_sent_again(push_services, bot, error):
    subscribe(push_services, 1)
    bot.fail(1, error())
    sleeps = Sleeps()
    report = await run_push(push_services, bot, sleep=sleeps)
    assert report.outcomes == {"may have arrived": 1}
    assert sleeps == []
    assert (await run_push(push_services, bot)).outcomes == {}
    assert bot.received(1) == 0


async def test_a_chat_that_keeps_failing_is_retried_by_a_later_run(push_services, bot):
    subscribe(push_services, 1, 2)
    bot.fail(1, *[unreachable() for _ in range(4)])
    report = await run_push(push_services, bot)
    assert report.outcomes == {"failed, will retry": 1, "sent": 1}
    assert 1 not in push_services.store.ledger.pushes(JUNE_4)
    await run_push(push_services, bot)
    assert (bot.received(1), bot.received(2)) == (1, 1)


async def test_an_unexpected_error_for_one_chat_does_not_stop_the_others(push_services, bot):
    subscribe(push_services, 1, 2, 3)
    bot.fail(2, ValueError("surprise"))
    report = await run_push(push_services, bot)
    assert report.outcomes == {"sent": 2, "error": 1}


async def test_unsubscribed_chats_get_nothing(push_services, bot):
    subscribe(push_services, 1, 2)
    push_services.store.chats.unsubscribe(2)
    await run_push(push_services, bot)
    assert bot.received(2) == 0


# --- /subscribe, /unsubscribe, /status --------------------------------------------------------


def said(reply) -> str:
    return html_to_text(reply.text)


def test_subscribe_starts_the_daily_push_and_says_when_the_next_comes(push_services, clock):
    clock.set(2025, 6, 4, 15, 0)
    text = said(answer_subscribe(push_services, 42))
    assert text.startswith("Subscribed: the Hong Kong close at 16:30 HKT")
    assert "Next: Wed 4 Jun 2025 at 16:30 HKT" in text
    assert push_services.store.chats.subscriber(42).active


def test_a_later_time_still_to_come_today_is_the_next_push(push_services, clock):
    clock.set(2025, 6, 6, 16, 45)
    text = said(answer_subscribe(push_services, 42, "17:00"))
    assert "at 17:00 HKT" in text
    assert "Next: Fri 6 Jun 2025 at 17:00 HKT" in text


def test_after_todays_push_time_the_next_one_is_the_next_session(push_services, clock):
    clock.set(2025, 6, 6, 18, 0)  # Friday evening: next is Monday
    answer_subscribe(push_services, 42, "17:00")
    assert "Next push: Mon 9 Jun 2025 at 17:00 HKT" in said(answer_status(push_services, 42))


def test_subscribing_again_updates_the_time_without_a_second_subscription(push_services):
    answer_subscribe(push_services, 42)
    text = said(answer_subscribe(push_services, 42, "18:15"))
    assert text.startswith("Updated")
    assert push_services.store.chats.subscriber(42).push_time == "18:15"
    assert len(push_services.store.chats.active_subscribers()) == 1


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("15:00", "final at 16:10"),
        ("23:30", "before 23:00"),
        ("soon", "not a time"),
        ("25:00", "not a time"),
    ],
)
def test_a_push_time_that_cannot_work_is_explained(push_services, typed, problem):
    text = said(answer_subscribe(push_services, 42, typed))
    assert problem in text and "Usage: /subscribe" in text
    assert push_services.store.chats.subscriber(42) is None


def test_unsubscribe_stops_the_push_and_status_says_so(push_services):
    answer_subscribe(push_services, 42)
    assert said(answer_unsubscribe(push_services, 42)).startswith("Unsubscribed")
    assert said(answer_status(push_services, 42)).startswith("Not subscribed")
    assert said(answer_unsubscribe(push_services, 42)).startswith("This chat is not subscribed")


def test_a_push_queued_but_not_sent_does_not_count_as_sent_today(push_services, clock):
    answer_subscribe(push_services, 42, "18:00")
    clock.set(2025, 6, 4, 17, 50)  # a run that queued the chat, then stopped
    ledger = push_services.store.ledger
    assert [d.chat_id for d in ledger.queue_pushes(JUNE_4, {"18:00"}, clock(), limit=10)] == [42]
    assert "Next push: Wed 4 Jun 2025 at 18:00 HKT" in said(answer_status(push_services, 42))
    ledger.claim_push(JUNE_4, 42, clock())
    assert "Next push: Thu 5 Jun 2025 at 18:00 HKT" in said(answer_status(push_services, 42))


def test_the_next_push_skips_the_christmas_holiday(push_services, clock):
    clock.set(2025, 12, 24, 20, 0)
    answer_subscribe(push_services, 42)
    assert "Next push: Mon 29 Dec 2025 at 16:30 HKT" in said(answer_status(push_services, 42))


# --- the operator's push by hand --------------------------------------------------------------


def test_the_dry_run_shows_each_message_once_and_counts_the_chats(sample_file, capsys):
    from bot.__main__ import main
    from store import open_store

    store = open_store(sample_file)
    at = datetime(2025, 6, 3, 12, 0, tzinfo=HONG_KONG)
    for chat_id in range(1, 13):
        store.chats.subscribe(chat_id, at, "18:00" if chat_id % 2 else None)
    store.chats.watch(4, "1801.HK", at)
    store.close()
    argv = ["--db", str(sample_file), "push", "--date", "2025-06-04", "--dry-run"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("2025-06-04: would send to 12 chats")
    assert "--- to 11 chats: 1, 2, 3, 5, 6 and 6 more (no watchlist), 1 message(s) ---" in out
    assert "--- to 1 chat: 4 (a watchlist), 1 message(s) ---" in out
    assert out.count("Hong Kong close") == 2 and out.count("Your watchlist") == 1


# --- the job in the running application -------------------------------------------------------


@pytest.fixture
async def app(push_services):
    from bot.app import build_application
    from bot.config import Settings
    from tests.offline import FAKE_TOKEN, RecordingRequest

    application = build_application(Settings(token=FAKE_TOKEN), request=RecordingRequest())
    application.bot_data.services = push_services
    async with application:
        yield application


def job_names(app) -> list[str]:
    return sorted(job.name for job in app.job_queue.jobs())


async def test_the_job_is_scheduled_for_both_closing_times_on_weekdays_and_at_start(app):
    from bot.push import schedule_pushes

    schedule_pushes(app.job_queue)
    await app.job_queue.start()
    try:
        assert job_names(app) == ["push-1210", "push-1610", "push-catch-up"]
        for name, hour in (("push-1210", "12"), ("push-1610", "16")):
            trigger = repr(app.job_queue.get_jobs_by_name(name)[0].trigger)
            # Monday to Friday: JobQueue's day numbers (0 = Sunday) must not shift a day.
            assert "day_of_week='mon,tue,wed,thu,fri'" in trigger
            assert f"hour='{hour}', minute='10'" in trigger and "Asia/Hong_Kong" in trigger
    finally:
        await app.job_queue.stop()


async def test_missing_closes_make_the_job_look_again_in_five_minutes(app, clock):
    from telegram.ext import CallbackContext

    from bot.push import push_job

    clock.set(2025, 6, 5, 16, 30)  # a session whose closes are not loaded
    await app.job_queue.start()
    try:
        await push_job(CallbackContext(app))
        assert job_names(app) == ["push-later"]
    finally:
        await app.job_queue.stop()


async def test_the_job_sends_through_the_bot_and_comes_back_for_later_times(app, clock):
    from telegram.ext import CallbackContext

    from bot.push import push_job

    subscribe(app.bot_data.services, 1)
    subscribe(app.bot_data.services, 2, push_time="18:00")
    await app.job_queue.start()
    try:
        await push_job(CallbackContext(app))
        sent = app.bot.request.sent()
        assert [m["chat_id"] for m in sent] == [1]
        later = app.job_queue.get_jobs_by_name("push-later")[0]
        assert later.next_t == datetime(2025, 6, 4, 18, 0, tzinfo=HONG_KONG)
        assert later.data == clock()  # it looks only at times due after this run
    finally:
        await app.job_queue.stop()


async def test_a_chat_to_try_again_makes_the_later_run_look_at_every_due_time(
    app, clock, monkeypatch
):
    from telegram.ext import CallbackContext

    import bot.push
    from bot.push import push_job

    services = app.bot_data.services
    subscribe(services, 1)
    services.store.chats.watch(1, "1801.HK", clock())
    subscribe(services, 2, push_time="18:00")
    built = bot.push.push_parts

    def broken_for_chat_1(store, day, chat_id, **kwargs):
        if chat_id == 1:
            raise ValueError("surprise")
        return built(store, day, chat_id, **kwargs)

    monkeypatch.setattr(bot.push, "push_parts", broken_for_chat_1)
    # The queue is not started: the later run is made here, at its time, not by the scheduler.
    await push_job(CallbackContext(app))
    [later] = app.job_queue.get_jobs_by_name("push-later")
    assert later.data is None  # every due time again, the default one included
    monkeypatch.setattr(bot.push, "push_parts", built)
    clock.set(2025, 6, 4, 18, 0)
    await push_job(CallbackContext.from_job(later, app))
    assert sorted(m["chat_id"] for m in app.bot.request.sent()) == [1, 2]
