"""Telegram's limits kept in Redis: one budget and one flood window per chat for every
process of the bot."""

from __future__ import annotations

import asyncio
import time

import pytest

from handlers.core.flood import Verdict
from tests.servers import own_prefix


@pytest.fixture
async def limits(redis_server):
    from bot.shared import SharedLimits

    made = []

    def make():
        made.append(SharedLimits(redis_server, prefix=own_prefix()))
        return made[-1]

    yield make
    for each in made:
        keys = [k async for k in each.client.scan_iter(match=each.prefix + "*")]
        if keys:
            await each.client.delete(*keys)
        await each.close()


async def test_two_processes_share_one_broadcast_budget(limits):
    from bot.shared import SharedSlot

    first, second = limits(), limits()
    second.prefix = first.prefix  # another process of the same bot
    rate, sends = 50, 40
    slots = [SharedSlot(each, each.key("broadcast"), interval=1 / rate) for each in (first, second)]
    times: list[float] = []

    async def send(slot):
        for _ in range(sends // 2):
            async with slot:
                times.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(send(slot) for slot in slots))
    # 40 sends at 50 a second, shared: about 0.8 s; two budgets of their own would take 0.4 s.
    assert time.monotonic() - started >= (sends - 1) / rate * 0.95


async def test_a_429_pauses_every_sender_until_telegrams_retry_time(limits):
    from bot.shared import SharedSlot

    shared = limits()
    paused = shared.key("broadcast", "paused-until")
    slot = SharedSlot(shared, shared.key("broadcast"), interval=0.001, paused_by=paused)
    await shared.pause(paused, 0.5)
    started = time.monotonic()
    async with slot:
        pass
    assert time.monotonic() - started >= 0.45


async def test_a_chat_that_floods_one_worker_is_muted_on_every_worker(limits):
    from bot.shared import SharedFloodGuard

    one, other = limits(), limits()
    other.prefix = one.prefix
    guards = SharedFloodGuard(one, limit=3, window=60), SharedFloodGuard(other, limit=3, window=60)
    verdicts = [await guards[n % 2].acheck(77) for n in range(5)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.IGNORE]
    assert await guards[0].acheck(78) is Verdict.ALLOW  # other chats never notice
