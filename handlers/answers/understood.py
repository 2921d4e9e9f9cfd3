"""What the bot says about how it read a plain question: the words of its own, kept in one
place, each through the reply's language."""

from __future__ import annotations

from dataclasses import replace

from handlers.answers.render import italic
from handlers.answers.reply import Reply
from handlers.core.locale import Locale


def not_understood(lang: Locale) -> Reply:
    return Reply(
        lang._(
            "Send a stock's name or code, like pop mart or 700, or ask, like “how did xiaomi "
            "close today?” or “小米今日收市幾多”. /help shows everything I do."
        )
    )


def taken_as(label: str, reply: Reply, lang: Locale) -> Reply:
    """The reply, first saying which security a near match was taken to mean."""
    note = italic(lang._("Taken as {label}.").format(label=label))  # italic escapes it all
    return replace(reply, text=f"{note}\n{reply.text}")
