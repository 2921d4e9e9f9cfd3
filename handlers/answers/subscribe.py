"""/subscribe, /unsubscribe, /status: the end-of-day push, chat by chat."""

from __future__ import annotations

import re
from datetime import datetime, time

from handlers.answers.render import bold, escape, shorten
from handlers.answers.reply import Reply
from handlers.core.locale import Locale
from handlers.services import Services


def usage(lang: Locale) -> str:
    return lang._(
        "Usage: /subscribe, or /subscribe 17:00 for a later time (Hong Kong time, 16:10–23:00)."
    )


def parse_push_time(text: str, schedule_earliest: time, cut_off: time, lang: Locale) -> time | str:
    """The chosen time, or a sentence saying what is wrong with it."""
    _ = lang._
    match = re.fullmatch(r"(\d{1,2})[:.h]?(\d{2})", text.strip().lower())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        asked = "‘" + shorten(text.strip(), 20) + "’"
        return _("{asked} is not a time like 17:00.").format(asked=asked)
    chosen = time(int(match[1]), int(match[2]))
    if chosen < schedule_earliest:
        text = _("The close is final at {time}; choose a time after that.")
        return text.format(time=f"{schedule_earliest:%H:%M}")
    if chosen > cut_off:
        return _("Choose a time before {time}.").format(time=f"{cut_off:%H:%M}")
    return chosen


def _when(moment: datetime, lang: Locale) -> str:
    text = lang._("{day} at {time} HKT")
    return text.format(day=lang.day(moment.date()), time=f"{moment:%H:%M}")


def answer_subscribe(services: Services, chat_id: int, args: str = "") -> Reply:
    schedule, lang = services.schedule, services.locale
    _ = lang._
    push_time: time | None = None
    if args.strip():
        parsed = parse_push_time(args, schedule.EARLIEST, schedule.CUT_OFF, lang)
        if isinstance(parsed, str):
            return Reply(f"{escape(parsed)}\n{escape(usage(lang))}")
        push_time = parsed
    now = services.now()
    chosen = push_time.strftime("%H:%M") if push_time else None
    new = services.store.chats.subscribe(chat_id, now, chosen)
    at = f"{push_time:%H:%M}" if push_time else f"{schedule.default_time:%H:%M}"
    first = _("Subscribed") if new else _("Updated")
    pushed = services.store.ledger.pushed(now.date(), chat_id)
    nxt = schedule.next_push(now, push_time, pushed)
    text = _(
        "{first}: the Hong Kong close at {time} HKT on every trading day "
        "(earlier on half days). Next: {next}.\nStop any time with /unsubscribe."
    )
    return Reply(text.format(first=bold(first), time=at, next=_when(nxt, lang)))


def answer_unsubscribe(services: Services, chat_id: int, args: str = "") -> Reply:
    _ = services.locale._
    if services.store.chats.unsubscribe(chat_id):
        return Reply(_("Unsubscribed: no more end-of-day messages. /subscribe brings them back."))
    return Reply(_("This chat is not subscribed. /subscribe to get the close every trading day."))


def answer_status(services: Services, chat_id: int, args: str = "") -> Reply:
    lang = services.locale
    _ = lang._
    subscriber = services.store.chats.subscriber(chat_id)
    if subscriber is None or not subscriber.active:
        return Reply(_("Not subscribed. /subscribe to get the close every trading day."))
    push_time = time.fromisoformat(subscriber.push_time) if subscriber.push_time else None
    now = services.now()
    pushed = services.store.ledger.pushed(now.date(), chat_id)
    nxt = services.schedule.next_push(now, push_time, pushed)
    at = subscriber.push_time or f"{services.schedule.default_time:%H:%M}"
    since = lang.day(subscriber.subscribed_at.date())
    text = _(
        "{subscribed} since {since}: the close at {time} HKT on trading days.\nNext push: {next}."
    )
    return Reply(
        text.format(subscribed=bold(_("Subscribed")), since=since, time=at, next=_when(nxt, lang))
    )
