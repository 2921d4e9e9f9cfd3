"""Anything anyone can type: every reply is valid Telegram HTML within the limit, and no
question changes the data.

The `services` fixture is shared by all examples of one test. That is sound because a guard
refuses every write as it is attempted, and the tables are compared whole after the test.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from handlers.answers.render import html_to_text
from handlers.answers.reply import Reply
from handlers.commands import COMMANDS, LOCAL_CHAT, answer_line
from handlers.services import Services
from store import Store
from tests.fake_telegram import parse_html
from tests.htmlcheck import html_problems, reply_problems

# Questions (/close, /sector, /movers, /summary, /help, /start and any added since) and one
# command the bot does not know: none of them may change any table.
QUESTIONS = (*(n for c in COMMANDS if not c.about_the_chat for n in c.names), "foo")
# Commands about the chat itself (/subscribe, /unsubscribe, /status and any added since): they
# may change the chat's own tables, never the market data.
CHAT_COMMANDS = tuple(n for c in COMMANDS if c.about_the_chat for n in c.names)
DATA_TABLES = ("securities", "closes", "summaries")
CHAT_ID = 42

# Pieces people (and attackers) type, mixed with names the bot knows so that matching,
# "Did you mean" and the sector hint are reached too.
HOSTILE = (
    "<b>",
    "</b>",
    "&amp;",
    "&",
    "&lt",
    "</code>",
    "<pre>",
    '<a href="x">',
    "<",
    ">",
    '"',
    "'; DROP TABLE closes; --",
    "%s {0} {}",
    "%(name)s",
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u200b",  # zero-width space
    "\ufeff",  # zero-width no-break space (BOM)
    "\x00",
    "\x1b[31m",
    "\r\n",
    "１８０１",  # full-width 1801
    "ｔｅｎｃｅｎｔ",
    "🚀",
    "👨‍👩‍👧",
    "🇭🇰",
    "信達生物",
    "700",
    "01801.HK",
    "tencent",
    "wuxi",
    "healthcare",
    "biotech",
    "sector",
    "10",
    "losers",
    "1m",
    "3 Jun",
    "2025-06-03",
    "yesterday",
    "17:00",
    "@closebot",
)
CLASSIC_ATTACKS = (
    "'; DROP TABLE closes; --",
    "%s {0} {}",
    "<b>bold</b> &amp; </code>",
    '<a href="x">link</a>',
    "\u202ehealthcare\u200f",
    "ten\u200bcent\ufeff",
    "１８０１",
    "🚀🚀 pop mart 🚀🚀",
    "\x00\x07\x1b",
    "wuxi </code> 3 Jun",
    "&" * 400 + "tencent" + "&" * 400,
    "<" * 10_000,
    "x" * 10_000,
)

piece = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
hostile_text = st.lists(piece, max_size=8).flatmap(
    lambda pieces: st.sampled_from((" ", "", "\n", "\u3000")).map(lambda sep: sep.join(pieces))
)
# A name or word wrapped in up to 1,000 characters of markup-like padding: long enough to reach
# the matcher's input limit, short enough to be matched.
padded = st.builds(
    lambda pad, word, count: pad * count + word + pad * count,
    st.sampled_from(("&", "<", ">", "\u200b", "🚀", " ")),
    st.sampled_from(HOSTILE),
    st.integers(0, 500),
)
ten_thousand = st.builds(
    lambda unit: (unit * (10_000 // len(unit) + 1))[:10_000],
    st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=6)),
)
arguments = st.one_of(hostile_text, padded)

# When a property fails, Hypothesis' report touches mypy_extensions.TypedDict, whose deprecation
# warning (an error under this project's settings) would hide the failure behind an INTERNALERROR.
pytestmark = pytest.mark.filterwarnings("ignore:mypy_extensions.TypedDict is deprecated")

BOUNDED = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


# --- nothing is written -------------------------------------------------------------------------

_READS = frozenset(
    {
        sqlite3.SQLITE_SELECT,
        sqlite3.SQLITE_READ,
        sqlite3.SQLITE_FUNCTION,
        sqlite3.SQLITE_TRANSACTION,
        sqlite3.SQLITE_SAVEPOINT,
        sqlite3.SQLITE_RECURSIVE,
    }
)
_READ_PRAGMAS = frozenset({"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo"})
_ROW_WRITES = frozenset({sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE})


class WriteGuard:
    """A SQLite authorizer that refuses, and records, every write as it is attempted, except
    row writes to the tables `writable` names. Schema changes are always refused."""

    def __init__(self, writable: Callable[[str], bool] | None = None) -> None:
        self.writable = writable or (lambda table: False)
        self.refused: list[tuple[int, str | None, str | None]] = []

    def __call__(
        self, action: int, arg1: str | None, arg2: str | None, db: str | None, trigger: str | None
    ) -> int:
        reading_pragma = action == sqlite3.SQLITE_PRAGMA and (arg2 is None or arg1 in _READ_PRAGMAS)
        if action in _READS or reading_pragma or db == "temp":
            return sqlite3.SQLITE_OK
        if action in _ROW_WRITES and arg1 is not None and self.writable(arg1):
            return sqlite3.SQLITE_OK
        self.refused.append((action, arg1, arg2))
        return sqlite3.SQLITE_DENY


def snapshot(conn: sqlite3.Connection, tables: tuple[str, ...]) -> dict[str, list[tuple]]:
    return {
        table: conn.execute(f"SELECT * FROM [{table}] ORDER BY rowid").fetchall()
        for table in tables
    }


def changed_tables(store: Store, before: bytes, tables: tuple[str, ...]) -> list[str]:
    """The tables among `tables` whose rows differ from those of `before` (the database as
    `Connection.serialize` gave it). Unchanged bytes mean unchanged rows; only when the bytes
    differ (a chat's own table was written, say) are the tables compared row by row."""
    conn = store.db.conn
    if conn.serialize() == before:
        return []
    was = sqlite3.connect(":memory:")
    try:
        # The sample was copied from a database file in WAL mode and its header says so (bytes
        # 18 and 19); a copy in memory must say "rollback journal" to be opened.
        was.deserialize(before[:18] + b"\x01\x01" + before[20:])
        then, now = snapshot(was, tables), snapshot(conn, tables)
    finally:
        was.close()
    return [table for table in tables if then[table] != now[table]]


def guarded(
    store: Store, writable: Callable[[str], bool] | None, compared: tuple[str, ...]
) -> Iterator[WriteGuard]:
    # sqlite-utils learns what SQLite supports by creating and dropping a scratch table on first
    # use; let it do that before the guard, which would see it as a write.
    assert store.db.supports_on_conflict and store.db.supports_strict
    before = store.db.conn.serialize()
    guard = WriteGuard(writable)
    store.db.conn.set_authorizer(guard)
    yield guard
    store.db.conn.set_authorizer(None)
    assert guard.refused == []
    assert changed_tables(store, before, compared) == []


@pytest.fixture
def read_only(services: Services) -> Iterator[WriteGuard]:
    """No table may change."""
    yield from guarded(services.store, None, tuple(services.store.db.table_names()))


@pytest.fixture
def market_data_read_only(services: Services) -> Iterator[WriteGuard]:
    """A chat's own tables may change; securities, closes and summaries may not."""
    yield from guarded(services.store, lambda table: table not in DATA_TABLES, DATA_TABLES)


# --- every reply can be sent --------------------------------------------------------------------


def assert_sendable(reply: Reply) -> None:
    """Valid, escaped Telegram HTML within the limit, with usable buttons; Telegram's own
    parser (the fake server's) accepts it and shows what the console shows."""
    problems = reply_problems(reply)
    assert not problems, problems
    shown, _ = parse_html(reply.text)
    assert shown == html_to_text(reply.text)


def ask_safely(
    services: Services, guard: WriteGuard, line: str, chat_id: int = LOCAL_CHAT
) -> Reply:
    guard.refused.clear()
    reply = answer_line(services, line, chat_id)
    assert_sendable(reply)
    assert guard.refused == []
    return reply


def command_line(command: str, args: str, *, mention: bool = False, upper: bool = False) -> str:
    name = command.upper() if upper else command
    return f"/{name}{'@closebot_test_bot' if mention else ''} {args}"


@pytest.mark.parametrize("command", QUESTIONS)
def test_every_question_answers_the_classic_attacks_safely(services, read_only, command):
    for args in CLASSIC_ATTACKS:
        ask_safely(services, read_only, command_line(command, args))


@pytest.mark.parametrize("command", CHAT_COMMANDS)
def test_every_chat_command_answers_the_classic_attacks_safely(
    services, market_data_read_only, command
):
    for args in CLASSIC_ATTACKS:
        ask_safely(services, market_data_read_only, command_line(command, args), CHAT_ID)


def test_a_plain_message_of_a_classic_attack_is_answered_safely(services, read_only):
    for text in CLASSIC_ATTACKS:
        ask_safely(services, read_only, text)


@BOUNDED
@given(
    command=st.sampled_from(QUESTIONS),
    args=arguments,
    mention=st.booleans(),
    upper=st.booleans(),
)
def test_every_question_answers_any_argument_text_safely(
    services, read_only, command, args, mention, upper
):
    ask_safely(services, read_only, command_line(command, args, mention=mention, upper=upper))


@BOUNDED
@given(
    command=st.sampled_from(CHAT_COMMANDS),
    chat_id=st.one_of(st.just(LOCAL_CHAT), st.integers(-(10**13), 10**13)),
    args=st.one_of(arguments, ten_thousand, st.sampled_from(("17:00", "16:10", "23:00", "24:61"))),
)
def test_chat_commands_answer_any_text_safely_and_touch_no_market_data(
    services, market_data_read_only, command, chat_id, args
):
    ask_safely(services, market_data_read_only, command_line(command, args), chat_id)


@BOUNDED
@given(text=arguments)
@example(text="/")
@example(text="/close<b>")
@example(text="//close")
def test_any_plain_message_is_answered_safely(services, read_only, text):
    ask_safely(services, read_only, text)


# Pieces of plain questions in every way of writing, to be put together in any order.
QUESTION_PIECES = (
    "how did", "close", "today", "yesterday", "last friday", "3/6", "31/2", "4 jun", "why",
    "biggest gainers", "losers", "top 10", "bank stocks", "chart", "3 months", "5y", "ytd",
    "xiaomi", "9988", "hsbc", "the market", "&", "<b>", "小米", "恒指", "今日", "尋日", "收市",
    "幾多", "點解", "升幅最大", "跌幅榜", "內銀股", "醫藥股", "上星期五", "6月4日", "三個月",
    "年初至今", "收盘", "为什么", "涨幅榜", "今天", "走勢圖", "定", "咗", "嘅", "?", "？", "",
)  # fmt: skip


@settings(BOUNDED, max_examples=50)  # many of these draw a chart
@given(
    pieces=st.lists(st.sampled_from(QUESTION_PIECES), max_size=8),
    joiner=st.sampled_from(("", " ")),
)
def test_any_mix_of_question_words_is_answered_safely(services, read_only, pieces, joiner):
    ask_safely(services, read_only, joiner.join(pieces))


@settings(BOUNDED, max_examples=50)
@given(command=st.sampled_from(QUESTIONS), args=ten_thousand)
def test_ten_thousand_character_arguments_are_answered_safely(services, read_only, command, args):
    ask_safely(services, read_only, command_line(command, args))


@settings(BOUNDED, max_examples=25)
@given(text=ten_thousand)
def test_a_ten_thousand_character_message_is_answered_safely(services, read_only, text):
    ask_safely(services, read_only, text)


# --- found while probing these properties ----------------------------------------------------


def test_a_sector_named_amid_ampersands_in_close_stays_within_the_limit(services):
    reply = answer_line(services, "/close " + "&" * 495 + "healthcare" + "&" * 495)
    assert "is a sector" in reply.text
    assert reply_problems(reply) == []


# --- the checker itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "a < b",
        "a > b",
        "fish & chips",
        "&amp without a semicolon",
        "&nbsp;",
        "&#0;",
        "<div>x</div>",
        "<br/>",
        "<b>x",
        "</b>",
        "<b><i>x</b></i>",
        "</>",
        "<!-- x -->",
        "<a>x</a>",
        '<a href="x" target="_blank">x</a>',
        "<span>x</span>",
        "<pre>a<b>b</b></pre>",
        '<b class="x">x</b>',
    ],
)
def test_the_checker_rejects_what_telegram_would_or_might(html):
    assert html_problems(html)


@pytest.mark.parametrize(
    "html",
    [
        "<b>bold</b> <i>it</i> <u>u</u> <s>s</s> <code>x &lt; y</code>",
        '<a href="https://example.com/?a=1&amp;b=2">link</a>',
        '<span class="tg-spoiler">s</span> <tg-spoiler>s</tg-spoiler>',
        '<pre><code class="language-python">&quot;x&quot; &#65; &#x1F680;</code></pre>',
        "<blockquote>q</blockquote>",
    ],
)
def test_the_checker_accepts_telegram_html(html):
    assert html_problems(html) == []
    parse_html(html)


def test_the_guard_refuses_a_write_as_it_is_attempted(services):
    guard = WriteGuard(writable=lambda table: table == "subscribers")
    services.store.db.conn.set_authorizer(guard)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            services.store.db.execute("DELETE FROM closes")
        services.store.db.execute("DELETE FROM subscribers")
    finally:
        services.store.db.conn.set_authorizer(None)
    assert guard.refused == [(sqlite3.SQLITE_DELETE, "closes", None)]


def test_the_comparison_sees_a_changed_row_and_only_in_the_tables_compared(services):
    store, compared = services.store, ("securities", "summaries")  # small tables: a quick test
    before = store.db.conn.serialize()
    store.db.execute("INSERT INTO subscribers VALUES (7, '2025-06-04', 1, NULL)")
    assert changed_tables(store, before, compared) == []
    store.db.execute("UPDATE securities SET name = name || '!' WHERE rowid = 1")
    assert changed_tables(store, before, compared) == ["securities"]
