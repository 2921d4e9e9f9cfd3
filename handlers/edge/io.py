"""The thin edge between answers and Telegram: read the update, call the answer, send the reply."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import CallbackContext, ExtBot, filters

from handlers.answers.reply import Reply
from handlers.core.flood import FloodCheck, FloodGuard
from handlers.core.locale import language_for, locale
from handlers.services import Services

logger = logging.getLogger(__name__)


class BotData:
    """What the application shares between handlers (`context.bot_data`)."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.flood: FloodCheck = FloodGuard()  # in Redis for several workers (bot/shared.py)
        # Set when the process is told to stop: pushes and alerts claim nothing more.
        self.stopping = asyncio.Event()


# ExtBot[Any]: the bot's rate limiter (or none, in tests) sets its type argument.
Context = CallbackContext[ExtBot[Any], dict, dict, BotData]


def services_of(context: Context) -> Services:
    services = context.bot_data.services
    if services is None:
        raise RuntimeError("services are opened in post_init; the application is not initialised")
    return services


def services_for(update: Update, context: Context) -> Services:
    """The services speaking the language of the chat the update comes from: the one chosen
    there with /lang, else the one guessed from the first person who talked to the bot there
    (their Telegram language_code), which is stored now if it was not yet."""
    services = services_of(context)
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return services.speaking(locale(language_for(user.language_code if user else None)))
    setting = services.store.chats.language_setting(chat.id)
    if setting is None:
        code = language_for(user.language_code if user else None)
        services.store.chats.set_language(chat.id, code, services.now(), chosen=False)
        return services.speaking(locale(code))
    return services.speaking(locale(setting.language), chosen=setting.chosen)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.command) for b in row]
            for row in reply.buttons
        ]
    )


async def send_reply(update: Update, reply: Reply) -> None:
    """Answer in the same chat; in groups quote the asking message so the thread stays readable."""
    message = update.effective_message
    if message is None:
        return
    in_group = message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    if reply.photo is not None:
        await message.reply_photo(
            reply.photo,
            caption=reply.text,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply),
            do_quote=in_group,
        )
        return
    await message.reply_text(
        reply.text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(reply),
        do_quote=in_group,
    )


def log_answered(update: Update, started: float) -> None:
    message = update.effective_message
    command = (message.text or "").split(maxsplit=1)[0] if message and message.text else "?"
    chat = update.effective_chat.id if update.effective_chat else "?"
    elapsed = (time.perf_counter() - started) * 1000
    logger.info("answered chat=%s command=%s ms=%.1f", chat, command[:40], elapsed)


# New messages only: editing a command that was already answered must not run it again.
NEW_MESSAGES = filters.UpdateType.MESSAGE
