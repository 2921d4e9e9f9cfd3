"""The real python-telegram-bot application, fed constructed updates, with requests recorded."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CommandHandler

from bot.app import APOLOGY
from handlers.commands import COMMANDS
from tests.offline import (
    BOT_USERNAME,
    RecordingRequest,
    make_callback_update,
    make_message_update,
)


def recorded(app) -> RecordingRequest:
    return app.bot.request


async def send(app, text: str, **kwargs) -> dict:
    await app.process_update(make_message_update(app.bot, text, **kwargs))
    return recorded(app).last()


def button_data(params: dict) -> list[str]:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row]


async def test_close_innovent_replies_in_html_with_the_close(app):
    sent = await send(app, "/close innovent")
    assert sent["parse_mode"] == "HTML"
    assert sent["chat_id"] == 42
    assert sent["text"].startswith("<b>Innovent Biologics</b> 信達生物\n1801.HK · Wed 4 Jun 2025")
    assert "Close <b>HK$74.25</b>  ▲ +9.20 (+14.14%)" in sent["text"]
    assert "reply_markup" not in sent


async def test_close_alone_replies_with_the_hang_seng_index(app):
    sent = await send(app, "/close")
    assert "Level <b>23,654.03</b>  ▲ +141.54 (+0.60%)" in sent["text"]


async def test_close_wuxi_offers_did_you_mean_buttons(app):
    sent = await send(app, "/close wuxi")
    assert "Did you mean" in sent["text"]
    assert {"/close 2268.HK", "/close 2269.HK", "/close 2359.HK"} <= set(button_data(sent))


async def test_pressing_a_did_you_mean_button_edits_the_question_into_the_answer(app):
    await app.process_update(make_callback_update(app.bot, "/close 2269.HK"))
    assert recorded(app).sent("answerCallbackQuery")
    edited = recorded(app).last("editMessageText")
    assert edited["message_id"] == 1000
    assert edited["parse_mode"] == "HTML"
    assert "<b>Wuxi Biologics Cayman Inc</b>" in edited["text"]
    assert "+2.02%" in edited["text"]


async def test_sector_helthcare_lists_innovent_first(app):
    sent = await send(app, "/sector helthcare")
    assert sent["text"].startswith("<b>Healthcare</b> · Wed 4 Jun 2025")
    assert "<pre> 1.  Innovent Biologics" in sent["text"]


async def test_movers_replies_with_gainers_and_losers(app):
    sent = await send(app, "/movers")
    gainers, losers = sent["text"].split("<b>Losers</b>")
    assert "Innovent Biologics" in gainers and "Nagacorp" in losers


async def test_a_group_command_addressed_to_the_bot_works_and_quotes_the_question(app):
    sent = await send(app, f"/close@{BOT_USERNAME} innovent", chat_id=-1001, user_id=7)
    assert "Innovent Biologics" in sent["text"]
    assert sent["chat_id"] == -1001
    assert sent["reply_parameters"]["message_id"]


async def test_a_private_reply_does_not_quote(app):
    sent = await send(app, "/movers")
    assert "reply_parameters" not in sent


async def test_plain_text_naming_a_stock_gets_its_close(app):
    sent = await send(app, "pop mart")
    assert "HK$246.00" in sent["text"]


async def test_a_question_in_plain_words_gets_its_answer(app):
    sent = await send(app, "how did xiaomi close today?")
    assert "1810.HK · Wed 4 Jun 2025" in sent["text"]
    sent = await send(app, "點解今日升")  # asked in Chinese: the day's story as written in it
    assert "恒指升0.6%連升兩日　藥股領漲" in sent["text"]


async def test_a_chart_asked_in_chinese_is_sent_as_a_picture(app):
    await app.process_update(make_message_update(app.bot, "美團三個月走勢圖"))
    photo = recorded(app).last("sendPhoto")
    # asked in Chinese, answered in Chinese (the chat chose no language)
    assert "3個月：▼ 跌20.50（-12.72%）" in photo["caption"]


async def test_an_unknown_command_gets_a_hint(app):
    sent = await send(app, "/weather hk")
    assert sent["text"] == "I don't know /weather. Send /help to see what I can do."


async def test_start_and_help_list_every_command(app):
    for command in ("/start", "/help"):
        sent = await send(app, command)
        for info in COMMANDS:
            assert f"/{info.name} — " in sent["text"]


async def test_a_failing_handler_is_logged_and_the_user_gets_an_apology(app, caplog):
    async def broken(update, context):
        raise RuntimeError("boom")

    app.add_handler(CommandHandler("close", broken), group=-2)
    with caplog.at_level(logging.ERROR):
        await send(app, "/close innovent")
    texts = [m["text"] for m in recorded(app).sent()]
    assert texts[0] == APOLOGY
    assert "Traceback" not in "".join(texts) and "boom" not in "".join(texts)
    failure = next(r for r in caplog.records if "update failed" in r.getMessage())
    assert "chat=42" in failure.getMessage() and "/close innovent" in failure.getMessage()
    assert isinstance(failure.exc_info[1], RuntimeError)


async def test_one_bad_update_does_not_stop_the_next(app):
    async def broken(update, context):
        raise RuntimeError("boom")

    app.add_handler(CommandHandler("movers", broken), group=-2)
    await send(app, "/movers")
    sent = await send(app, "/close 700")
    assert "Tencent" in sent["text"]


async def test_the_command_menu_lists_every_command_with_a_description(app):
    await app.post_init(app)
    commands = recorded(app).last("setMyCommands")["commands"]
    assert [c["command"] for c in commands] == [c.name for c in COMMANDS]
    assert all(c["description"] for c in commands)


async def test_every_registered_command_is_in_help_and_the_menu(app):
    registered = {
        name
        for handlers in app.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for name in handler.commands
    }
    documented = {c.name for c in COMMANDS} | {"start"}
    assert registered == documented


async def test_each_answered_command_is_logged_with_chat_and_time(app, caplog):
    with caplog.at_level(logging.INFO, logger="handlers.edge.io"):
        await send(app, "/close 700")
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("answered"))
    assert "chat=42" in line and "command=/close" in line and "ms=" in line


async def test_editing_an_answered_command_does_not_run_it_again(app):
    from telegram import Update

    update = make_message_update(app.bot, "/watch add innovent")
    await app.process_update(update)
    edited = Update.de_json(
        {"update_id": 999_001, "edited_message": {**update.message.to_dict(), "edit_date": 1}},
        app.bot,
    )
    await app.process_update(edited)
    assert len(recorded(app).sent()) == 1


async def test_plain_chatter_and_other_bots_commands_in_a_group_get_no_reply(app):
    await app.process_update(make_message_update(app.bot, "nice weather", chat_id=-1001))
    await app.process_update(make_message_update(app.bot, "/roll@dicebot", chat_id=-1001))
    assert recorded(app).sent() == []


async def test_a_group_migrating_to_a_supergroup_keeps_its_watchlist(app):
    from telegram import Update

    store = app.bot_data.services.store
    await app.process_update(make_message_update(app.bot, "/watch add innovent", chat_id=-5))
    migration = {
        "update_id": 999_002,
        "message": {
            "message_id": 77,
            "date": 1,
            "chat": {"id": -5, "type": "group", "title": "Traders"},
            "migrate_to_chat_id": -100555,
        },
    }
    await app.process_update(Update.de_json(migration, app.bot))
    assert [s.ticker for s in store.chats.watchlist(-100555)] == ["1801.HK"]
    assert store.chats.watchlist(-5) == []


async def test_an_unknown_command_addressed_to_the_bot_in_a_group_gets_a_hint(app):
    sent = await send(app, f"/weather@{BOT_USERNAME}", chat_id=-1001)
    assert sent["text"].startswith(f"I don't know /weather@{BOT_USERNAME}.")


async def test_a_button_press_without_a_message_acts_on_no_chat(app, services):
    """A forged press (no message, so no chat) must not act on the console's own chat."""
    from handlers.commands import LOCAL_CHAT

    services.store.chats.add_alert(
        LOCAL_CHAT, "1801.HK", "above", 80.0, repeat=False, at=services.now(), since_date=None
    )
    update = make_callback_update(app.bot, "/alert remove 1")
    payload = update.to_dict()
    del payload["callback_query"]["message"]
    payload["callback_query"]["inline_message_id"] = "forged"
    await app.process_update(Update.de_json(payload, app.bot))
    assert [a.number for a in services.store.chats.alerts(LOCAL_CHAT)] == [1]
    assert app.bot.request.sent("editMessageText") == []
