"""The handlers python-telegram-bot runs for commands, "Did you mean" buttons, unknown commands
and plain text: each reads the update, calls the answer from the command table, and replies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from telegram import Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.answers.help import answer_unknown_command
from handlers.answers.render import escape
from handlers.answers.reply import Reply
from handlers.catalog import Command
from handlers.commands import LOCAL_CHAT, answer_request, command_of, parse_line
from handlers.core.request import Request
from handlers.edge.io import (
    NEW_MESSAGES,
    Context,
    keyboard,
    log_answered,
    send_reply,
    services_for,
)
from handlers.services import Services


async def run_answer(services: Services, request: Request, chat_id: int) -> Reply:
    """The request's answer, drawn in a worker thread when its command says it is slow."""
    command = command_of(request)
    if command is not None and command.threaded and not request.choices:
        return await asyncio.to_thread(answer_request, services, request, chat_id)
    return answer_request(services, request, chat_id)


async def answer_text(services: Services, text: str, chat_id: int) -> Reply:
    """Any text, a command or a sentence, read into a request and answered."""
    return await run_answer(services, parse_line(services, text), chat_id)


def command_handlers(commands: Sequence[Command]) -> list[CommandHandler]:
    """One handler per command (also `/name@ThisBot` in groups), for newly sent messages only:
    editing a command that was already answered must not run it again."""
    return [
        CommandHandler(command.names, _answering(command), filters=NEW_MESSAGES)
        for command in commands
    ]


def _answering(command: Command):  # noqa: ANN202 - a PTB callback
    async def answer(update: Update, context: Context) -> None:
        started = time.perf_counter()
        message = update.effective_message
        if update.effective_chat is None or message is None:
            return
        # The command as this handler knows it, with the words after it as typed.
        args = " ".join(context.args or [])
        line = f"/{command.name} {args}".strip()
        services = services_for(update, context)
        await send_reply(update, await answer_text(services, line, update.effective_chat.id))
        log_answered(update, started)

    answer.__doc__ = f"/{command.name}: {command.description}."
    return answer


async def button_pressed(update: Update, context: Context) -> None:
    """A "Did you mean" button: answer for the chosen one in place of the question."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    chat_id = query.message.chat.id if query.message else LOCAL_CHAT
    services = services_for(update, context)
    reply = await answer_text(services, query.data or "", chat_id)
    if reply.photo is not None and isinstance(query.message, Message):
        # A text message cannot become a photo: send the picture, and say so in the question.
        chart = services.locale._("Chart: {command}").format(command=escape(query.data or ""))
        await query.edit_message_text(chart, parse_mode=ParseMode.HTML)
        await query.message.reply_photo(reply.photo, caption=reply.text, parse_mode=ParseMode.HTML)
        return
    await query.edit_message_text(
        reply.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(reply)
    )


async def unknown_command(update: Update, context: Context) -> None:
    """Any other /command meant for this bot: say so and point to /help. In a group, a bare
    /command may be another bot's, so only `/command@ThisBot` is answered there."""
    message = update.effective_message
    text = message.text if message and message.text else ""
    addressed = text.split()[0].lower().endswith(f"@{context.bot.username}".lower())
    if message is None or (message.chat.type != ChatType.PRIVATE and not addressed):
        return
    await send_reply(update, answer_unknown_command(services_for(update, context), text))


async def plain_text(update: Update, context: Context) -> None:
    """A message that is not a command: a question in plain words ("how did xiaomi close
    today?", "小米今日收市幾多") or a name, answered as its command would."""
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    started = time.perf_counter()
    services, chat_id = services_for(update, context), update.effective_chat.id
    await send_reply(update, await answer_text(services, message.text or "", chat_id))
    log_answered(update, started)


BUTTON_HANDLERS = [CallbackQueryHandler(button_pressed)]
FALLBACK_HANDLERS = [
    MessageHandler(NEW_MESSAGES & filters.COMMAND, unknown_command),
    # Private chats only: in a group, people's chatter is not for the bot.
    MessageHandler(
        NEW_MESSAGES & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, plain_text
    ),
]
