"""/start and /help, and the gentle answers to unknown commands and plain text."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.answers.close import answer_close
from handlers.answers.render import bold, escape, shorten
from handlers.answers.reply import Reply
from handlers.answers.suggest import did_you_mean
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


def answer_plain_text(services: Services, text: str) -> Reply:
    """A plain message that names a security is answered as /close would; anything else, a hint."""
    text = text.strip()
    if text:
        result = services.matcher.match(text, kinds=("security",))
        if result.outcome == "match":
            return answer_close(services, text)
        if result.outcome == "ambiguous":
            return did_you_mean(services, result, "close")
    return Reply(
        services.locale._(
            "Send a stock's name or code, like pop mart or 700, or /help for everything I do."
        )
    )
