"""/summary: the day's market story in full."""

from __future__ import annotations

from handlers.answers.close import day_summary, resolve_session
from handlers.answers.render import bold, escape, fit, italic, shorten
from handlers.answers.reply import Reply, no_closes
from handlers.core.dates import parse_day
from handlers.services import Services


def answer_summary(services: Services, args: str = "") -> Reply:
    """The reply to `/summary [DATE]`."""
    store, lang = services.store, services.locale
    _ = lang._
    latest = store.market.latest_date()
    if latest is None:
        return no_closes(lang)
    asked = None
    if args.strip():
        asked = parse_day(args, today=services.today(), reference=latest)
        if asked is None:
            usage = _("Usage: /summary [date], e.g. /summary 2025-06-04 or /summary 3 Jun")
            text = _("{asked} is not a date.").format(
                asked="‘" + escape(shorten(args.strip(), 40)) + "’"
            )
            return Reply(f"{text}\n{escape(usage)}")
    day, note = resolve_session(services, asked, latest)
    summary = day_summary(services, day)
    if summary is None:
        text = _("No summary was written for {day}. Try /close or /movers.")
        return Reply("\n".join([*([note] if note else []), text.format(day=lang.day(day))]))
    blocks = [note] if note else []
    blocks += [bold(summary.headline), italic(lang.day(day))]
    for paragraph in summary.paragraphs:
        blocks += ["", escape(paragraph)]
    return Reply(fit(blocks))
