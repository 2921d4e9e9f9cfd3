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


async def test_the_concurrent_sends_of_a_push_ask_redis_in_turn_not_all_at_every_slot(limits):
    from bot.shared import SharedSlot

    shared = limits()
    asked = 0
    take = shared._take

    async def counted(**arguments):
        nonlocal asked
        asked += 1
        return await take(**arguments)

    shared._take = counted
    slot = SharedSlot(shared, shared.key("broadcast"), interval=1 / 100)

    async def send():
        async with slot:
            pass

    sends = 25  # a push's batch, all waiting at once
    await asyncio.gather(*(send() for _ in range(sends)))
    # each send asks once, and again after each wait it was told: about twice a send, where
    # every waiting send asking at every slot would ask some sends * sends / 2 times
    assert asked <= 3 * sends


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


def _port_nobody_listens_on() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_while_redis_does_not_answer_each_process_keeps_the_limits_itself(caplog):
    from bot.shared import SharedLimits

    limits = SharedLimits(f"redis://127.0.0.1:{_port_nobody_listens_on()}/0", prefix="closebot:t:")
    try:
        with caplog.at_level("WARNING", logger="bot.shared"):
            for _ in range(3):
                await limits.take(limits.key("broadcast"), 0.001, 1, None)
            await limits.pause(limits.key("broadcast", "paused-until"), 1.0)
            verdicts = [await limits.flood(42, 3, 60.0) for _ in range(4)]
    finally:
        await limits.close()
    # The chat's window is kept here: three messages allowed, the fourth warned.
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN]
    assert limits.away
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "stopped answering" in warnings[0]
    assert "Traceback" not in caplog.text


async def test_limits_are_shared_again_once_redis_answers(limits, monkeypatch, caplog):
    from redis.exceptions import ConnectionError as RedisDown

    import bot.shared

    monkeypatch.setattr(bot.shared, "RETRY_AFTER", 0.0)  # try Redis again at the next call
    shared = limits()
    answering = shared._take

    async def down(*args, **kwargs):
        raise RedisDown("Connection refused")

    shared._take = down
    with caplog.at_level("WARNING", logger="bot.shared"):
        await shared.take(shared.key("broadcast"), 0.001, 1, None)  # kept here
        shared._take = answering
        await shared.take(shared.key("broadcast"), 0.001, 1, None)  # shared again
    assert not shared.away
    assert await shared.client.exists(shared.key("broadcast"))
    assert "answers again" in caplog.text
