"""/subscribe, /unsubscribe, /status: the end-of-day push, chat by chat."""

from __future__ import annotations

import re
from datetime import datetime, time

from handlers.answers.render import bold, day_label, escape, shorten
from handlers.answers.reply import Reply
from handlers.services import Services

USAGE = "Usage: /subscribe, or /subscribe 17:00 for a later time (Hong Kong time, 16:10–23:00)."


def parse_push_time(text: str, schedule_earliest: time, cut_off: time) -> time | str:
    """The chosen time, or a sentence saying what is wrong with it."""
    match = re.fullmatch(r"(\d{1,2})[:.h]?(\d{2})", text.strip().lower())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        return f"‘{shorten(text.strip(), 20)}’ is not a time like 17:00."
    chosen = time(int(match[1]), int(match[2]))
    if chosen < schedule_earliest:
        return f"The close is final at {schedule_earliest:%H:%M}; choose a time after that."
    if chosen > cut_off:
        return f"Choose a time before {cut_off:%H:%M}."
    return chosen


def _when(moment: datetime) -> str:
    return f"{day_label(moment.date())} at {moment:%H:%M} HKT"


def answer_subscribe(services: Services, chat_id: int, args: str = "") -> Reply:
    schedule = services.schedule
    push_time: time | None = None
    if args.strip():
        parsed = parse_push_time(args, schedule.EARLIEST, schedule.CUT_OFF)
        if isinstance(parsed, str):
            return Reply(f"{escape(parsed)}\n{escape(USAGE)}")
        push_time = parsed
    now = services.now()
    chosen = push_time.strftime("%H:%M") if push_time else None
    new = services.store.chats.subscribe(chat_id, now, chosen)
    at = f"{push_time:%H:%M}" if push_time else f"{schedule.default_time:%H:%M}"
    first = "Subscribed" if new else "Updated"
    pushed = services.store.ledger.pushed(now.date(), chat_id)
    nxt = schedule.next_push(now, push_time, pushed)
    return Reply(
        f"{bold(first)}: the Hong Kong close at {at} HKT on every trading day "
        f"(earlier on half days). Next: {_when(nxt)}.\nStop any time with /unsubscribe."
    )


def answer_unsubscribe(services: Services, chat_id: int, args: str = "") -> Reply:
    if services.store.chats.unsubscribe(chat_id):
        return Reply("Unsubscribed: no more end-of-day messages. /subscribe brings them back.")
    return Reply("This chat is not subscribed. /subscribe to get the close every trading day.")


def answer_status(services: Services, chat_id: int, args: str = "") -> Reply:
    subscriber = services.store.chats.subscriber(chat_id)
    if subscriber is None or not subscriber.active:
        return Reply("Not subscribed. /subscribe to get the close every trading day.")
    push_time = time.fromisoformat(subscriber.push_time) if subscriber.push_time else None
    now = services.now()
    pushed = services.store.ledger.pushed(now.date(), chat_id)
    nxt = services.schedule.next_push(now, push_time, pushed)
    at = subscriber.push_time or f"{services.schedule.default_time:%H:%M}"
    since = day_label(subscriber.subscribed_at.date())
    return Reply(
        f"{bold('Subscribed')} since {since}: the close at {at} HKT on trading days.\n"
        f"Next push: {_when(nxt)}."
    )
