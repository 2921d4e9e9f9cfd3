"""/watch: a chat's own list of names, with the day's close of each against the index."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from handlers.answers.render import bold, day_label, escape, fit, percent, price, shorten, table
from handlers.answers.reply import NO_CLOSES, Button, Reply
from handlers.answers.suggest import choices, quoted
from handlers.core.figures import short_name
from handlers.core.match import Matcher, MatchResult
from handlers.services import Services
from store import Store
from store.models import WatchedQuote
from store.tickers import INDEX

MAX_NAMES = 30
MAX_ASKED = 3  # unclear names asked about at once, each with its buttons
NAME_WORDS = 6  # the most words one name is looked for in
NAME_WIDTH = 18
USAGE = (
    "Usage: /watch add innovent, pop mart · /watch remove pop mart · /watch clear · "
    "/watch to see the list"
)
_SEPARATORS = re.compile(r"[,，、;；]+")


def answer_watch(services: Services, chat_id: int, args: str = "") -> Reply:
    """The reply to `/watch [add NAMES | remove NAME | clear]`."""
    action, _, rest = args.strip().partition(" ")
    action = action.lower()
    if not action or action in ("list", "show"):
        return show_watchlist(services, chat_id)
    if action == "add":
        return _add(services, chat_id, rest)
    if action in ("remove", "rm", "delete", "del"):
        return _remove(services, chat_id, rest)
    if action == "clear":
        removed = services.store.chats.clear_watchlist(chat_id)
        return Reply(
            f"Cleared your watchlist ({removed} names)."
            if removed
            else "Your watchlist is already empty."
        )
    return Reply(escape(USAGE))


def split_names(text: str, matcher: Matcher) -> list[str]:
    """ "inovent, pop mart" → two names; without commas, the longest clear names from the left.

    At most a list's worth of names is read: a longer message is someone pasting, not asking.
    """
    if _SEPARATORS.search(text):
        names = [part.strip() for part in _SEPARATORS.split(text) if part.strip()]
        return list(dict.fromkeys(names))[:MAX_NAMES]
    words = text.split()[: MAX_NAMES * NAME_WORDS]
    text = " ".join(words)
    clear: dict[str, bool] = {}  # a pasted message repeats itself: match each piece once

    def is_clear(candidate: str) -> bool:
        if candidate not in clear:
            clear[candidate] = matcher.match(candidate, kinds=("security",)).outcome == "match"
        return clear[candidate]

    if not words or is_clear(text):
        return [text.strip()] if words else []
    names, start = [], 0
    while start < len(words):
        for end in range(min(len(words), start + NAME_WORDS), start, -1):
            candidate = " ".join(words[start:end])
            if is_clear(candidate):
                names.append(candidate)
                start = end
                break
        else:  # nothing clear from here on: keep the rest together to ask about it
            names.append(" ".join(words[start:]))
            break
    return list(dict.fromkeys(names))[:MAX_NAMES]


@dataclass
class _Outcome:
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    unclear: list[MatchResult] = field(default_factory=list)
    unknown: list[MatchResult] = field(default_factory=list)
    full: list[str] = field(default_factory=list)


def _add(services: Services, chat_id: int, text: str) -> Reply:
    names = split_names(text, services.matcher)
    if not names:
        return Reply(escape(USAGE))
    store, outcome = services.store, _Outcome()
    for name in names[:MAX_NAMES]:
        result = services.matcher.match(name, kinds=("security",))
        if result.outcome == "ambiguous":
            outcome.unclear.append(result)
        elif result.outcome == "none" or result.best is None:
            outcome.unknown.append(result)
        elif len(store.chats.watchlist(chat_id)) >= MAX_NAMES:
            outcome.full.append(result.best.label)
        elif store.chats.watch(chat_id, result.best.key, services.now()):
            outcome.added.append(result.best.label)
        else:
            outcome.already.append(result.best.label)
    return _added_reply(outcome, len(store.chats.watchlist(chat_id)))


def _added_reply(outcome: _Outcome, count: int) -> Reply:
    lines = []
    if outcome.added:
        lines.append(f"Added {escape(', '.join(outcome.added))}.")
    if outcome.already:
        lines.append(f"Already on your list: {escape(', '.join(dict.fromkeys(outcome.already)))}.")
    if outcome.full:
        lines.append(
            f"Your watchlist is full ({MAX_NAMES} names), so {escape(', '.join(outcome.full))} "
            "was not added. Make room with /watch remove NAME."
        )
    for result in outcome.unknown:
        lines.append(f"No security matches {quoted(result.query)}.")
    buttons: list[tuple[Button, ...]] = []
    for result in outcome.unclear[:MAX_ASKED]:
        lines.append(f"{quoted(result.query)} could be more than one: {bold('which one?')}")
        buttons += choices(result, "watch add")
    if len(outcome.unclear) > MAX_ASKED:
        lines.append(f"…and {len(outcome.unclear) - MAX_ASKED} more: add them one at a time.")
    lines.append(f"{count} of {MAX_NAMES} names: /watch shows them.")
    return Reply(fit(lines), tuple(buttons))


def _remove(services: Services, chat_id: int, text: str) -> Reply:
    if not text.strip():
        return Reply(escape(USAGE))
    result = services.matcher.match(text, kinds=("security",))
    watched = {s.ticker: s for s in services.store.chats.watchlist(chat_id)}
    on_list = [c for c in result.candidates if c.key in watched]
    if result.outcome == "none" or not on_list:
        return Reply(f"{quoted(text)} is not on your watchlist. /watch shows it.")
    if len(on_list) > 1:
        narrowed = MatchResult(result.query, "ambiguous", on_list)
        return Reply(
            f"{quoted(text)} could be more than one: {bold('which one?')}",
            choices(narrowed, "watch remove"),
        )
    services.store.chats.unwatch(chat_id, on_list[0].key)
    return Reply(f"Removed {escape(on_list[0].label)}.")


def show_watchlist(services: Services, chat_id: int) -> Reply:
    """Every name with the day's close and % change, best first, beside the index's move."""
    store = services.store
    day = store.market.latest_date()
    if not store.chats.watchlist(chat_id):
        return Reply("Your watchlist is empty. Add names with /watch add innovent, pop mart")
    if day is None:
        return NO_CLOSES
    watched = store.chats.watched_quotes(chat_id, day)
    versus = versus_index(store, day) or "no index close"
    blocks = [
        f"{bold('Your watchlist')} · {day_label(day)} · {escape(versus)}",
        watchlist_table(watched),
        f"{len(watched)} of {MAX_NAMES} · /watch add NAME · /watch remove NAME",
    ]
    return Reply(fit(blocks))


def versus_index(store: Store, day: date) -> str:
    """ "vs HSI +0.60%", what each name is read against; empty without the index's move."""
    index = store.market.quote(INDEX, day)
    if index is None or index.close.pct_change is None:
        return ""
    return f"vs HSI {percent(index.close.pct_change)}"


def watchlist_table(watched: list[WatchedQuote]) -> str:
    """A line per name that fits a phone, best first; names without a close that day last."""
    return table([_row(w) for w in sorted(watched, key=_best_first)], "<>>")


def _best_first(watched: WatchedQuote) -> tuple[bool, bool, float, str]:
    close = watched.close
    pct = close.pct_change if close else None
    return (close is None, pct is None, -(pct or 0.0), watched.security.name)


def _row(watched: WatchedQuote) -> tuple[str, str, str]:
    name = shorten(short_name(watched.security), NAME_WIDTH)
    close = watched.close
    if close is None:
        return (name, "no close", "")
    pct = "n/a" if close.pct_change is None else percent(close.pct_change)
    return (name, price(close.close), pct)
