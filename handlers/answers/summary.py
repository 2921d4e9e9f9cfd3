"""/summary: the day's market story in full."""

from __future__ import annotations

from handlers.answers.close import resolve_session
from handlers.answers.render import bold, day_label, escape, fit, italic, shorten
from handlers.answers.reply import NO_CLOSES, Reply
from handlers.core.dates import parse_day
from handlers.services import Services

USAGE = "Usage: /summary [date], e.g. /summary 2025-06-04 or /summary 3 Jun"


def answer_summary(services: Services, args: str = "") -> Reply:
    """The reply to `/summary [DATE]`."""
    store = services.store
    latest = store.market.latest_date()
    if latest is None:
        return NO_CLOSES
    asked = None
    if args.strip():
        asked = parse_day(args, today=services.today(), reference=latest)
        if asked is None:
            return Reply(f"‘{escape(shorten(args.strip(), 40))}’ is not a date.\n{escape(USAGE)}")
    day, note = resolve_session(services, asked, latest)
    summary = store.market.summary(day)
    if summary is None:
        return Reply(f"No summary was written for {day_label(day)}. Try /close or /movers.")
    blocks = [note] if note else []
    blocks += [bold(summary.headline), italic(day_label(day))]
    for paragraph in summary.paragraphs:
        blocks += ["", escape(paragraph)]
    return Reply(fit(blocks))
