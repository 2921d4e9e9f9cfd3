"""One table from command name to answer, for everything that is not a typed Telegram command:
the console, `ask`, and "Did you mean" buttons (whose data is a command line)."""

from __future__ import annotations

import asyncio
import re

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler

from handlers.chart import answer_chart
from handlers.close import answer_close
from handlers.help import answer_help, answer_plain_text, answer_unknown_command
from handlers.movers import answer_movers
from handlers.render import escape
from handlers.reply import Reply
from handlers.sector import answer_sector
from handlers.services import Services
from handlers.summary import answer_summary
from handlers.telegram_io import Answer, Context, keyboard, services_of


def answer_chat_only(services: Services, args: str = "") -> Reply:
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
    "subscribe": answer_chat_only,
    "unsubscribe": answer_chat_only,
    "status": answer_chat_only,
}
_COMMAND = re.compile(r"^/(?P<name>[A-Za-z_]+)(?:@\w+)?(?:\s+(?P<args>.*))?$", re.DOTALL)


def answer_line(services: Services, line: str) -> Reply:
    """Answer a line as the bot would: "/close innovent" as a command, anything else as text."""
    line = line.strip()
    if not line.startswith("/"):
        return answer_plain_text(services, line)
    match = _COMMAND.match(line)
    answer = ANSWERS.get(match["name"].lower()) if match else None
    if match is None or answer is None:
        return answer_unknown_command(services, line)
    return answer(services, match["args"] or "")


async def button_pressed(update: Update, context: Context) -> None:
    """A "Did you mean" button: answer for the chosen one in place of the question."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    reply = await asyncio.to_thread(answer_line, services_of(context), query.data or "")
    if reply.photo is not None and query.message is not None:
        # A text message cannot become a photo: send the picture, and say so in the question.
        await query.edit_message_text(f"Chart: {escape(query.data or '')}")
        await query.message.reply_photo(reply.photo, caption=reply.text, parse_mode=ParseMode.HTML)
        return
    await query.edit_message_text(
        reply.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(reply)
    )


HANDLERS = [CallbackQueryHandler(button_pressed)]
