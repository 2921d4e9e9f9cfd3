"""A local chat with the bot in the terminal: the same answers Telegram users get, no token."""

from __future__ import annotations

from collections.abc import Callable

from handlers.answers.alerts import due_messages
from handlers.answers.render import html_to_text
from handlers.answers.reply import Button, Reply
from handlers.commands import LOCAL_CHAT, answer_line
from handlers.core.locale import ENGLISH_LOCALE, Locale, locale
from handlers.services import Services

PROMPT = "you> "


def welcome(lang: Locale) -> str:
    return lang._(
        "closebot console — type a command such as /close innovent, /sector healthcare or "
        "/movers.\nButtons are listed as [1], [2]…: type the number to press one. /quit or "
        "Ctrl-D to leave."
    )


def render_for_terminal(reply: Reply, lang: Locale = ENGLISH_LOCALE) -> str:
    """The reply as plain text, with its buttons numbered so they can be pressed by typing."""
    lines = [html_to_text(reply.text)]
    if reply.photo is not None:
        picture = lang._("[picture: PNG, {size} bytes; `ask … --out FILE` saves it]")
        lines.append(picture.format(size=f"{len(reply.photo):,}"))
    for number, button in enumerate(reply.button_list, start=1):
        lines.append(f"  [{number}] {button.text}")
    return "\n".join(lines)


def speaking_as_chosen(services: Services, code: str | None = None) -> Services:
    """The console's services in `code` (`--lang`, a choice) or else in the language its chat
    has: one chosen with /lang is never replaced by the script of a question."""
    if code is not None:
        return services.speaking(locale(code), chosen=True)
    setting = services.store.chats.language_setting(LOCAL_CHAT)
    if setting is None:
        return services.speaking(ENGLISH_LOCALE)
    return services.speaking(locale(setting.language), chosen=setting.chosen)


def local_alerts(services: Services) -> list[str]:
    """The console's alerts that fired since it last looked, as plain text, marked as told."""
    messages = due_messages(services.store, LOCAL_CHAT, services.now(), services.locale)
    return [html_to_text(message) for message in messages]


def run_console(
    services: Services,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> None:
    write(welcome(services.locale))
    for alert in local_alerts(services):
        write(alert)
    buttons: list[Button] = []
    while True:
        try:
            line = read(PROMPT).strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if line in ("/quit", "/exit", "quit", "exit"):
            return
        if not line:
            continue
        if line.isdigit() and 1 <= int(line) <= len(buttons):
            line = buttons[int(line) - 1].command
        services.names.refresh()  # an ingest from another terminal may have added securities
        reply = answer_line(services, line)
        buttons = reply.button_list
        write(render_for_terminal(reply, services.locale))
        if line.startswith("/lang"):  # the console's own /lang: answer in it from now on
            services = speaking_as_chosen(services)
        for alert in local_alerts(services):
            write(alert)
