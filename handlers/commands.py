"""One table from command name to answer, for everything that is not a typed Telegram command:
the console, `ask`, and "Did you mean" buttons (whose data is a command line)."""

from __future__ import annotations

import asyncio
import re

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler

from handlers.alerts import answer_alert, answer_alerts
from handlers.chart import answer_chart
from handlers.close import answer_close
from handlers.help import answer_help, answer_plain_text, answer_unknown_command
from handlers.movers import answer_movers
from handlers.render import escape
from handlers.reply import Reply
from handlers.sector import answer_sector
from handlers.services import Services
from handlers.subscribe import answer_status, answer_subscribe, answer_unsubscribe
from handlers.summary import answer_summary
from handlers.telegram_io import Answer, ChatAnswer, Context, keyboard, services_of
from handlers.watch import answer_watch

LOCAL_CHAT = 0  # the console and `ask`: one local chat, its lists kept in the same database


def answer_chat_only(services: Services, chat_id: int, args: str = "") -> Reply:
    """Subscriptions belong to Telegram chats; the console has nowhere to push to."""
    return Reply("Subscriptions work in a Telegram chat: the console has no daily push.")


ANSWERS: dict[str, Answer] = {
    "close": answer_close,
    "sector": answer_sector,
    "movers": answer_movers,
    "summary": answer_summary,
    "chart": answer_chart,
    "help": answer_help,
    "start": answer_help,
}
CHAT_ANSWERS: dict[str, ChatAnswer] = {
    "watch": answer_watch,
    "alert": answer_alert,
    "alerts": answer_alerts,
    "subscribe": answer_subscribe,
    "unsubscribe": answer_unsubscribe,
    "status": answer_status,
}
PUSH_COMMANDS = ("subscribe", "unsubscribe", "status")
_COMMAND = re.compile(r"^/(?P<name>[A-Za-z_]+)(?:@\w+)?(?:\s+(?P<args>.*))?$", re.DOTALL)


def answer_line(services: Services, line: str, chat_id: int = LOCAL_CHAT) -> Reply:
    """Answer a line as the bot would in `chat_id`: a command, or anything else as text."""
    line = line.strip()
    if not line.startswith("/"):
        return answer_plain_text(services, line)
    match = _COMMAND.match(line)
    name = match["name"].lower() if match else ""
    args = (match["args"] or "") if match else ""
    if name in CHAT_ANSWERS:
        if chat_id == LOCAL_CHAT and name in PUSH_COMMANDS:
            return answer_chat_only(services, chat_id, args)
        return CHAT_ANSWERS[name](services, chat_id, args)
    answer = ANSWERS.get(name)
    if answer is None:
        return answer_unknown_command(services, line)
    return answer(services, args)


async def button_pressed(update: Update, context: Context) -> None:
    """A "Did you mean" button: answer for the chosen one in place of the question."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    chat_id = query.message.chat.id if query.message else LOCAL_CHAT
    data = query.data or ""
    if data.startswith("/chart"):  # drawing takes a while: in a thread, and it only reads
        reply = await asyncio.to_thread(answer_line, services_of(context), data, chat_id)
    else:  # the rest may write (a watchlist, an alert): on the loop, like typed commands
        reply = answer_line(services_of(context), data, chat_id)
    if reply.photo is not None and isinstance(query.message, Message):
        # A text message cannot become a photo: send the picture, and say so in the question.
        await query.edit_message_text(
            f"Chart: {escape(query.data or '')}", parse_mode=ParseMode.HTML
        )
        await query.message.reply_photo(reply.photo, caption=reply.text, parse_mode=ParseMode.HTML)
        return
    await query.edit_message_text(
        reply.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(reply)
    )


HANDLERS = [CallbackQueryHandler(button_pressed)]
