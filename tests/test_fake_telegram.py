"""Tests of the fake Bot API server, driven through python-telegram-bot's real network stack.

If the fake drifts from how Telegram behaves, every end-to-end test built on it lies;
these tests pin the behaviour the bot's tests rely on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.requests import tls_context
from tests.fake_telegram import (
    DEFAULT_GROUP_USER_ID,
    FakeTelegramServer,
    RecordedCall,
    client_requests,
    parse_html,
    utf16_len,
)

# A 1x1 PNG: small, but with a real header so the fake reports its size.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture
def server() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer() as fake:
        yield fake


@pytest.fixture
async def bot(server: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(
        server.token,
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        **client_requests(),
    ) as client:
        yield client


def is_message_to(chat_id: int, text: str) -> Callable[[RecordedCall], bool]:
    def predicate(call: RecordedCall) -> bool:
        return (
            call.ok
            and call.method == "sendMessage"
            and call.params.get("chat_id") == chat_id
            and call.params.get("text") == text
        )

    return predicate


# ---------------------------------------------------------------- basics


async def test_ptb_get_me_returns_the_fake_bot_user(bot: Bot, server: FakeTelegramServer) -> None:
    me = await bot.get_me()

    assert me.is_bot
    assert me.username == "closebot_test_bot"
    assert me.id == server.bot_id
    assert me.supports_inline_queries is True
    assert me.can_join_groups is True


async def test_wrong_token_gets_401_and_unknown_method_gets_404(
    server: FakeTelegramServer,
) -> None:
    async with httpx.AsyncClient(verify=tls_context()) as client:
        wrong = await client.post(f"{server.base_url}1:wrong/getMe")
        unknown = await client.post(f"{server.base_url}{server.token}/sendTelepathy")

    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_ptb_reports_a_wrong_token_as_invalid_token(server: FakeTelegramServer) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("1:wrong", base_url=server.base_url, **client_requests()):
            pass


async def test_json_bodies_and_lowercase_method_names_are_accepted(
    server: FakeTelegramServer,
) -> None:
    async with httpx.AsyncClient(verify=tls_context()) as client:
        response = await client.post(
            f"{server.base_url}{server.token}/sendmessage", json={"chat_id": "5", "text": "hi"}
        )

    assert response.json()["result"]["chat"] == {"id": 5, "type": "private", "first_name": "User5"}
    assert server.calls[-1].method == "sendMessage"
    assert server.sent_messages(5) == [{"chat_id": 5, "text": "hi"}]


# ---------------------------------------------------------------- sendMessage validation


async def test_send_message_with_valid_html_is_recorded_and_parsed(
    bot: Bot, server: FakeTelegramServer
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more:0700")]])
    message = await bot.send_message(
        1, "<b>HSI</b> closed &lt;up&gt; 1.2% &amp; more", ParseMode.HTML, reply_markup=markup
    )

    assert message.message_id == 1
    assert message.text == "HSI closed <up> 1.2% & more"
    assert message.entities[0].type == "bold"
    assert (message.entities[0].offset, message.entities[0].length) == (0, 3)
    assert message.from_user.username == "closebot_test_bot"
    assert message.chat.id == 1 and message.chat.type == "private"
    assert message.reply_markup == markup
    [sent] = server.sent_messages(chat_id=1)
    assert sent["text"] == "<b>HSI</b> closed &lt;up&gt; 1.2% &amp; more"
    assert sent["parse_mode"] == "HTML"
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "more:0700"

    second = await bot.send_message(1, "again")
    assert second.message_id == 2


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<b>x", 'end tag corresponding to start tag "b"'),
        ("<div>hi</div>", 'unsupported start tag "div" at byte offset 0'),
        ("1 < 2", 'unsupported start tag "" at byte offset 2'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ('<span class="red">x</span>', 'tag "span" must have class "tg-spoiler"'),
    ],
)
async def test_invalid_html_raises_bad_request(
    bot: Bot, server: FakeTelegramServer, text: str, reason: str
) -> None:
    with pytest.raises(BadRequest, match="parse entities") as caught:
        await bot.send_message(1, text, ParseMode.HTML)

    assert reason.lower() in caught.value.message.lower()
    assert server.sent_messages() == []
    assert server.calls[-1].status == 400


@pytest.mark.parametrize("text", ["AT&T", "a & b", "&foo; &copy"])
async def test_an_ampersand_that_is_not_a_known_entity_stays_literal(bot: Bot, text: str) -> None:
    """Telegram (tdlib) keeps unknown ``&...`` as text instead of rejecting it."""
    message = await bot.send_message(1, text, ParseMode.HTML)

    assert message.text == text


def test_html_parser_handles_telegram_tags_and_entities() -> None:
    text, entities = parse_html(
        '<pre><code class="language-python">x = 1</code></pre>'
        '<tg-spoiler>s</tg-spoiler><a href="https://example.com">link</a>'
        "<blockquote expandable>q</blockquote>&#128512;&#x41;&quot;"
    )

    assert text == 'x = 1slinkq😀A"'
    assert [e["type"] for e in entities] == [
        "pre",
        "spoiler",
        "text_link",
        "expandable_blockquote",
    ]
    assert entities[0]["language"] == "python"
    assert entities[2]["url"] == "https://example.com"


async def test_too_long_text_raises_bad_request_counting_utf16_after_parsing(
    bot: Bot,
) -> None:
    await bot.send_message(1, "<b>" + "x" * 4096 + "</b>", ParseMode.HTML)  # tags not counted
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1, "x" * 4097)
    # 2049 emoji are 4098 UTF-16 code units although len() says 2049.
    assert utf16_len("😀" * 2049) == 4098
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1, "😀" * 2049)


async def test_empty_text_after_parsing_raises_bad_request(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(1, "<b></b> ", ParseMode.HTML)


async def test_callback_data_over_64_bytes_raises_bad_request(bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])

    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(1, "pick", reply_markup=markup)


# ---------------------------------------------------------------- injected faults


async def test_injected_429_raises_retry_after_once(
    bot: Bot, server: FakeTelegramServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22 warns when retry_after is read as an int; opt in to the timedelta API.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    server.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 1",
        parameters={"retry_after": 1},
    )

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(1, "hello")

    assert caught.value.retry_after == timedelta(seconds=1)
    await bot.send_message(1, "hello")  # only the next call failed
    assert [call.status for call in server.calls_to("sendMessage")] == [429, 200]


async def test_injected_403_raises_forbidden_only_for_that_chat(
    bot: Bot, server: FakeTelegramServer
) -> None:
    server.fail_next(
        "sendMessage",
        chat_id=2,
        error_code=403,
        description="Forbidden: bot was blocked by the user",
        times=None,
    )

    await bot.send_message(1, "fine")
    for _ in range(2):
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(2, "blocked")
    assert [m["chat_id"] for m in server.sent_messages()] == [1]


async def test_injected_migration_raises_chat_migrated(
    bot: Bot, server: FakeTelegramServer
) -> None:
    server.fail_next(
        "sendMessage",
        error_code=400,
        description="Bad Request: group chat was upgraded to a supergroup chat",
        parameters={"migrate_to_chat_id": -100123},
    )

    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-42, "hello group")

    assert caught.value.new_chat_id == -100123


# ---------------------------------------------------------------- updates


async def test_get_updates_confirms_by_offset_and_builds_command_entities(
    bot: Bot, server: FakeTelegramServer
) -> None:
    server.send_text(1, "😀 /start@closebot_test_bot now")
    server.send_text(1, "/ping")

    first, second = await bot.get_updates()
    assert first.message.text == "😀 /start@closebot_test_bot now"
    [entity] = first.message.entities
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 3, 24)
    assert second.message.message_id == first.message.message_id + 1
    assert second.message.from_user.username == "alice"

    again = await bot.get_updates(offset=second.update_id)
    assert [u.update_id for u in again] == [second.update_id]
    assert await bot.get_updates(offset=second.update_id + 1) == ()
    assert server.pending_updates == []


async def test_group_messages_have_a_group_chat_and_a_distinct_sender(
    bot: Bot, server: FakeTelegramServer
) -> None:
    server.send_text(-42, "/close@closebot_test_bot 700", chat_type="group", username="bob")

    [update] = await bot.get_updates()
    assert update.effective_chat.type == "group"
    assert update.effective_user.id == DEFAULT_GROUP_USER_ID
    assert update.effective_user.username == "bob"
    reply = await bot.send_message(-42, "ok")
    assert reply.chat.title == update.effective_chat.title


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    bot: Bot, server: FakeTelegramServer
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()

    server.send_text(7, "hi")
    [update] = await poll

    assert update.message.text == "hi"
    assert time.monotonic() - started < 2


async def test_a_second_bot_instance_polling_terminates_the_waiting_one(
    bot: Bot, server: FakeTelegramServer
) -> None:
    waiting = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)

    async with Bot(server.token, base_url=server.base_url, **client_requests()) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await waiting


async def test_allowed_updates_filters_update_types(bot: Bot, server: FakeTelegramServer) -> None:
    server.send_text(1, "text")
    server.inline_query(1, "hsi")

    [update] = await bot.get_updates(allowed_updates=["inline_query"])

    assert update.inline_query.query == "hsi"


async def test_stop_ends_a_pending_long_poll_promptly() -> None:
    server = FakeTelegramServer().start()
    try:
        async with Bot(server.token, base_url=server.base_url, **client_requests()) as client:
            poll = asyncio.create_task(client.get_updates(timeout=30))
            await asyncio.sleep(0.2)
            started = time.monotonic()

            await asyncio.to_thread(server.stop)

            assert await poll == ()
            assert time.monotonic() - started < 2
    finally:
        server.stop()  # idempotent; only does work if an assertion above failed


# ---------------------------------------------------------------- other methods


async def test_button_press_edit_and_callback_answer(bot: Bot, server: FakeTelegramServer) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Refresh", callback_data="refresh")]])
    sent = await bot.send_message(1, "v1", reply_markup=markup)

    server.press_button(1, sent.message_id, "refresh")
    with pytest.raises(ValueError, match="no button"):
        server.press_button(1, sent.message_id, "not-on-the-keyboard")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert query.data == "refresh"
    assert query.message.message_id == sent.message_id
    assert query.message.reply_markup == markup

    assert await bot.answer_callback_query(query.id, text="Refreshed") is True
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query.id)

    edited = await bot.edit_message_text("v2", 1, sent.message_id, reply_markup=markup)
    assert edited.text == "v2" and edited.edit_date is not None
    assert server.get_message(1, sent.message_id)["text"] == "v2"
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("v2", 1, sent.message_id, reply_markup=markup)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("v3", 1, 999)
    assert [m["text"] for m in server.sent_messages(1)] == ["v1", "v2"]


async def test_send_photo_records_uploaded_bytes_and_serves_them_back(
    bot: Bot, server: FakeTelegramServer
) -> None:
    message = await bot.send_photo(3, PNG_1X1, caption="<i>chart</i>", parse_mode=ParseMode.HTML)

    [call] = server.sent_photos(chat_id=3)
    assert call.files["photo"].data == PNG_1X1
    assert message.caption == "chart"
    [size] = message.photo
    assert (size.width, size.height) == (1, 1)
    file = await bot.get_file(size.file_id)
    assert bytes(await file.download_as_bytearray()) == PNG_1X1


async def test_commands_webhook_chat_action_and_inline_answers(
    bot: Bot, server: FakeTelegramServer
) -> None:
    commands = [BotCommand("close", "Market close"), BotCommand("help", "How to use")]
    assert await bot.set_my_commands(commands)
    assert await bot.get_my_commands() == tuple(commands)
    assert server.commands() == [c.to_dict() for c in commands]
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad Name", "x")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()

    assert await bot.set_webhook("https://example.com/hook")
    assert (await bot.get_webhook_info()).url == "https://example.com/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True)

    assert await bot.send_chat_action(1, "typing")
    chat = await bot.get_chat(1)
    assert chat.type == "private"

    update = server.inline_query(5, "700")
    assert await bot.answer_inline_query(update["inline_query"]["id"], [])
    assert await bot.close() and await bot.log_out()


async def test_wait_for_works_from_a_thread_and_refuses_to_block_the_loop(
    bot: Bot, server: FakeTelegramServer
) -> None:
    waiter = asyncio.create_task(asyncio.to_thread(server.wait_for, is_message_to(9, "hey")))
    await asyncio.sleep(0.05)
    await bot.send_message(9, "hey")

    assert (await waiter).params["text"] == "hey"
    with pytest.raises(RuntimeError, match="wait_for_async"):
        server.wait_for(is_message_to(9, "hey"))
    with pytest.raises(TimeoutError, match="no matching call"):
        await server.wait_for_async(is_message_to(9, "never"), timeout=0.05)


# ---------------------------------------------------------------- end to end


async def test_application_replies_pong_to_ping_end_to_end(server: FakeTelegramServer) -> None:
    async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("pong")

    app = (
        Application.builder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("ping", ping))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        server.send_text(1, "/ping")
        await server.wait_for_async(is_message_to(1, "pong"))
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

    assert server.get_message(1, 2)["text"] == "pong"  # message 1 was the user's /ping
    # Stopping the updater confirmed the handled update, so a restart would not see it again.
    assert server.pending_updates == []
