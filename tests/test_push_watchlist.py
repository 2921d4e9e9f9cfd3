"""The end-of-day push gains "Your watchlist" for chats that keep one, split into whole parts."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.push import deliver, plan_push
from handlers.answers.daily import push_parts
from handlers.answers.render import TELEGRAM_LIMIT, html_to_text, split_message, utf16_length
from handlers.core.locale import ENGLISH_LOCALE
from handlers.services import Services
from store import ingest, open_store
from tests.conftest import SAMPLE_EVENING
from tests.fake_telegram import FakeTelegramServer, parse_html
from tests.htmlcheck import html_problems

TOKEN = "5550002222:AAE2eWatchlistPushTokenForTests_abcdef"
JUNE_4 = date(2025, 6, 4)
INNOVENT, POP_MART = "1801.HK", "9992.HK"
CLOSES = "date,ticker,close,prev_close,volume,name,sector\n"


class Recorder:
    """A bot that delivers into a list, with the signature `send_parts` calls."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, parse_mode: str) -> None:
        assert parse_mode == "HTML"
        await asyncio.sleep(0)
        self.sent.append((chat_id, text))

    def to(self, chat_id: int) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]


class Sleeps(list):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def subscribe(store, chat_id: int, *tickers: str) -> None:
    at = SAMPLE_EVENING - timedelta(days=1)
    store.chats.subscribe(chat_id, at)
    for ticker in tickers:
        store.chats.watch(chat_id, ticker, at)


async def push_now(services: Services, bot: Recorder):
    plan = plan_push(services, SAMPLE_EVENING.replace(hour=16, minute=30))
    return await deliver(bot, services, plan, sleep=Sleeps())


def valid(part: str) -> bool:
    parse_html(part)  # raises as Telegram would reject the message
    return html_problems(part) == [] and utf16_length(part) <= TELEGRAM_LIMIT


@pytest.fixture
def long_names(services, write_file) -> list[str]:
    """30 securities with 200-character names full of characters HTML must escape."""
    rows, names = [], []
    for i in range(30):
        name = (f"{i:02d} Longwinded R&D <Holdings> & Sons " * 8)[:200]
        names.append(name)
        # Under the movers' turnover floor, so they show in the watchlist only.
        rows.append(f"2025-06-04,88{i:02d}.HK,{10 + i}.00,10.00,1000,{name},Industrials\n")
    ingest(services.store, write_file("long.csv", CLOSES + "".join(rows)), today=JUNE_4)
    for i in range(30):
        services.store.chats.watch(42, f"88{i:02d}.HK", SAMPLE_EVENING)
    return names


async def test_a_subscriber_gets_their_watchlist_best_first_against_the_index(services):
    subscribe(services.store, 1, POP_MART, INNOVENT)
    bot = Recorder()
    assert (await push_now(services, bot)).outcomes == {"sent": 1}
    [text] = bot.to(1)
    lines = html_to_text(text).splitlines()
    assert "Your watchlist · vs HSI +0.60%" in lines
    innovent = lines.index("Innovent Biologics   74.25  +14.14%")
    pop_mart = lines.index("Pop Mart            246.00   +5.13%")
    assert lines.index("Your watchlist · vs HSI +0.60%") < innovent < pop_mart
    assert lines[-1].endswith("/unsubscribe")


async def test_a_chat_without_a_watchlist_gets_the_market_push_only(services):
    subscribe(services.store, 1, INNOVENT)
    subscribe(services.store, 2)
    bot = Recorder()
    await push_now(services, bot)
    assert "Your watchlist" not in bot.to(2)[0]
    assert bot.to(2) == push_parts(services.store, JUNE_4, chat_id=2, lang=ENGLISH_LOCALE)


def test_a_name_without_a_close_that_day_says_so_last(services, write_file):
    row = "2025-06-03,8850.HK,5.00,4.90,100000,Sleepy Holdings,Industrials\n"
    ingest(services.store, write_file("sleepy.csv", CLOSES + row), today=JUNE_4)
    subscribe(services.store, 1, "8850.HK", POP_MART)
    [text] = push_parts(services.store, JUNE_4, 1, lang=ENGLISH_LOCALE)
    lines = html_to_text(text).splitlines()
    section = lines[lines.index("Your watchlist · vs HSI +0.60%") :]
    assert section[1].startswith("Pop Mart") and section[1].endswith("246.00  +5.13%")
    assert section[2].startswith("Sleepy ") and section[2].endswith(" no close")


def test_thirty_long_names_fit_in_valid_parts(services, long_names):
    parts = push_parts(services.store, JUNE_4, 42, lang=ENGLISH_LOCALE)
    assert parts and all(valid(part) for part in parts)
    rows = [line for line in shown_lines(parts) if "Longwinded" in line]
    assert [row[:2] for row in rows] == [f"{i:02d}" for i in reversed(range(30))]  # best first
    assert max(len(row) for row in rows) <= 40  # one line of a phone each
    assert rows[0].endswith("39.00  +290.00%")


def test_a_push_over_the_limit_splits_between_lines_and_keeps_tables_whole(services, long_names):
    parts = push_parts(services.store, JUNE_4, 42, limit=700, lang=ENGLISH_LOCALE)
    assert len(parts) > 2
    for part in parts:
        assert html_problems(part) == [] and utf16_length(part) <= 700
        assert part == part.strip("\n")
    assert parts[0].startswith("🔔") and parts[-1].endswith("/unsubscribe")
    whole = push_parts(services.store, JUNE_4, 42, lang=ENGLISH_LOCALE)
    assert shown_lines(parts) == shown_lines(whole)


def shown_lines(parts: list[str]) -> list[str]:
    return [line for line in html_to_text("\n".join(parts)).splitlines() if line.strip()]


def test_a_table_longer_than_a_message_is_split_between_its_rows():
    table = "<pre>" + "\n".join(f"row {i:03d} &amp; more" for i in range(300)) + "</pre>"
    parts = split_message(["<b>Title</b>", table, "end"], limit=1000)
    assert all(html_problems(p) == [] and utf16_length(p) <= 1000 for p in parts)
    assert html_to_text("".join(parts)).count("& more") == 300


async def test_a_long_push_goes_out_in_parts_once(services, write_file):
    # A written headline too long to share a message with the index and the movers, short
    # enough to share the next one with the watchlist.
    headline = "Markets " * 480
    summary = write_file("summary.md", f"{headline}\n\nThe body.\n")
    ingest(services.store, summary=summary, summary_date=JUNE_4, today=JUNE_4)
    subscribe(services.store, 1, INNOVENT, POP_MART)
    bot = Recorder()
    assert (await push_now(services, bot)).outcomes == {"sent": 1}
    parts = bot.to(1)
    assert len(parts) > 1 and all(valid(part) for part in parts)
    assert parts[0].startswith("🔔") and parts[-1].endswith("/unsubscribe")
    [watchlist] = [part for part in parts if "Your watchlist" in part]
    assert "Markets" not in parts[0] and "Markets" in watchlist
    # The table kept whole, under its heading.
    table = "<pre>Innovent Biologics   74.25  +14.14%\nPop Mart"
    assert f"Your watchlist</b> · vs HSI +0.60%\n{table}" in watchlist
    assert (await push_now(services, bot)).outcomes == {}
    assert bot.to(1) == parts


# --- over HTTP, as `closebot push` sends it --------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[FakeTelegramServer]:
    fake = FakeTelegramServer(token=TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def database(tmp_path_factory, sample_db) -> Path:
    path = tmp_path_factory.mktemp("push") / "closebot.db"
    shutil.copyfile(sample_db, path)
    store = open_store(path)
    subscribe(store, 401, POP_MART, INNOVENT)
    subscribe(store, 402)
    store.close()
    return path


def test_a_subscriber_with_a_watchlist_receives_it_over_http(server, database, cli, monkeypatch):
    monkeypatch.chdir(database.parent)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", server.base_url)
    monkeypatch.setenv("CLOSEBOT_DB", str(database))
    result = cli("push", "--date", "2025-06-04")
    assert result.code == 0, result.err
    assert "2 sent" in result.out
    assert all(call.ok for call in server.calls)
    [watcher] = server.sent_messages(401)
    [other] = server.sent_messages(402)
    assert watcher["parse_mode"] == "HTML"
    text = html_to_text(watcher["text"])
    assert "Your watchlist · vs HSI +0.60%" in text
    assert text.index("Innovent Biologics   74.25") < text.index("Pop Mart            246.00")
    assert "Your watchlist" not in other["text"] and other["text"].startswith("🔔")
