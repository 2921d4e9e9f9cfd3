"""The handlers python-telegram-bot runs for commands, "Did you mean" buttons, unknown commands
and plain text: each reads the update, calls the answer from the command table, and replies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from telegram import Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.answers.help import answer_plain_text, answer_unknown_command
from handlers.answers.render import escape
from handlers.answers.reply import Reply
from handlers.catalog import Command
from handlers.commands import LOCAL_CHAT, answer_in_chat, find_command
from handlers.edge.io import (
    NEW_MESSAGES,
    Context,
    keyboard,
    log_answered,
    send_reply,
    services_for,
)
from handlers.services import Services


async def run_answer(command: Command, services: Services, chat_id: int, args: str) -> Reply:
    """The command's answer, drawn in a worker thread when the command says it is slow."""
    if command.threaded:
        return await asyncio.to_thread(answer_in_chat, command, services, chat_id, args)
    return answer_in_chat(command, services, chat_id, args)


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
        if update.effective_chat is None:
            return
        args = " ".join(context.args or [])
        services = services_for(update, context)
        await send_reply(
            update, await run_answer(command, services, update.effective_chat.id, args)
        )
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
    command, args = find_command(query.data or "")
    if command is None:
        reply = answer_unknown_command(services, query.data or "")
    else:
        reply = await run_answer(command, services, chat_id, args)
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
    """A message that is not a command: treat a security's name as /close, else hint."""
    message = update.effective_message
    text = message.text if message and message.text else ""
    await send_reply(update, answer_plain_text(services_for(update, context), text))


BUTTON_HANDLERS = [CallbackQueryHandler(button_pressed)]
FALLBACK_HANDLERS = [
    MessageHandler(NEW_MESSAGES & filters.COMMAND, unknown_command),
    # Private chats only: in a group, people's chatter is not for the bot.
    MessageHandler(
        NEW_MESSAGES & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, plain_text
    ),
]
