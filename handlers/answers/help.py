"""/start and /help, and the gentle answer to unknown commands."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.answers.render import bold, escape, shorten
from handlers.answers.reply import Reply
from handlers.catalog import Command
from handlers.core.locale import N_
from handlers.services import Services

# Plain questions shown in /help, in the reply's language; an English reply also shows that
# Chinese is read (every chat is answered in either).
PLAIN_EXAMPLES = (N_("how did xiaomi close today?"), N_("biggest gainers"))
CHINESE_EXAMPLES = ("小米今日收市幾多", "升幅最大")


def answer_help(services: Services, commands: Sequence[Command]) -> Reply:
    """Every command with an example."""
    _ = services.locale._
    intro = _(
        "I answer questions about the Hong Kong market after the close: the Hang Seng indexes, "
        "any listed stock, REIT or ETF by name, code or Chinese name, sectors and the day's movers."
    )
    lines = [intro, ""]
    for info in commands:
        lines.append(f"/{info.name} — {escape(_(info.description))}")
        lines.append("   " + " · ".join(escape(_(e)) for e in info.examples))
    ask = _(
        "Or just ask, in English or Chinese: {examples}; or send a name, like {first} or {second}."
    )
    questions = [_(q) for q in PLAIN_EXAMPLES]
    if not services.locale.chinese:
        questions += CHINESE_EXAMPLES
    examples = ", ".join(bold(q) for q in questions)
    lines += ["", ask.format(examples=examples, first=bold(_("pop mart")), second=bold("700"))]
    return Reply("\n".join(lines))


def answer_unknown_command(services: Services, command: str) -> Reply:
    name = shorten(command.split()[0] if command.split() else command, 30)
    text = services.locale._("I don't know {command}. Send /help to see what I can do.")
    return Reply(text.format(command=escape(name)))
