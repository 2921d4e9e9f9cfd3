"""/start and /help, and the gentle answer to unknown commands."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.answers.render import bold, escape, shorten
from handlers.answers.reply import Reply
from handlers.catalog import Command
from handlers.services import Services

INTRO = (
    "I answer questions about the Hong Kong market after the close: the Hang Seng indexes, "
    "any listed stock, REIT or ETF by name, code or Chinese name, sectors and the day's movers."
)


PLAIN_EXAMPLES = ("how did xiaomi close today?", "小米今日收市幾多", "升幅最大")


def answer_help(commands: Sequence[Command]) -> Reply:
    """Every command with an example."""
    lines = [INTRO, ""]
    for info in commands:
        lines.append(f"/{info.name} — {escape(info.description)}")
        lines.append("   " + " · ".join(escape(e) for e in info.examples))
    lines += [
        "",
        "Or just ask, in English or Chinese: "
        + ", ".join(bold(q) for q in PLAIN_EXAMPLES)
        + "; or send a name, like "
        + bold("pop mart")
        + " or "
        + bold("700")
        + ".",
    ]
    return Reply("\n".join(lines))


def answer_unknown_command(services: Services, command: str) -> Reply:
    name = shorten(command.split()[0] if command.split() else command, 30)
    return Reply(f"I don't know {escape(name)}. Send /help to see what I can do.")
