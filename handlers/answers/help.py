"""/start and /help, and the gentle answer to unknown commands."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.answers.render import bold, escape, shorten
from handlers.answers.reply import Reply
from handlers.catalog import Command
from handlers.services import Services


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
    names = _("Or just send a name, like {first} or {second}.")
    lines += ["", names.format(first=bold(_("pop mart")), second=bold("700"))]
    return Reply("\n".join(lines))


def answer_unknown_command(services: Services, command: str) -> Reply:
    name = shorten(command.split()[0] if command.split() else command, 30)
    text = services.locale._("I don't know {command}. Send /help to see what I can do.")
    return Reply(text.format(command=escape(name)))
