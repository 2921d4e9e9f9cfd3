"""The command table: every command the bot answers, in the order /help lists them.

Telegram's command handlers and the command menu (`bot/app.py`), the console and `ask`,
"Did you mean" buttons, inline answers and /help are all derived from `COMMANDS`: adding a
command means one entry here and one module with its answer.
"""

from __future__ import annotations

from typing import Any, cast

from handlers.answers.alerts import answer_alert, answer_alerts
from handlers.answers.chart import answer_chart
from handlers.answers.close import answer_close
from handlers.answers.help import answer_help, answer_unknown_command
from handlers.answers.language import answer_language
from handlers.answers.movers import answer_movers
from handlers.answers.reply import Reply
from handlers.answers.sector import answer_sector
from handlers.answers.subscribe import answer_status, answer_subscribe, answer_unsubscribe
from handlers.answers.suggest import did_you_mean, label
from handlers.answers.summary import answer_summary
from handlers.answers.understood import not_understood, taken_as
from handlers.answers.watch import answer_watch
from handlers.catalog import Command, about_the_market
from handlers.core.locale import N_, language_for, locale
from handlers.core.match import AMBIGUOUS, Matcher, MatchResult
from handlers.core.request import COMMAND_LINE, UNCLEAR, Request, Vocabulary, parse_request
from handlers.core.script import EN
from handlers.services import Services

LOCAL_CHAT = 0  # the console and `ask`: one local chat, its lists kept in the same database


def _help(services: Services, chat_id: int, args: str) -> Reply:
    return answer_help(services, COMMANDS)


COMMANDS: tuple[Command, ...] = (
    Command(
        "close",
        N_("An index or one security at the close"),
        ("/close", N_("/close innovent"), N_("/close 700 3 Jun"), N_("/close hang seng tech")),
        about_the_market(answer_close),
    ),
    Command(
        "sector",
        N_("A sector's move and its stocks"),
        (N_("/sector healthcare"), "/sector"),
        about_the_market(answer_sector),
    ),
    Command(
        "movers",
        N_("Top gainers and losers"),
        ("/movers", N_("/movers 10 losers"), "/movers hsi", "/movers all"),
        about_the_market(answer_movers),
    ),
    Command(
        "chart",
        N_("A chart of the closes over a period"),
        ("/chart", N_("/chart innovent 3m")),
        about_the_market(answer_chart),
        threaded=True,
    ),
    Command(
        "summary",
        N_("The day's market summary"),
        ("/summary", "/summary 2025-06-04"),
        about_the_market(answer_summary),
    ),
    Command(
        "watch",
        N_("Your own list of names against the index"),
        ("/watch", N_("/watch add innovent, pop mart"), N_("/watch remove pop mart")),
        answer_watch,
        about_the_chat=True,
    ),
    Command(
        "alert",
        N_("Be told when a close crosses a line"),
        (N_("/alert innovent above 80"), N_("/alert 700 move 5"), "/alert remove 1"),
        answer_alert,
        about_the_chat=True,
    ),
    Command(
        "alerts",
        N_("Your alerts, and when they fired"),
        ("/alerts",),
        answer_alerts,
        about_the_chat=True,
    ),
    Command(
        "subscribe",
        N_("The close here every trading day"),
        ("/subscribe", "/subscribe 17:00"),
        answer_subscribe,
        about_the_chat=True,
        telegram_only=True,
    ),
    Command(
        "unsubscribe",
        N_("Stop the daily close"),
        ("/unsubscribe",),
        answer_unsubscribe,
        about_the_chat=True,
        telegram_only=True,
    ),
    Command(
        "status",
        N_("Am I subscribed, and when is the next one"),
        ("/status",),
        answer_status,
        about_the_chat=True,
        telegram_only=True,
    ),
    Command(
        "lang",
        N_("Reply in English, 繁體中文 or 简体中文"),
        ("/lang", "/lang zh-hk", "/lang en"),
        answer_language,
        about_the_chat=True,
    ),
    Command("help", N_("What I can do"), ("/help",), _help, aliases=("start",)),
)
BY_NAME: dict[str, Command] = {name: c for c in COMMANDS for name in c.names}


def find_command(line: str) -> tuple[Command | None, str]:
    """The command a line starts with (`/close@Bot 700` → close) and the words after it."""
    match = COMMAND_LINE.match(line.strip())
    if not match:
        return None, ""
    return BY_NAME.get(match["name"].lower()), match["args"] or ""


class _MatcherOnFirstUse:
    """The services' matcher, reached only when the parser reads a name: a slash command is
    parsed without one, so `ask "/close"` never builds the matcher over 2,700 names."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def __getattr__(self, name: str) -> Any:
        return getattr(self._services.matcher, name)


def vocabulary(services: Services) -> Vocabulary:
    """What the request parser reads names with, over the store as it is now."""
    return Vocabulary(
        cast(Matcher, _MatcherOnFirstUse(services)),
        today=services.today(),
        latest=services.store.market.latest_date(),
        commands=frozenset(BY_NAME),
    )


def parse_line(services: Services, line: str) -> Request:
    """The request a line makes, however it is written."""
    return parse_request(line, vocabulary(services))


def command_of(request: Request) -> Command | None:
    """The command that answers a request (None for a command the bot does not know)."""
    return BY_NAME.get(request.what)


def answer_in_chat(command: Command, services: Services, chat_id: int, args: str) -> Reply:
    """The command's answer in `chat_id`, or, for the local chat, why it works only on Telegram."""
    if chat_id == LOCAL_CHAT and command.telegram_only:
        _ = services.locale._
        return Reply(_("Subscriptions work in a Telegram chat: the console has no daily push."))
    return command.answer(services, chat_id, args)


def answer_request(services: Services, request: Request, chat_id: int = LOCAL_CHAT) -> Reply:
    """The one answer path: every request, however it was asked, is answered by its command."""
    services = services.speaking(
        locale(answered_in(services, request)), chosen=services.locale_chosen
    )
    if request.what == UNCLEAR and request.args is None:
        return not_understood(services.locale)
    command = command_of(request)
    if command is None:
        return answer_unknown_command(services, request.text)
    if request.choices:
        tie = MatchResult(request.subject, AMBIGUOUS, list(request.choices))
        return did_you_mean(services, tie, command.name, request.suffix)
    words = request.command_line().partition(" ")[2]
    reply = answer_in_chat(command, services, chat_id, words)
    if request.guessed and request.target is not None:
        return taken_as(label(services, request.target), reply, services.locale)
    return reply


def answered_in(services: Services, request: Request) -> str:
    """The language of the answer: the chat's when someone chose it; else a question written
    in Chinese is answered in its own script, and anything else in the chat's language."""
    if services.locale_chosen or request.language == EN:
        return services.locale.code
    return language_for(request.language)


def answer_line(services: Services, line: str, chat_id: int = LOCAL_CHAT) -> Reply:
    """Answer a line as the bot would in `chat_id`: a command, a sentence, or a name."""
    return answer_request(services, parse_line(services, line), chat_id)
