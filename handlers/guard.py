"""The first stop of every update: flood control, before any handler does work, and taking
back a chat that had blocked the bot."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from handlers.flood import SLOW_DOWN, Verdict
from handlers.telegram_io import Context, services_of


async def flood_guard(update: Update, context: Context) -> None:
    """Let the update through, or stop it: one "slow down" per flood, then silence."""
    chat = update.effective_chat
    if chat is None or update.inline_query is not None:
        return
    verdict = context.bot_data.flood.check(chat.id)
    if verdict is Verdict.ALLOW:
        # A chat that blocked the bot and now talks to it again wants its deliveries back.
        services_of(context).store.unblock_chat(chat.id)
        return
    if verdict is Verdict.WARN and update.effective_message is not None:
        await update.effective_message.reply_text(SLOW_DOWN)
    if update.callback_query is not None:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


GROUP = -1  # runs before the command handlers in group 0
HANDLERS = [TypeHandler(Update, flood_guard)]
