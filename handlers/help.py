"""/start and /help, and the gentle answers to unknown commands and plain text."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import MessageHandler, filters

from handlers.catalog import CATALOG
from handlers.close import answer_close
from handlers.render import bold, escape, shorten
from handlers.reply import Reply
from handlers.services import Services
from handlers.suggest import did_you_mean
from handlers.telegram_io import (
    NEW_MESSAGES,
    Context,
    answer_command,
    command,
    send_reply,
    services_of,
)

INTRO = (
    "I answer questions about the Hong Kong market after the close: the Hang Seng indexes, "
    "any listed stock, REIT or ETF by name, code or Chinese name, sectors and the day's movers."
)


def answer_help(services: Services, args: str = "") -> Reply:
    """Every command with an example."""
    lines = [INTRO, ""]
    for info in CATALOG:
        lines.append(f"/{info.name} — {escape(info.description)}")
        lines.append("   " + " · ".join(escape(e) for e in info.examples))
    lines += ["", "Or just send a name, like " + bold("pop mart") + " or " + bold("700") + "."]
    return Reply("\n".join(lines))


def answer_unknown_command(services: Services, command: str) -> Reply:
    name = shorten(command.split()[0] if command.split() else command, 30)
    return Reply(f"I don't know {escape(name)}. Send /help to see what I can do.")


def answer_plain_text(services: Services, text: str) -> Reply:
    """A plain message that names a security is answered as /close would; anything else, a hint."""
    text = text.strip()
    if text:
        result = services.matcher.match(text, kinds=("security",))
        if result.outcome == "match":
            return answer_close(services, text)
        if result.outcome == "ambiguous":
            return did_you_mean(result, "close")
    return Reply("Send a stock's name or code, like pop mart or 700, or /help for everything I do.")


async def help_command(update: Update, context: Context) -> None:
    """/start, /help: what the bot does, with an example of every command."""
    await answer_command(update, context, answer_help)


async def unknown_command(update: Update, context: Context) -> None:
    """Any other /command meant for this bot: say so and point to /help. In a group, a bare
    /command may be another bot's, so only `/command@ThisBot` is answered there."""
    message = update.effective_message
    text = message.text if message and message.text else ""
    addressed = text.split()[0].lower().endswith(f"@{context.bot.username}".lower())
    if message is None or (message.chat.type != ChatType.PRIVATE and not addressed):
        return
    await send_reply(update, answer_unknown_command(services_of(context), text))


async def plain_text(update: Update, context: Context) -> None:
    """A message that is not a command: treat a security's name as /close, else hint."""
    message = update.effective_message
    text = message.text if message and message.text else ""
    await send_reply(update, answer_plain_text(services_of(context), text))


HANDLERS = [command(("start", "help"), help_command)]
FALLBACK_HANDLERS = [
    MessageHandler(NEW_MESSAGES & filters.COMMAND, unknown_command),
    # Private chats only: in a group, people's chatter is not for the bot.
    MessageHandler(
        NEW_MESSAGES & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, plain_text
    ),
]
