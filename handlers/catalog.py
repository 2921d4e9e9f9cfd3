"""What a command is: its name, the words /help and the menu show, its answer, and where and how
the answer runs. The table of every command is `handlers.commands.COMMANDS`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers.answers.reply import Reply
from handlers.services import Services

# (services, the chat asking, the words after the command) → the reply
Answer = Callable[[Services, int, str], Reply]
MarketAnswer = Callable[[Services, str], Reply]


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    examples: tuple[str, ...]
    answer: Answer
    # Reads or writes the asking chat's own lists (watchlist, alerts, subscription); the other
    # commands answer the same whoever asks and never write.
    about_the_chat: bool = False
    # Needs a real Telegram chat (the daily push goes to one): the console says so instead.
    telegram_only: bool = False
    # Slow and read-only (drawing a chart): run in a worker thread so other chats keep answering.
    threaded: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def about_the_market(answer: MarketAnswer) -> Answer:
    """An answer that is the same whichever chat asks (/close, /sector …)."""

    def for_any_chat(services: Services, chat_id: int, args: str) -> Reply:
        return answer(services, args)

    for_any_chat.__doc__ = answer.__doc__
    return for_any_chat
