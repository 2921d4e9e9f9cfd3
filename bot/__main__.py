"""closebot: run the bot, chat with it locally, ask one question, or load data.

`closebot` and `python -m bot` are the same command.

closebot console                      # local chat on the bundled sample
closebot ask "/close innovent"        # one answer, for scripts
closebot ingest closes.csv --summary summary.md [--securities securities.csv] [--db PATH]
closebot run                          # Telegram (needs TELEGRAM_BOT_TOKEN)
closebot web                          # webhook workers (CLOSEBOT_WEB_WORKERS processes)
closebot sender [--once --date D]     # the push, alerts and fetch, beside the web workers
closebot copy-to-postgres closebot.db postgresql://…   # move a SQLite store to PostgreSQL
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, environment, load_settings
from bot.console import local_alerts, render_for_terminal, run_console, speaking_as_chosen
from bot.faults import explain
from bot.logs import configure_logging
from bot.opening import services_from
from handlers.answers.render import html_to_text
from handlers.commands import answer_line
from handlers.core.locale import ENGLISH, language_named, locale
from handlers.services import Services, hong_kong_now
from store import IngestError, StoreError, open_store

if TYPE_CHECKING:
    from bot.push import PushPlan, PushReport

# Telegram, pandas and the push are imported by the commands that use them, so `ask` and the
# console start without them (half of a second of start-up otherwise).

logger = logging.getLogger("bot")
DRY_RUN_SHOWN = 5  # chats listed, and chats' own messages printed, by `push --dry-run`


def _parser() -> argparse.ArgumentParser:
    # --db is accepted before the subcommand and after it: `closebot --db X ask …` and
    # `closebot ingest FILE --db X` both work (SUPPRESS keeps a later default from hiding it).
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="database file (default: $CLOSEBOT_DB or closebot.db)",
    )
    parser = argparse.ArgumentParser(
        prog="closebot", description=__doc__.split("\n")[0], parents=[database]
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, parents=[database])

    command("run", "run on Telegram (polling, or webhook when WEBHOOK_URL is set)")
    console = command("console", "chat with the bot in this terminal (no token needed)")
    ask = command("ask", "print the answer to one message and exit")
    ask.add_argument("message", help='e.g. "/close innovent"')
    for local in (console, ask):
        local.add_argument(
            "--lang",
            type=_language,
            help="reply in en, zh-hk (Traditional Chinese) or zh-hans (Simplified Chinese); "
            "default: the console's choice with /lang, else English",
        )
    ask.add_argument("--out", help="where to save a picture answer (PNG), e.g. chart.png")
    load = command("ingest", "load closes, securities and a summary")
    load.add_argument("closes", nargs="?", help="closes CSV: date,ticker,close[,prev_close,...]")
    load.add_argument("--summary", help="summary text: first line headline, then the body")
    load.add_argument(
        "--securities", help="securities CSV: ticker,name,name_zh,sector,kind,aliases"
    )
    load.add_argument("--members", help="index members CSV: index,ticker,as_of")
    load.add_argument(
        "--names", help="everyday names CSV: ticker,name,source (e.g. 0939.HK,建行,<where>)"
    )
    load.add_argument("--date", type=date.fromisoformat, help="the summary's day (YYYY-MM-DD)")
    load.add_argument(
        "--summary-lang",
        type=_language,
        help="the language the --summary is written in when not English: zh-hk or zh-hans "
        "(shown to the chats answered in it)",
    )
    fetch = command("fetch", "download a session's closes and load them")
    fetch.add_argument("--date", type=date.fromisoformat, help="the session (default: today)")
    fetch.add_argument("--source", default="yfinance", help="where to download (yfinance)")
    push = command("push", "send the end-of-day push now, for operators")
    push.add_argument("--date", type=date.fromisoformat, help="the session (default: today)")
    push.add_argument(
        "--dry-run", action="store_true", help="list who would get what; send nothing"
    )
    command("web", "serve Telegram's webhook from several processes (needs WEBHOOK_URL)")
    send = command("sender", "run the daily push, alerts and fetch (any number may run)")
    send.add_argument(
        "--once", action="store_true", help="one round for --date (default today), then exit"
    )
    send.add_argument("--date", type=date.fromisoformat, help="the session of --once")
    send.add_argument(
        "--batch", type=int, default=500, help="chats taken at once (smaller: senders share more)"
    )
    copy = command("copy-to-postgres", "copy a SQLite store into an empty PostgreSQL one")
    copy.add_argument("sqlite_file", help="the SQLite database file, e.g. closebot.db")
    copy.add_argument("url", help="postgresql://user:password@host:5432/database")
    return parser


def _copy_to_postgres(args: argparse.Namespace) -> int:
    from store.copying import copy_to_postgres

    print(copy_to_postgres(args.sqlite_file, args.url).describe())
    return 0


def _ingest(settings: Settings, args: argparse.Namespace) -> int:
    if not (args.closes or args.summary or args.securities or args.members or args.names):
        print(
            "Nothing to load: give a closes CSV, --summary, --securities, --members or --names.",
            file=sys.stderr,
        )
        return 2
    from handlers.loading import load_session

    store = open_store(settings.db_path)
    try:
        loaded = load_session(
            store,
            args.closes,
            summary=args.summary,
            securities=args.securities,
            members=args.members,
            names=args.names,
            summary_date=args.date,
            summary_language=args.summary_lang if args.summary_lang != ENGLISH else None,
            now=hong_kong_now(),
            min_turnover=settings.movers_min_turnover,
        )
    except IngestError as error:
        print(f"Nothing was loaded. {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(loaded.describe())
    return 0


def _run(settings: Settings) -> int:
    """Serve Telegram until stopped: long polling, or a webhook when WEBHOOK_URL is set."""
    settings.require_token()
    from telegram import Update

    from bot.app import build_application
    from bot.webhook import serve_webhook

    # Opened before the application starts, so a bad database is a clear message, not a crash.
    application = build_application(settings, services=services_from(settings))
    if settings.webhook_url:
        asyncio.run(serve_webhook(application, settings))
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def _language(text: str) -> str:
    """A --lang value as a language code, or a usage error naming the choices."""
    code = language_named(text)
    if code is None:
        raise argparse.ArgumentTypeError(
            f"unknown language {text!r}: use en, zh-hk (Traditional) or zh-hans (Simplified)"
        )
    return code


def _local(settings: Settings, args: argparse.Namespace) -> int:
    """The console or one answer, on the configured database (the sample day if it is empty)."""
    services = services_from(settings, sample_if_empty=True)
    services = speaking_as_chosen(services, args.lang)
    try:
        if args.command == "ask":
            reply = answer_line(services, args.message)
            print(render_for_terminal(reply, services.locale))
            for alert in local_alerts(services):
                print(alert)
            if args.out and reply.photo is not None:
                Path(args.out).write_bytes(reply.photo)
                print(f"saved {args.out}")
        else:
            run_console(services)
    finally:
        services.store.close()
    return 0


def _fetch(settings: Settings, args: argparse.Namespace) -> int:
    """Download one session's closes into the database, and a summary if nobody wrote one."""
    from bot.feed import SOURCES, fetch_day, make_source

    if args.source not in SOURCES:
        print(f"Unknown source {args.source!r}: choose from {', '.join(SOURCES)}.", file=sys.stderr)
        return 2
    store = open_store(settings.db_path)
    day = args.date or hong_kong_now().date()
    try:
        report = fetch_day(
            store,
            make_source(args.source),
            day,
            now=hong_kong_now(),
            min_turnover=settings.movers_min_turnover,
        )
    except IngestError as error:
        print(f"Nothing was loaded. {error}", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - any failure of the source is reported the same
        print(f"{args.source} did not answer ({type(error).__name__}: {error}).", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(report.describe())
    return 0 if report.loaded else 1


def _push(settings: Settings, args: argparse.Namespace) -> int:
    """The daily push by hand: every subscriber not yet pushed that day, whatever their time."""
    from bot.push import plan_push

    services = services_from(settings)
    try:
        plan = plan_push(services, services.now(), day=args.date, everyone=True)
        if plan.reason:
            print(f"{plan.day.isoformat()}: no push ({plan.reason}).")
            return 1
        if args.dry_run:
            _print_dry_run(services, plan)
            return 0
        settings.require_token()
        report = asyncio.run(_deliver_now(settings, services, plan))
        print(report.describe())
        return 0 if report.complete else 1
    finally:
        services.store.close()


def _print_dry_run(services: Services, plan: PushPlan) -> None:
    """Who would get what, read a batch at a time: the shared message once with how many chats
    it would go to, then the messages of the first few chats that keep a watchlist."""
    from bot.push import due_batches

    shared: list[int] = []
    watching: list[int] = []
    counts = Counter[bool]()
    for batch in due_batches(services, plan):
        for due in batch:
            counts[due.watching] += 1
            listed = watching if due.watching else shared
            if len(listed) < DRY_RUN_SHOWN:
                listed.append(due.chat_id)
    print(f"{plan.day.isoformat()}: would send to {counts.total():,} chats")
    if counts[False]:
        _print_message(
            _parts(services, plan, None), f"{_chats(shared, counts[False])} (no watchlist)"
        )
    own: dict[tuple[str, ...], list[int]] = {}
    for chat_id in watching:
        own.setdefault(tuple(_parts(services, plan, chat_id)), []).append(chat_id)
    for parts, chats in own.items():
        _print_message(parts, f"{_chats(chats, len(chats))} (a watchlist)")
    if counts[True] > len(watching):
        more = counts[True] - len(watching)
        print(f"\n--- and {more:,} more chats with a watchlist, each its own message ---")


def _chats(shown: list[int], count: int) -> str:
    """ "3 chats: 1, 2, 3", or the first few and how many more."""
    listed = ", ".join(map(str, shown))
    more = f" and {count - len(shown):,} more" if count > len(shown) else ""
    return f"{count:,} chat{'s' if count != 1 else ''}: {listed}{more}"


def _parts(services: Services, plan: PushPlan, chat_id: int | None) -> list[str]:
    from handlers.answers.daily import push_parts

    code = services.store.chats.language(chat_id) if chat_id is not None else None
    lang = locale(code or ENGLISH)
    return push_parts(
        services.store, plan.day, chat_id, lang=lang, min_turnover=services.min_turnover
    )


def _print_message(parts: Sequence[str], to: str) -> None:
    print(f"\n--- to {to}, {len(parts)} message(s) ---")
    for part in parts:
        print(html_to_text(part))


async def _deliver_now(settings: Settings, services: Services, plan: PushPlan) -> PushReport:
    """Send the push, stopping cleanly on SIGTERM or Ctrl-C: nothing new is claimed, the
    sends in flight finish or are given back within `bot.push.GRACE` seconds."""
    from telegram.ext import ExtBot

    from bot.app import pace
    from bot.push import deliver
    from bot.requests import UPDATES_POOL_SIZE, bot_api_request

    bot = ExtBot(
        settings.require_token(),
        base_url=settings.api_base_url,
        rate_limiter=pace(settings),
        request=bot_api_request(),
        get_updates_request=bot_api_request(UPDATES_POOL_SIZE),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, _stopping(stop, signum))
    async with bot:
        return await deliver(bot, services, plan, stop=stop)


def _stopping(stop: asyncio.Event, signum: int) -> Callable[[], None]:
    def handle() -> None:
        if not stop.is_set():
            logger.info("%s: stopping the push", signal.Signals(signum).name)
        stop.set()

    return handle


def main(argv: Sequence[str] | None = None) -> int:
    # Time periods as timedelta, as python-telegram-bot will use them in its next major version.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    configure_logging()
    args = _parser().parse_args(argv)
    settings: Settings | None = None
    try:
        settings = load_settings(environment())
        if getattr(args, "db", None):
            settings = replace(settings, db_path=args.db)
        # From here on, every line logged and every error printed is scrubbed of the token.
        configure_logging(
            level=logging.getLevelName(settings.log_level),
            secrets=settings.secrets(),
        )
        return _command(settings, args)
    except (ConfigError, StoreError) as error:
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`closebot ask … | head`): nothing is wrong, and
        # nothing more can be written. Python's own flush at exit would fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell reports a command ended by SIGPIPE
    except Exception as error:
        message = explain(error, settings) if settings is not None else None
        if message is None:
            # A bug: its traceback goes to the log, where the filter scrubs the token.
            logger.exception("%s failed", args.command)
            message = f"{args.command} failed unexpectedly; the log above says where."
        print(message, file=sys.stderr)
        return 2


def _command(settings: Settings, args: argparse.Namespace) -> int:
    if settings.redis_url and args.command in ("run", "web", "sender", "push"):
        from bot.shared import check_reachable

        check_reachable(settings.redis_url)
    if args.command == "run":
        return _run(settings)
    if args.command == "ingest":
        return _ingest(settings, args)
    if args.command == "fetch":
        return _fetch(settings, args)
    if args.command == "push":
        return _push(settings, args)
    if args.command == "web":
        from bot.web import serve

        return serve(settings)
    if args.command == "sender":
        from bot.sender import sender

        once = (args.date or hong_kong_now().date()) if args.once else None
        return sender(settings, once=once, batch=max(1, args.batch))
    if args.command == "copy-to-postgres":
        return _copy_to_postgres(args)
    return _local(settings, args)


if __name__ == "__main__":
    sys.exit(main())
