"""A group that became a supergroup keeps its subscription, watchlist and alerts."""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from handlers.edge.io import Context, services_of


async def chat_migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: its subscription, watchlist and alerts follow it."""
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id:
        services_of(context).store.chats.move_chat(message.chat.id, message.migrate_to_chat_id)


HANDLERS = [MessageHandler(filters.StatusUpdate.MIGRATE, chat_migrated)]
