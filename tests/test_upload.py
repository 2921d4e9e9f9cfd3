"""Operators load data by sending files in chat; nobody else can, and a bad file loads nothing."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date

import pytest

from bot.app import build_application
from bot.config import Settings
from handlers.edge.upload import NOT_ALLOWED, safe_name
from handlers.services import Services
from store import open_store
from tests.conftest import SAMPLE_EVENING
from tests.offline import FAKE_TOKEN, RecordingRequest, make_document_update, make_message_update

OPERATOR = 9001
JUNE_5 = date(2025, 6, 5)


@pytest.fixture
def db_path(sample_file):
    return sample_file


@pytest.fixture
async def app(db_path, sample_names):
    store = open_store(db_path)
    services = Services(
        store,
        now=lambda: SAMPLE_EVENING.replace(day=5),
        admin_ids=frozenset({OPERATOR}),
        known_names=sample_names,
    )
    application = build_application(  # unpaced, as tests/conftest.py's app
        Settings(token=FAKE_TOKEN), request=RecordingRequest(), services=services, rate_limit=False
    )
    async with application:
        yield application
    store.close()


async def send_file(app, name: str, content: bytes, *, user_id: int, caption=None) -> str:
    app.bot.request.files[name] = content
    update = make_document_update(
        app.bot, name, name, size=len(content), caption=caption, chat_id=user_id, user_id=user_id
    )
    await app.process_update(update)
    return app.bot.request.last()["text"]


def table_rows(db_path) -> dict:
    connection = sqlite3.connect(db_path)
    try:
        tables = ("securities", "closes", "summaries")
        return {
            t: connection.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables
        }
    finally:
        connection.close()


CLOSES = b"date,ticker,close\n2025-06-05,1801.HK,80.00\n2025-06-05,HSI,23906.97\n"


async def test_an_operator_loads_a_closes_file_and_the_bot_answers_from_it(app):
    reply = await send_file(app, "closes-0605.csv", CLOSES, user_id=OPERATOR)
    assert reply == "Loaded 5 Jun 2025: 2 closes; the day's summary was written from the data."
    assert app.bot_data.services.store.market.summary(JUNE_5).source == "generated"
    assert app.bot_data.services.store.market.latest_date() == JUNE_5
    quote = app.bot_data.services.store.market.quote("1801.HK", JUNE_5)
    assert quote.close.prev_close == 74.25


async def test_anyone_else_is_not_allowed_and_nothing_is_written(app, db_path):
    before = table_rows(db_path)
    reply = await send_file(app, "closes.csv", CLOSES, user_id=1234)
    assert reply == NOT_ALLOWED
    assert table_rows(db_path) == before
    assert not any(c.method == "getFile" for c in app.bot.request.calls)


async def test_a_bad_file_from_an_operator_loads_nothing_and_says_where(app, db_path):
    before = table_rows(db_path)
    bad = b"date,ticker,close\n2025-06-05,1801.HK,80\n2025-06-05,0700.HK,<b>lots</b>\n"
    reply = await send_file(app, "closes.csv", bad, user_id=OPERATOR)
    assert reply.startswith("Nothing was loaded. closes.csv, row 2, column 'close'")
    assert "&lt;b&gt;" in app.bot.request.last()["text"]
    assert table_rows(db_path) == before


async def test_a_summary_is_filed_under_the_caption_date(app):
    text = b"Quiet day\n\nShares drifted.\n"
    reply = await send_file(app, "notes.md", text, user_id=OPERATOR, caption="2025-06-03")
    assert reply == "Loaded 3 Jun 2025: 1 summary."
    assert app.bot_data.services.store.market.summary(date(2025, 6, 3)).headline == "Quiet day"


async def test_a_securities_file_is_recognised_by_its_columns(app):
    # Zijin Gold (2259) listed on 30 Sep 2025, after the HKEX list the sample was built from.
    rows = b"ticker,name,sector\n2259.HK,Zijin Gold International,Materials\n"
    reply = await send_file(app, "board.csv", rows, user_id=OPERATOR)
    assert reply == "Loaded 1 security."
    assert (
        app.bot_data.services.matcher.match("zijin gold", kinds=("security",)).best.key == "2259.HK"
    )


async def test_other_file_types_are_refused_politely(app):
    reply = await send_file(app, "chart.png", b"\x89PNG", user_id=OPERATOR)
    assert "Send closes or securities as .csv" in reply


async def test_a_file_over_20_mb_is_refused_before_downloading(app):
    app.bot.request.files["big.csv"] = b""
    update = make_document_update(
        app.bot, "big.csv", "big.csv", size=25 * 1024 * 1024, chat_id=OPERATOR, user_id=OPERATOR
    )
    await app.process_update(update)
    assert "over 20 MB" in app.bot.request.last()["text"]
    assert not any(c.method == "getFile" for c in app.bot.request.calls)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("clo ses;rm -rf.csv", "clo_ses_rm_-rf.csv"),
        (None, "upload"),
    ],
)
def test_file_names_from_senders_are_made_harmless(name, safe):
    assert safe_name(name) == safe


def wide_file(columns: int) -> bytes:
    """A 428 KB closes file of 50,000 columns: one row, each column named."""
    header = "date,ticker,close," + ",".join(f"extra{i}" for i in range(columns - 3))
    return (header + "\n2025-06-05,1801.HK,80" + ",1" * (columns - 3) + "\n").encode()


async def test_a_fifty_thousand_column_upload_is_refused_while_another_chat_gets_its_close(
    app, db_path
):
    before = table_rows(db_path)
    app.bot.request.files["wide.csv"] = wide_file(50_000)
    upload = make_document_update(
        app.bot, "wide.csv", "wide.csv", size=428_000, chat_id=OPERATOR, user_id=OPERATOR
    )
    other = make_message_update(app.bot, "/close", chat_id=777, user_id=777)
    await asyncio.gather(app.process_update(upload), app.process_update(other))
    replies = {m["chat_id"]: m["text"] for m in app.bot.request.sent()}
    assert replies[OPERATOR] == (
        "Nothing was loaded. wide.csv, row 0: the header has 50,000 columns; a data file has "
        "at most 64 (expected date, ticker, close and the optional ones)"
    )
    assert "Hang Seng Index" in replies[777]
    assert table_rows(db_path) == before


async def test_a_report_too_long_for_one_message_is_summarised(app):
    columns = ",".join(f"extra_column_with_a_long_name_{i}" for i in range(60))
    content = f"date,ticker,close,{columns}\n2025-06-05,1801.HK,80{',x' * 60}\n".encode()
    reply = await send_file(app, "long.csv", content, user_id=OPERATOR)
    assert reply.startswith("Loaded 5 Jun 2025: 1 close; ignored columns: extra_column")
    assert "and 50 more" in reply
    assert len(reply) < 4096


async def test_a_huge_bad_value_is_quoted_only_in_part(app):
    content = b"date,ticker,close\n2025-06-05,1801.HK," + b"9" * 1_000_000 + b"x\n"
    reply = await send_file(app, "huge.csv", content, user_id=OPERATOR)
    assert reply.startswith("Nothing was loaded. huge.csv, row 1, column 'close': not a number")
    assert len(reply) < 200
