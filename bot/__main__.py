"""`python -m bot`: run the bot, chat with it locally, ask one question, or load data.

    python -m bot console                      # local chat on the bundled sample day
    python -m bot ask "/close innovent"        # one answer, for scripts
    python -m bot ingest closes.csv --summary summary.md [--securities securities.csv]
    python -m bot run                          # Telegram (needs TELEGRAM_BOT_TOKEN)
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from bot.config import ConfigError, Settings, load_settings
from bot.console import render_for_terminal, run_console
from handlers.commands import answer_line
from handlers.services import Services, hong_kong_now
from store import IngestError, StoreError, ingest, open_store
from store.sample import ensure_data

logger = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="database file (default: $CLOSEBOT_DB or closebot.db)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("console", help="chat with the bot in this terminal (no token needed)")
    ask = commands.add_parser("ask", help="print the answer to one message and exit")
    ask.add_argument("message", help='e.g. "/close innovent"')
    load = commands.add_parser("ingest", help="load closes, securities and a summary")
    load.add_argument("closes", nargs="?", help="closes CSV: date,ticker,close[,prev_close,...]")
    load.add_argument("--summary", help="summary text: first line headline, then the body")
    load.add_argument("--securities", help="securities CSV: ticker,name,name_zh,sector,kind,aliases")
    load.add_argument("--date", type=date.fromisoformat, help="the summary's day (YYYY-MM-DD)")
    return parser


def _services(settings: Settings, *, load_sample: bool) -> Services:
    store = open_store(settings.db_path)
    if load_sample:
        report = ensure_data(store)
        if report:
            logger.info("empty database: loaded the bundled sample (%s)", report.describe())
    return Services.open(store)


def _ingest(settings: Settings, args: argparse.Namespace) -> int:
    if not (args.closes or args.summary or args.securities):
        print("Nothing to load: give a closes CSV, --summary or --securities.", file=sys.stderr)
        return 2
    store = open_store(settings.db_path)
    try:
        report = ingest(
            store,
            args.closes,
            summary=args.summary,
            securities=args.securities,
            summary_date=args.date,
            today=hong_kong_now().date(),
        )
    except IngestError as error:
        print(f"Nothing was loaded. {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(report.describe())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    # Request URLs carry the bot token: keep the HTTP client loggers quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.db:
            settings = replace(settings, db_path=args.db)
        if args.command == "ingest":
            return _ingest(settings, args)
        services = _services(settings, load_sample=True)
        try:
            if args.command == "ask":
                print(render_for_terminal(answer_line(services, args.message)))
            else:
                run_console(services)
        finally:
            services.store.close()
    except (ConfigError, StoreError) as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
