"""Answer latency: `answer_line` on the full store, as the console, `ask` and Telegram call it.

No network is involved: this is the time from a command line to the reply text, which is all
the bot adds to Telegram's own round trip.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time

from bench.queries import Query, answer_workload
from bench.timing import Latency, time_each
from handlers.answers.reply import Reply
from handlers.commands import answer_line
from handlers.services import HONG_KONG, Services
from store import Store

EVENING = time(18, 0)  # after the close, when people ask


def evening_services(store: Store, day: date) -> Services:
    """Services whose clock reads the evening of `day`, so 'today' is the last session."""
    evening = datetime.combine(day, EVENING, HONG_KONG)
    return Services(store, now=lambda: evening)


def _named(reply: Reply, intended: str) -> bool:
    """Whether the reply is about the intended ticker or sector (an answer or a choice)."""
    return intended in reply.text or any(intended in b.text for b in reply.button_list)


def _outcomes(queries: list[Query], replies: list[Reply]) -> dict[str, float]:
    """How the replies went: share naming what was meant, share offering buttons."""
    counts: Counter[str] = Counter()
    for query, reply in zip(queries, replies, strict=True):
        counts["buttons"] += bool(reply.buttons)
        if query.intended:
            counts["with_intended"] += 1
            counts["named"] += _named(reply, query.intended)
    result = {"buttons_share": round(counts["buttons"] / len(queries), 3)}
    if counts["with_intended"]:
        result["names_intended_share"] = round(counts["named"] / counts["with_intended"], 3)
    return result


def answer_latency(
    services: Services, first: date, last: date, count: int, seed: int
) -> dict[str, dict[str, object]]:
    """p50/p99 per kind of question, with what the replies looked like."""
    store = services.store
    market = store.market
    workload = answer_workload(market.securities(), market.sectors(), first, last, count, seed)
    results: dict[str, dict[str, object]] = {}
    for kind, queries in workload.items():
        seconds, replies = time_each(lambda q: answer_line(services, q.text), queries)
        results[kind] = {
            **Latency.of(seconds).to_json(),
            **_outcomes(queries, replies),
            "example": queries[0].text,
        }
    return results
