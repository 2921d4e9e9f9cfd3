"""/watch: a chat's own list of names, with the day's close of each against the index."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from handlers.answers.render import bold, escape, fit, percent, price, shorten_to_columns, table
from handlers.answers.reply import Button, Reply, no_closes
from handlers.answers.suggest import choices, label, quoted
from handlers.core.figures import short_name_in
from handlers.core.locale import Locale
from handlers.core.match import Matcher, MatchResult
from handlers.services import Services
from store import Store
from store.models import WatchedQuote
from store.tickers import INDEX

MAX_NAMES = 30
MAX_ASKED = 3  # unclear names asked about at once, each with its buttons
NAME_WORDS = 6  # the most words one name is looked for in
NAME_WIDTH = 18  # columns of a monospace line: Chinese characters take two each
_SEPARATORS = re.compile(r"[,，、;；]+")


def answer_watch(services: Services, chat_id: int, args: str = "") -> Reply:
    """The reply to `/watch [add NAMES | remove NAME | clear]`."""
    action, _space, rest = args.strip().partition(" ")
    action = action.lower()
    _ = services.locale._
    if not action or action in ("list", "show", "列出"):
        return show_watchlist(services, chat_id)
    if action in ("add", "加", "加入", "新增", "添加"):
        return _add(services, chat_id, rest)
    if action in ("remove", "rm", "delete", "del", "刪除", "删除", "移除"):
        return _remove(services, chat_id, rest)
    if action in ("clear", "清除", "清空"):
        removed = services.store.chats.clear_watchlist(chat_id)
        if not removed:
            return Reply(_("Your watchlist is already empty."))
        return Reply(_("Cleared your watchlist ({count} names).").format(count=removed))
    return Reply(escape(usage(services.locale)))


def usage(lang: Locale) -> str:
    return lang._(
        "Usage: /watch add innovent, pop mart · /watch remove pop mart · /watch clear · "
        "/watch to see the list"
    )


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
        return Reply(escape(usage(services.locale)))
    store, outcome = services.store, _Outcome()
    for name in names[:MAX_NAMES]:
        result = services.matcher.match(name, kinds=("security",))
        if result.outcome == "ambiguous":
            outcome.unclear.append(result)
        elif result.outcome == "none" or result.best is None:
            outcome.unknown.append(result)
        elif len(store.chats.watchlist(chat_id)) >= MAX_NAMES:
            outcome.full.append(label(services, result.best))
        elif store.chats.watch(chat_id, result.best.key, services.now()):
            outcome.added.append(label(services, result.best))
        else:
            outcome.already.append(label(services, result.best))
    return _added_reply(services, outcome, len(store.chats.watchlist(chat_id)))


def _added_reply(services: Services, outcome: _Outcome, count: int) -> Reply:
    _ = services.locale._
    comma = _(", ")
    lines = []
    if outcome.added:
        lines.append(_("Added {names}.").format(names=escape(comma.join(outcome.added))))
    if outcome.already:
        text = _("Already on your list: {names}.")
        lines.append(text.format(names=escape(comma.join(dict.fromkeys(outcome.already)))))
    if outcome.full:
        text = _(
            "Your watchlist is full ({most} names), so {names} was not added. "
            "Make room with /watch remove NAME."
        )
        lines.append(text.format(most=MAX_NAMES, names=escape(comma.join(outcome.full))))
    for result in outcome.unknown:
        lines.append(_("No security matches {query}.").format(query=quoted(result.query)))
    buttons: list[tuple[Button, ...]] = []
    for result in outcome.unclear[:MAX_ASKED]:
        text = _("{query} could be more than one: {which}")
        lines.append(text.format(query=quoted(result.query), which=bold(_("which one?"))))
        buttons += choices(services, result, "watch add")
    if len(outcome.unclear) > MAX_ASKED:
        text = _("…and {count} more: add them one at a time.")
        lines.append(text.format(count=len(outcome.unclear) - MAX_ASKED))
    lines.append(
        _("{count} of {most} names: /watch shows them.").format(count=count, most=MAX_NAMES)
    )
    return Reply(fit(lines), tuple(buttons))


def _remove(services: Services, chat_id: int, text: str) -> Reply:
    _ = services.locale._
    if not text.strip():
        return Reply(escape(usage(services.locale)))
    result = services.matcher.match(text, kinds=("security",))
    watched = {s.ticker: s for s in services.store.chats.watchlist(chat_id)}
    on_list = [c for c in result.candidates if c.key in watched]
    if result.outcome == "none" or not on_list:
        return Reply(
            _("{query} is not on your watchlist. /watch shows it.").format(query=quoted(text))
        )
    if len(on_list) > 1:
        narrowed = MatchResult(result.query, "ambiguous", on_list)
        which = _("{query} could be more than one: {which}")
        return Reply(
            which.format(query=quoted(text), which=bold(_("which one?"))),
            choices(services, narrowed, "watch remove"),
        )
    services.store.chats.unwatch(chat_id, on_list[0].key)
    return Reply(_("Removed {name}.").format(name=escape(label(services, on_list[0]))))


def show_watchlist(services: Services, chat_id: int) -> Reply:
    """Every name with the day's close and % change, best first, beside the index's move."""
    store, lang = services.store, services.locale
    _ = lang._
    day = store.market.latest_date()
    if not store.chats.watchlist(chat_id):
        return Reply(_("Your watchlist is empty. Add names with /watch add innovent, pop mart"))
    if day is None:
        return no_closes(lang)
    watched = store.chats.watched_quotes(chat_id, day)
    versus = versus_index(store, day, lang) or _("no index close")
    blocks = [
        bold(_("Your watchlist")) + f" · {lang.day(day)} · {escape(versus)}",
        watchlist_table(watched, lang),
        _("{count} of {most} · /watch add NAME · /watch remove NAME").format(
            count=len(watched), most=MAX_NAMES
        ),
    ]
    return Reply(fit(blocks))


def versus_index(store: Store, day: date, lang: Locale) -> str:
    """ "vs HSI +0.60%", what each name is read against; empty without the index's move."""
    index = store.market.quote(INDEX, day)
    if index is None or index.close.pct_change is None:
        return ""
    return lang._("vs HSI {pct}").format(pct=percent(index.close.pct_change))


def watchlist_table(watched: list[WatchedQuote], lang: Locale) -> str:
    """A line per name that fits a phone, best first; names without a close that day last."""
    return table([_row(w, lang) for w in sorted(watched, key=_best_first)], "<>>")


def _best_first(watched: WatchedQuote) -> tuple[bool, bool, float, str]:
    close = watched.close
    pct = close.pct_change if close else None
    return (close is None, pct is None, -(pct or 0.0), watched.security.name)


def _row(watched: WatchedQuote, lang: Locale) -> tuple[str, str, str]:
    name = shorten_to_columns(short_name_in(watched.security, lang), NAME_WIDTH)
    close = watched.close
    if close is None:
        return (name, lang._("no close"), "")
    pct = lang._("n/a") if close.pct_change is None else percent(close.pct_change)
    return (name, price(close.close), pct)
