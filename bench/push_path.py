"""Push throughput: `bot.push.deliver` to thousands of subscribers against a local Bot API sink.

Three runs on the same sink and message:

- deliver, rate limiter off: the bot's own overhead per message (claiming each push in the
  ledger, python-telegram-bot's request and response handling);
- raw httpx, one message after another: the baseline the target compares with, replaying the
  exact request bodies the bot sent in the first run; a concurrent httpx run at the push's
  concurrency is reported beside it for context;
- deliver through `ExtBot(rate_limiter=TelegramPace())`, as `python -m bot push` sends:
  its pace as the sink saw it, which must sit at Telegram's ~30 messages a second.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import httpx
from telegram import Bot
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bench.sink import Sink, SinkStats
from bench.timing import rate
from bot.pacing import TelegramPace
from bot.push import CONCURRENCY, PushPlan, deliver, plan_push
from handlers.services import Services

TOKEN = "123456789:AAFakeTokenForClosebotBench0000000000"
FIRST_CHAT = 10_000_001
TELEGRAM_RATE = 30.0  # messages a second to different chats, Telegram's documented limit


@dataclass(frozen=True)
class PushSetup:
    """A store with subscribers, and the session and moment the push is for."""

    services: Services
    day: date
    now: datetime
    chats: list[int]


def subscribe_many(services: Services, count: int, at: datetime) -> list[int]:
    """`count` private chats subscribed the way /subscribe does it."""
    chats = list(range(FIRST_CHAT, FIRST_CHAT + count))
    for chat_id in chats:
        services.store.chats.subscribe(chat_id, at)
    return chats


def _plan(setup: PushSetup, count: int) -> PushPlan:
    """The operator's manual push for the day, to the first `count` chats only: the ledger is
    emptied, then the other chats are recorded as pushed already, so `deliver` skips them."""
    store = setup.services.store
    store.db["pushes"].delete_where()
    day, at = setup.day.isoformat(), setup.now.isoformat()
    with store.db.atomic():
        store.db.conn.executemany(
            "INSERT INTO pushes (date, chat_id, sent_at, status) VALUES (?, ?, ?, 'not this run')",
            [(day, chat_id, at) for chat_id in setup.chats[count:]],
        )
    plan = plan_push(setup.services, setup.now, day=setup.day, everyone=True)
    if plan.reason:
        raise RuntimeError(f"no push planned for {setup.day}: {plan.reason}")
    return plan


async def _deliver(bot: Bot, setup: PushSetup, count: int) -> tuple[float, dict[str, int]]:
    """(seconds, outcomes) of one `deliver` to the first `count` chats."""
    plan = _plan(setup, count)
    async with bot:
        started = time.perf_counter()
        report = await deliver(bot, setup.services, plan)
        seconds = time.perf_counter() - started
    return seconds, dict(report.outcomes)


def _request() -> HTTPXRequest:
    """A connection pool as large as the push's concurrency, so no send waits for a socket."""
    return HTTPXRequest(connection_pool_size=CONCURRENCY)


async def deliver_unlimited(
    setup: PushSetup, sink: Sink, count: int
) -> tuple[dict[str, Any], list[bytes]]:
    """The push job's own speed: `deliver` with a plain `Bot` (no rate limiter). Also returns
    the request bodies the sink received, for the baselines to replay."""
    sink.reset()
    bot = Bot(TOKEN, base_url=f"{sink.url}/bot", request=_request())
    seconds, outcomes = await _deliver(bot, setup, count)
    bodies = sink.bodies()
    figures = {
        "messages": len(bodies),
        "chats": count,
        "seconds": round(seconds, 3),
        "msgs_per_s": rate(len(bodies), seconds),
        "outcomes": outcomes,
        "sink_received": len(bodies),
    }
    return figures, bodies


async def httpx_baseline(
    sink: Sink, bodies: list[bytes], *, concurrency: int = 1
) -> dict[str, Any]:
    """The same requests, byte for byte, POSTed with nothing else around them."""
    url = f"{sink.url}/bot{TOKEN}/sendMessage"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    sink.reset()
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as client:

        async def send(body: bytes) -> None:
            async with gate:
                response = await client.post(url, content=body, headers=headers)
                response.raise_for_status()

        started = time.perf_counter()
        if concurrency == 1:
            for body in bodies:
                await send(body)
        else:
            async with asyncio.TaskGroup() as group:
                for body in bodies:
                    group.create_task(send(body))
        seconds = time.perf_counter() - started
    return {
        "messages": len(bodies),
        "concurrency": concurrency,
        "seconds": round(seconds, 3),
        "msgs_per_s": rate(len(bodies), seconds),
        "sink_received": sink.stats().messages,
    }


def pace(stats: SinkStats) -> dict[str, float]:
    """The rate as Telegram would see it: overall, after the first second, and the busiest
    one-second window anywhere in the run."""
    times = sorted(stats.arrivals)
    if len(times) < 2:
        return {"overall_per_s": 0.0, "after_first_second_per_s": 0.0, "busiest_second": 0.0}
    start, end = times[0], times[-1]
    later = [t for t in times if t > start + 1.0]
    sustained = (len(later) - 1) / (later[-1] - later[0]) if len(later) > 1 else 0.0
    busiest, left = 0, 0
    for right, t in enumerate(times):
        while t - times[left] >= 1.0:
            left += 1
        busiest = max(busiest, right - left + 1)
    return {
        "overall_per_s": round((len(times) - 1) / (end - start), 2),
        "after_first_second_per_s": round(sustained, 2),
        "busiest_second": float(busiest),
    }


async def deliver_rate_limited(setup: PushSetup, sink: Sink, count: int) -> dict[str, Any]:
    """`deliver` through the bot's own pace (`TelegramPace()`), as `python -m bot push` sends."""
    sink.reset()
    bot = ExtBot(TOKEN, base_url=f"{sink.url}/bot", rate_limiter=TelegramPace(), request=_request())
    seconds, outcomes = await _deliver(bot, setup, count)
    stats = sink.stats()
    return {
        "chats": count,
        "messages": stats.messages,
        "seconds": round(seconds, 3),
        "outcomes": outcomes,
        "sink_received": stats.messages,
        **pace(stats),
        "telegram_limit_per_s": TELEGRAM_RATE,
    }


async def push_throughput(
    setup: PushSetup, *, messages: int, limited_messages: int
) -> dict[str, Any]:
    """Every push figure, on one sink in a child process."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    with Sink() as sink:
        ours, bodies = await deliver_unlimited(setup, sink, messages)
        one_by_one = await httpx_baseline(sink, bodies)
        concurrent = await httpx_baseline(sink, bodies, concurrency=CONCURRENCY)
        limited = await deliver_rate_limited(setup, sink, limited_messages)
    return {
        "subscribers": len(setup.chats),
        "concurrency": CONCURRENCY,
        "deliver": ours,
        "httpx_one_by_one": one_by_one,
        "httpx_concurrent": concurrent,
        "ratio_to_httpx": round(ours["msgs_per_s"] / one_by_one["msgs_per_s"], 3),
        "rate_limited": limited,
    }
