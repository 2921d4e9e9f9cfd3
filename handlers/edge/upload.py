"""Operators load data by sending files to the bot: closes or securities CSV, or a summary.

Only chats or users listed in CLOSEBOT_ADMIN_IDS may; anyone else is told no and nothing is
written. The ingest runs in a worker thread on its own connection, so answers keep flowing and
never see half a file.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import date, datetime
from pathlib import Path

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import MessageHandler, filters

from handlers.answers.render import TELEGRAM_LIMIT, escape, utf16_length
from handlers.answers.reply import Reply
from handlers.core.dates import parse_day
from handlers.core.locale import N_, Locale
from handlers.edge.io import NEW_MESSAGES, Context, send_reply, services_for
from handlers.loading import load_session
from handlers.services import Services
from store import IngestError, open_store

MAX_BYTES = 20 * 1024 * 1024  # the most a bot may download from Telegram
NOT_ALLOWED = N_("Sorry, only the bot's operators can load data files.")
KINDS = {".csv": "csv", ".md": "summary", ".txt": "summary"}


def safe_name(name: str | None) -> str:
    """The sender's file name, reduced to something harmless to write to disk."""
    cleaned = re.sub(r"[^\w.\-]+", "_", Path(name or "upload").name).strip("._")
    return cleaned[:80] or "upload"


def csv_kind(head: bytes) -> str:
    """Closes files have a close column; everyday-name files a source for each name;
    securities files have names but neither."""
    header = head.decode("utf-8-sig", "replace").splitlines()[0].lower() if head else ""
    columns = {c.strip() for c in header.split(",")}
    if "close" in columns:
        return "closes"
    return "names" if "source" in columns else "securities"


def load_file(
    db_path: str,
    path: Path,
    kind: str,
    day: date | None,
    now: datetime,
    min_turnover: float,
    lang: Locale,
) -> Reply:
    """Load one file on a fresh connection (safe in a worker thread)."""
    _ = lang._
    store = open_store(db_path)
    try:
        if kind == "summary":
            day = day or store.market.latest_date()
            if day is None:
                return Reply(_("Load the day's closes first, or put the date in the caption."))
            loaded = load_session(store, summary=path, summary_date=day, now=now)
        elif kind == "closes":
            loaded = load_session(store, path, now=now, min_turnover=min_turnover)
        elif kind == "names":
            loaded = load_session(store, names=path, now=now)
        else:
            loaded = load_session(store, securities=path, now=now)
    except IngestError as error:
        return Reply(fitted(_("Nothing was loaded. {error}").format(error=error)))
    finally:
        store.close()
    return Reply(fitted(_("Loaded {report}.").format(report=loaded.describe())))


def fitted(text: str) -> str:
    """Plain text as one Telegram message: escaped, and cut short when it would not fit."""
    escaped = escape(text)
    keep = len(text)
    while utf16_length(escaped) > TELEGRAM_LIMIT:
        keep = keep * 9 // 10
        escaped = escape(text[:keep].rstrip() + "…")
    return escaped


async def receive_file(services: Services, name: str | None, data: bytes, caption: str) -> Reply:
    _ = services.locale._
    kind = KINDS.get(Path(name or "").suffix.lower())
    if kind is None:
        return Reply(_("Send closes or securities as .csv, or a summary as .md or .txt."))
    if kind == "csv":
        kind = csv_kind(data[:4096])
    day = parse_day(caption, today=services.today()) if caption.strip() else None
    if kind == "summary" and caption.strip() and day is None:
        shown = escape(caption.strip()[:40])
        text = _("Nothing was loaded: the caption {caption} is not a date (2025-06-04).")
        return Reply(text.format(caption=f"‘{shown}’"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / safe_name(name)
        path.write_bytes(data)
        reply = await asyncio.to_thread(
            load_file,
            services.store.path,
            path,
            kind,
            day,
            services.now(),
            services.min_turnover,
            services.locale,
        )
    # New securities are matched at once, not a minute later.
    await asyncio.to_thread(services.names.refresh)
    return reply


async def document_received(update: Update, context: Context) -> None:
    """A file sent to the bot: ingest it if the sender is an operator."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    services = services_for(update, context)
    user = update.effective_user
    if not services.is_operator(message.chat.id, user.id if user else None):
        if message.chat.type == ChatType.PRIVATE:  # in a group, members share files all day
            await send_reply(update, Reply(services.locale._(NOT_ALLOWED)))
        return
    document = message.document
    if document.file_size and document.file_size > MAX_BYTES:
        too_big = services.locale._("That file is over 20 MB, the most a bot can download.")
        await send_reply(update, Reply(too_big))
        return
    telegram_file = await document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    await send_reply(
        update, await receive_file(services, document.file_name, data, message.caption or "")
    )


HANDLERS = [MessageHandler(NEW_MESSAGES & filters.Document.ALL, document_received)]
