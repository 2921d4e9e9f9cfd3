"""Building the Telegram application: handlers, error handler, command menu, services."""

from __future__ import annotations

import asyncio
import gc
import html
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, cast

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, Defaults, ExtBot, JobQueue
from telegram.request import BaseRequest

from bot.alerting import schedule_alerts
from bot.config import Settings
from bot.feed import make_source, schedule_fetch
from bot.opening import services_from
from bot.ordering import ChatOrderedUpdates
from bot.pacing import TelegramPace
from bot.push import schedule_pushes
from bot.requests import UPDATES_POOL_SIZE, bot_api_request
from handlers.commands import COMMANDS
from handlers.core.locale import ENGLISH, N_, TRADITIONAL, Locale, locale
from handlers.edge import guard, inline, migration, upload
from handlers.edge.handlers import BUTTON_HANDLERS, FALLBACK_HANDLERS, command_handlers
from handlers.edge.io import BotData, Context, services_for, services_of
from handlers.services import Services

logger = logging.getLogger(__name__)

APOLOGY = N_("Sorry, something went wrong — try again.")


CONCURRENT_UPDATES = 32  # updates in flight: a slow round trip to Telegram holds no one else
NAMES_EVERY = 60  # seconds: securities loaded by another process are matched within a minute


async def refresh_names(context: Context) -> None:
    """Swap in a matcher over the securities when a load elsewhere changed them."""
    if services_of(context).names.refresh():
        logger.info("securities changed: the matcher was rebuilt")


# The application as this bot builds it: its context carries `BotData`.
App = Application[ExtBot[Any], Context, dict, dict, BotData, JobQueue[Context]]


def pace(settings: Settings) -> TelegramPace:
    """The bot's pacing: per chat for every message, the broadcast budget for pushes and
    alerts; kept in Redis for all the bot's processes when CLOSEBOT_REDIS is set."""
    shared = None
    if settings.redis_url:
        from bot.shared import limits_of_bot

        shared = limits_of_bot(settings.redis_url, settings.require_token())
    return TelegramPace(
        paid_broadcasts=settings.paid_broadcasts,
        shared=shared,
        broadcast_rate=settings.broadcast_rate,
    )


async def open_services(settings: Settings, application: App, *, jobs: bool = True) -> None:
    """post_init: open services (unless given), schedule pushes, publish the command menu.

    A web worker (`jobs` False) only answers: the push, alerts and fetch run in the senders.
    """
    if application.bot_data.services is None:
        application.bot_data.services = services_from(settings)
    if settings.redis_url:
        from bot.shared import SharedFloodGuard, limits_of_bot

        limits = limits_of_bot(settings.redis_url, settings.require_token())
        application.bot_data.flood = SharedFloodGuard(limits)
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            refresh_names, interval=NAMES_EVERY, first=NAMES_EVERY, name="names"
        )
    if application.job_queue is not None and jobs:
        schedule_pushes(application.job_queue)
        schedule_alerts(application.job_queue)
        if settings.fetch_source:
            schedule_fetch(application.job_queue, make_source(settings.fetch_source))
    await set_command_menus(application)
    if jobs:  # a web worker is stopped by its web server, which first finishes what it has
        stop_on_signals(application)
    # The running bot answers names all day: build the matcher now, not on the first
    # question. It and the calendar live as long as the process: keep the garbage collector
    # from walking them again and again, which shows up as 50 ms pauses in answers.
    services = application.bot_data.services
    await asyncio.to_thread(lambda: services.names.current)
    gc.collect()
    gc.freeze()


def command_menu(lang: Locale) -> list[BotCommand]:
    """The command menu in `lang`, from the command table."""
    return [BotCommand(c.name, lang._(c.description)) for c in COMMANDS]


async def set_command_menus(application: App) -> None:
    """The menu in English for everyone, and in Chinese for people whose Telegram is set to
    Chinese. Telegram sets menus by two-letter language only, so every Chinese reader gets the
    Traditional menu of this Hong Kong bot; replies follow each chat's own language."""
    await application.bot.set_my_commands(command_menu(locale(ENGLISH)))
    traditional = locale(TRADITIONAL)
    await application.bot.set_my_commands(
        command_menu(traditional), language_code=traditional.telegram_code
    )


def stop_on_signals(application: App) -> None:
    """SIGTERM (a deploy, a platform stopping the bot) and Ctrl-C stop the bot cleanly: the
    push and alert senders claim nothing more and finish or give back what they hold within
    `bot.push.GRACE` seconds, then the application shuts down as python-telegram-bot does."""
    loop = asyncio.get_running_loop()

    def stop(signum: int) -> None:
        logger.info("%s: stopping", signal.Signals(signum).name)
        application.bot_data.stopping.set()
        # As python-telegram-bot's own handler does: the run loop ends and the application
        # stops, waiting for the jobs in flight, which now wind down.
        raise SystemExit(0)

    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop, signum)
        except (NotImplementedError, RuntimeError, ValueError):  # no signals in this thread
            return


async def close_services(application: App) -> None:
    """post_shutdown: close the database cleanly."""
    services = application.bot_data.services
    if services is not None:
        services.store.close()
        application.bot_data.services = None
    flood = application.bot_data.flood
    if hasattr(flood, "limits"):
        await flood.limits.close()


async def report_error(update: object, context: Context) -> None:
    """Log the failure with where it happened, and apologise to the person who asked."""
    where = "no update"
    if isinstance(update, Update):
        chat = update.effective_chat.id if update.effective_chat else "?"
        message = update.effective_message
        text = (message.text or "")[:60] if message else ""
        data = update.callback_query.data if update.callback_query else ""
        where = f"chat={chat} command={text or data!r}"
    logger.error("update failed (%s)", where, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        try:
            apology = services_for(update, context).locale._(APOLOGY)
            await context.bot.send_message(
                update.effective_chat.id, html.escape(apology), parse_mode=ParseMode.HTML
            )
        except Exception:  # noqa: BLE001 - the apology is best effort; the error is logged above
            logger.warning("could not send the apology to chat %s", update.effective_chat.id)


@asynccontextmanager
async def running(application: App) -> AsyncIterator[None]:
    """The application started without an updater of its own (a web worker, a sender), with
    the same post_init and post_shutdown `run_polling` would call."""
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            yield
        finally:
            await application.stop()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limit: bool = True,
    services: Services | None = None,
    jobs: bool = True,
    updater: bool = True,
) -> App:
    """The whole bot, for `run_polling`/`run_webhook`, or for tests with a recording request.

    Without `jobs` it only answers (a web worker); without `updater` it fetches no updates
    itself: a web worker is handed them by its web server, a sender needs none.
    """
    builder = (
        Application.builder()
        .token(settings.require_token())
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .context_types(ContextTypes(bot_data=BotData))
        .defaults(Defaults(tzinfo=settings.timezone, allow_sending_without_reply=True))
        .post_init(partial(open_services, settings, jobs=jobs))
        .post_shutdown(close_services)
    )
    # The builder's methods set and return the same builder.
    # Answers for different chats run side by side, one chat's in the order asked.
    builder.concurrent_updates(ChatOrderedUpdates(CONCURRENT_UPDATES))
    if rate_limit:
        builder.rate_limiter(pace(settings))
    if not updater:
        builder.updater(None)
    builder.request(request if request is not None else bot_api_request())
    builder.get_updates_request(
        updates_request if updates_request is not None else bot_api_request(UPDATES_POOL_SIZE)
    )
    # Whether a rate limiter was set above decides the bot's type argument: Any covers both.
    application = cast(App, builder.build())
    application.bot_data.services = services

    # First: flood control, which can stop an update before anything else sees it.
    application.add_handlers(guard.HANDLERS, group=guard.GROUP)
    # Commands people type, from the command table, in the order of /help.
    application.add_handlers(command_handlers(COMMANDS))
    # A group that became a supergroup keeps its subscription and lists.
    application.add_handlers(migration.HANDLERS)
    # @TheBot queries typed in any chat.
    application.add_handlers(inline.HANDLERS)
    # Data files sent by operators.
    application.add_handlers(upload.HANDLERS)
    # "Did you mean" buttons.
    application.add_handlers(BUTTON_HANDLERS)
    # Last: unknown commands and plain text.
    application.add_handlers(FALLBACK_HANDLERS)
    application.add_error_handler(report_error)
    return application
