"""Updates answered per second: the bot's own application (`build_application`, with its
concurrency and pacing) against the Bot API stand-in answering after 0 ms and after 100 ms (a
realistic round trip to Telegram), distinct private chats sending /close-family commands.

The baseline is the same application handling updates one at a time behind python-telegram-
bot's AIORateLimiter with the 30/s broadcast budget on every request, as the bot shipped before.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path
from typing import Any

from telegram import Bot, Update
from telegram.ext import AIORateLimiter, SimpleUpdateProcessor

from bench.answers import evening_services
from bench.sink import Sink
from bot.app import build_application
from bot.config import Settings
from store import open_store

TOKEN = "123456789:AAEbenchmarkTokenShapedValue_abcdefgh"
QUESTIONS = ("/close", "/close tencent", "/close inovent", "/movers", "/sector healthcare")


def _updates(count: int, bot: Bot) -> list[Update]:
    """`count` updates, each from its own private chat, each a command as Telegram sends it."""
    questions = itertools.cycle(QUESTIONS)
    sent_at = int(time.time())
    updates = []
    for number in range(1, count + 1):
        chat_id = 5_000_000 + number
        text = next(questions)
        data = {
            "update_id": number,
            "message": {
                "message_id": number,
                "date": sent_at,
                "chat": {"id": chat_id, "type": "private", "first_name": "Reader"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Reader"},
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
            },
        }
        updates.append(Update.de_json(data, bot))
    return updates


async def _answer_all(db: Path, sink: Sink, count: int, *, as_shipped_before: bool) -> float:
    store = open_store(db)
    services = evening_services(store, store.market.latest_date())  # type: ignore[arg-type]
    settings = Settings(token=TOKEN, api_base_url=f"{sink.url}/bot")
    app = build_application(settings, services=services)
    if as_shipped_before:
        app._update_processor = SimpleUpdateProcessor(1)  # noqa: SLF001 - the old default
        app.bot._rate_limiter = AIORateLimiter(  # noqa: SLF001 - the old pacing
            overall_max_rate=1, overall_time_period=1 / 30, max_retries=3
        )
    updates = _updates(count, app.bot)
    sink.reset()
    async with app:
        await app.start()
        started = time.perf_counter()
        for update in updates:
            await app.update_queue.put(update)
        # the sink is another process: look, then wait
        while sink.stats().messages < count:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        await app.stop()
    store.close()
    failed = sum(b"Sorry" in body for body in sink.bodies())
    if failed:
        raise RuntimeError(f"{failed} of {count} updates got the apology, not an answer")
    return elapsed


def updates_per_second(
    db: Path, count: int, delays_ms: tuple[int, ...] = (0, 100)
) -> dict[str, Any]:
    """Updates/s at each round trip, the bot as it is and as it shipped before."""
    results: dict[str, Any] = {"updates": count}
    for delay in delays_ms:
        with Sink(delay_ms=delay) as sink:
            now = asyncio.run(_answer_all(db, sink, count, as_shipped_before=False))
            # the old way needs ~count/30 s at best: a smaller sample shows its rate
            before_count = max(min(10, count), count // 5)
            before = asyncio.run(_answer_all(db, sink, before_count, as_shipped_before=True))
        results[f"{delay}ms"] = {
            "per_s": round(count / now, 1),
            "before_per_s": round(before_count / before, 1),
        }
    return results
