"""Replies for queries that did not find exactly one thing: "Did you mean…" and "no match"."""

from __future__ import annotations

from handlers.answers.render import bold, escape, shorten
from handlers.answers.reply import Button, Reply
from handlers.core.match import Candidate, MatchResult

MAX_QUERY_SHOWN = 40


def quoted(query: str) -> str:
    return "‘" + escape(shorten(" ".join(query.split()), MAX_QUERY_SHOWN)) + "’"


def choices(result: MatchResult, command: str, suffix: str = "") -> tuple[tuple[Button, ...], ...]:
    """One button per candidate, each running `command` for it (one per row: easy to tap)."""
    tail = f" {suffix}" if suffix else ""
    return tuple((Button(c.label, f"/{command} {c.key}{tail}"),) for c in result.candidates)


def did_you_mean(result: MatchResult, command: str, suffix: str = "") -> Reply:
    text = f"{quoted(result.query)} could be more than one thing. {bold('Did you mean…')}"
    return Reply(text, choices(result, command, suffix))


def no_match(
    result: MatchResult, command: str, what: str, examples: str, suffix: str = ""
) -> Reply:
    """Say nothing matched, with the nearest names as buttons when there are any."""
    lines = [f"No {what} matches {quoted(result.query)}. Try {examples}."]
    if result.candidates:
        lines.append("Closest names:")
    return Reply("\n".join(lines), choices(result, command, suffix))


def sole_candidate(result: MatchResult) -> Candidate | None:
    """The one candidate of a near match that offers only one: no tie, so no button to tap."""
    if result.outcome == "ambiguous" and len(result.candidates) == 1:
        return result.candidates[0]
    return None
