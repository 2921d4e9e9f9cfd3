"""Flood control: over 20 commands a minute earns one "slow down", then silence for the minute."""

from __future__ import annotations

import pytest

from bot.app import build_application
from bot.config import Settings
from handlers.core.flood import SLOW_DOWN, FloodGuard, Verdict
from tests.offline import FAKE_TOKEN, RecordingRequest, make_message_update


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_twenty_messages_a_minute_are_fine_the_21st_warns_then_the_chat_is_ignored():
    clock = Clock()
    guard = FloodGuard(clock=clock)
    verdicts = []
    for _ in range(23):
        verdicts.append(guard.check(42))
        clock.now += 1
    assert verdicts[:20] == [Verdict.ALLOW] * 20
    assert verdicts[20] is Verdict.WARN
    assert verdicts[21:] == [Verdict.IGNORE, Verdict.IGNORE]


def test_a_muted_chat_is_heard_again_once_its_minute_has_passed():
    clock = Clock()
    guard = FloodGuard(clock=clock)
    for _ in range(21):
        guard.check(42)
    clock.now += 60
    assert guard.check(42) is Verdict.ALLOW


def test_other_chats_are_unaffected_by_a_flooding_one():
    guard = FloodGuard(clock=Clock())
    for _ in range(25):
        guard.check(42)
    assert guard.check(43) is Verdict.ALLOW


@pytest.fixture
async def app(services):
    application = build_application(
        Settings(token=FAKE_TOKEN),
        request=RecordingRequest(),
        updates_request=RecordingRequest(),
        rate_limit=False,  # pacing (one message a second per chat) is tested in test_rush_hour
    )
    application.bot_data.services = services
    application.bot_data.flood = FloodGuard(clock=Clock())
    async with application:
        yield application


async def test_a_flooding_chat_gets_one_slow_down_and_no_more_answers(app):
    for _ in range(25):
        await app.process_update(make_message_update(app.bot, "/close 700", chat_id=42))
    texts = [m["text"] for m in app.bot.request.sent() if m["chat_id"] == 42]
    assert len(texts) == 21
    assert texts[-1] == SLOW_DOWN
    assert all("Tencent" in t for t in texts[:20])


async def test_a_quiet_chat_is_answered_while_another_floods(app):
    for _ in range(25):
        await app.process_update(make_message_update(app.bot, "/movers", chat_id=42))
    await app.process_update(make_message_update(app.bot, "/close 700", chat_id=43))
    assert "Tencent" in app.bot.request.last()["text"]


async def test_group_chatter_never_earns_the_group_a_slow_down(app):
    for _ in range(30):
        await app.process_update(make_message_update(app.bot, "lol", chat_id=-1001))
    await app.process_update(make_message_update(app.bot, "/close 700", chat_id=-1001))
    texts = [m["text"] for m in app.bot.request.sent()]
    assert len(texts) == 1 and "Tencent" in texts[0]


async def test_a_chat_that_blocked_the_bot_is_taken_back_when_it_talks_again(app, services):
    services.store.ledger.chat_blocked(42, services.now())
    await app.process_update(make_message_update(app.bot, "/close 700", chat_id=42))
    assert not services.store.ledger.is_blocked(42)
