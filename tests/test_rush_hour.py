"""Right after the close: many chats answered side by side, replies paced per chat only, the
push held to the broadcast budget, and one chat's answers in the order it asked."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from telegram import Chat, Message, Update, User

from bot.ordering import ChatOrderedUpdates
from bot.pacing import BROADCAST, BROADCAST_PER_SECOND, TelegramPace


def _message_update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    user = User(chat_id, "Reader", is_bot=False)
    message = Message(update_id, None, chat, from_user=user, text="/close")
    return Update(update_id, message=message)


async def test_replies_to_many_chats_pass_the_broadcast_budget_while_a_push_keeps_it():
    pace = TelegramPace()
    sent: list[tuple[str, float]] = []
    started = time.monotonic()

    async def send(kind: str) -> bool:
        sent.append((kind, time.monotonic() - started))
        return True

    async def one(kind: str, chat_id: int) -> None:
        args = BROADCAST if kind == "push" else None
        await pace.process_request(send, (kind,), {}, "sendMessage", {"chat_id": chat_id}, args)

    replies = [one("reply", chat) for chat in range(1, 201)]  # 200 people asking at once
    push = [one("push", chat) for chat in range(10_001, 10_091)]  # a push to 90 chats
    await asyncio.gather(*push, *replies)

    kinds = [kind for kind, _ in sent]
    assert kinds.count("reply") == 200
    # Held to the broadcast budget, 200 replies would take seven seconds of it, among the push's
    # messages; passing it, all are sent before the push's first second is over.
    last_reply = len(kinds) - 1 - kinds[::-1].index("reply")
    assert kinds[:last_reply].count("push") < BROADCAST_PER_SECOND
    per_second = Counter(int(t) for kind, t in sent if kind == "push")
    assert sum(per_second.values()) == 90
    assert max(per_second.values()) <= BROADCAST_PER_SECOND  # never above, in any second
    assert max(t for kind, t in sent if kind == "push") >= 2.5  # 90 at 30 a second


async def test_one_private_chat_gets_at_most_one_message_a_second():
    pace = TelegramPace()
    times: list[float] = []

    async def send() -> bool:
        times.append(time.monotonic())
        return True

    for _ in range(3):
        await pace.process_request(send, (), {}, "sendMessage", {"chat_id": 7}, None)
    assert times[2] - times[0] >= 1.9


async def test_one_chats_answers_arrive_in_the_order_asked_under_concurrency():
    processor = ChatOrderedUpdates(32)
    finished: list[tuple[int, int]] = []

    async def answer(update_id: int, chat_id: int, seconds: float) -> None:
        await asyncio.sleep(seconds)  # the first questions are the slowest to answer
        finished.append((chat_id, update_id))

    updates = []
    for update_id in range(1, 7):
        chat_id = 1 if update_id % 2 else 2
        delay = 0.3 - update_id * 0.04
        update = _message_update(update_id, chat_id)
        updates.append(processor.process_update(update, answer(update_id, chat_id, delay)))
    await asyncio.gather(*updates)

    assert [u for c, u in finished if c == 1] == [1, 3, 5]
    assert [u for c, u in finished if c == 2] == [2, 4, 6]
    assert not processor._turns  # nothing kept for chats that went quiet


async def test_different_chats_are_answered_side_by_side():
    processor = ChatOrderedUpdates(32)
    started = time.monotonic()

    async def slow() -> None:
        await asyncio.sleep(0.2)  # a round trip to Telegram

    await asyncio.gather(
        *(processor.process_update(_message_update(n, n), slow()) for n in range(1, 31))
    )
    assert time.monotonic() - started < 1.0  # 30 round trips overlapped, not 6 s in a row


async def test_paid_broadcasts_are_marked_only_when_the_operator_turned_them_on():
    from telegram.ext import ExtBot

    from bot.delivery import send_parts
    from bot.pacing import TelegramPace
    from tests.offline import FAKE_TOKEN, RecordingRequest

    for paid in (False, True):
        request = RecordingRequest()
        bot = ExtBot(FAKE_TOKEN, request=request, rate_limiter=TelegramPace(paid_broadcasts=paid))
        async with bot:
            await send_parts(bot, 5, ["The close"])
        (params,) = [c.params for c in request.calls if c.method == "sendMessage"]
        assert params.get("allow_paid_broadcast", False) is paid
