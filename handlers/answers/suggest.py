"""Replies for queries that did not find exactly one thing: "Did you mean…" and "no match"."""

from __future__ import annotations

from handlers.answers.render import bold, escape, shorten
from handlers.answers.reply import Button, Reply
from handlers.core.locale import Locale
from handlers.core.match import SECTOR, Candidate, MatchResult
from handlers.services import Services

MAX_QUERY_SHOWN = 40


def quoted(query: str) -> str:
    return "‘" + escape(shorten(" ".join(query.split()), MAX_QUERY_SHOWN)) + "’"


def not_a_day(word: str, lang: Locale) -> Reply:
    """A word written like a date or a period that names neither ("2025-02-30", "31/2",
    "9999d"): said so, rather than looked for as a name."""
    text = lang._(
        "{word} is not a day or a period I can read: write a day as 2025-06-03 or 3 Jun, "
        "a period as 1w, 3m or 1y."
    )
    return Reply(text.format(word=quoted(word)))


def label(services: Services, candidate: Candidate) -> str:
    """What a button says: the name in the chat's language, with the code."""
    lang = services.locale
    if not lang.chinese:
        return candidate.label
    if candidate.kind == SECTOR:
        return lang.sector(candidate.key)
    security = services.store.market.security(candidate.key)
    if security is None:
        return candidate.label
    return f"{lang.name(security)} ({security.ticker})"


def choices(
    services: Services, result: MatchResult, command: str, suffix: str = ""
) -> tuple[tuple[Button, ...], ...]:
    """One button per candidate, each running `command` for it (one per row: easy to tap)."""
    tail = f" {suffix}" if suffix else ""
    return tuple(
        (Button(label(services, c), f"/{command} {c.key}{tail}"),) for c in result.candidates
    )


def did_you_mean(services: Services, result: MatchResult, command: str, suffix: str = "") -> Reply:
    _ = services.locale._
    text = _("{query} could be more than one thing. {did_you_mean}").format(
        query=quoted(result.query), did_you_mean=bold(_("Did you mean…"))
    )
    return Reply(text, choices(services, result, command, suffix))


def no_match(
    services: Services,
    result: MatchResult,
    command: str,
    what: str,
    examples: str,
    suffix: str = "",
) -> Reply:
    """Say nothing matched; the nearest names, when there are any, are offered as guesses, never
    as answers (`what` and `examples` are already in the chat's language)."""
    _ = services.locale._
    if not result.candidates:
        text = _("No {what} matches {query}. Try {examples}.")
        return Reply(text.format(what=what, query=quoted(result.query), examples=examples))
    text = _("Nothing is a close match for {query}. Did you mean one of these? Or try {examples}.")
    text = text.format(query=quoted(result.query), examples=examples)
    return Reply(text, choices(services, result, command, suffix))


def sole_candidate(result: MatchResult) -> Candidate | None:
    """The one candidate of a near match that offers only one: no tie, so no button to tap."""
    if result.outcome == "ambiguous" and len(result.candidates) == 1:
        return result.candidates[0]
    return None
