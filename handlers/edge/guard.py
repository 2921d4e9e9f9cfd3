"""The first stop of every update: flood control, before any handler does work, and taking
back a chat that had blocked the bot."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, TypeHandler

from handlers.core.flood import SLOW_DOWN, Verdict
from handlers.edge.io import Context, services_for, services_of


async def flood_guard(update: Update, context: Context) -> None:
    """Let the update through, or stop it: one "slow down" per flood, then silence."""
    chat = update.effective_chat
    if chat is None or update.inline_query is not None:
        return
    if chat.type != ChatType.PRIVATE and not _for_the_bot(update):
        return  # group chatter the bot ignores anyway must not count against the group
    verdict = await context.bot_data.flood.acheck(chat.id)
    if verdict is Verdict.ALLOW:
        # A chat that blocked the bot and now talks to it again wants its deliveries back.
        services_of(context).store.ledger.unblock_chat(chat.id)
        return
    if verdict is Verdict.WARN and update.effective_message is not None:
        lang = services_for(update, context).locale
        await update.effective_message.reply_text(lang._(SLOW_DOWN))
    if update.callback_query is not None:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


def _for_the_bot(update: Update) -> bool:
    """A command or a button press: what the bot answers in a group."""
    message = update.message
    return update.callback_query is not None or bool(
        message and message.text and message.text.startswith("/")
    )


GROUP = -1  # runs before the command handlers in group 0
HANDLERS = [TypeHandler(Update, flood_guard)]
