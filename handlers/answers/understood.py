"""What the bot says about how it read a plain question: the words of its own, kept in one
place so they are easy to translate."""

from __future__ import annotations

from dataclasses import replace

from handlers.answers.render import italic
from handlers.answers.reply import Reply

NOT_UNDERSTOOD = Reply(
    "Send a stock's name or code, like pop mart or 700, or ask, like “how did xiaomi close "
    "today?” or “小米今日收市幾多”. /help shows everything I do."
)
TAKEN_AS = "Taken as {label}."


def taken_as(label: str, reply: Reply) -> Reply:
    """The reply, first saying which security a near match was taken to mean."""
    note = italic(TAKEN_AS.format(label=label))  # italic escapes the label
    return replace(reply, text=f"{note}\n{reply.text}")
