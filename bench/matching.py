"""Matching: the project's `Matcher` over the whole board beside a naive fuzzy search.

The naive baseline is what most bots start with: `rapidfuzz.process.extractOne` with default
settings over a flat list of every name, Chinese name and alias. The labelled queries of
tests/test_match.py are rerun against a matcher holding the sample's securities *and* the
synthetic board, to show the answers people rely on survive 30 times more names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from rapidfuzz import process

from bench.queries import match_workload
from bench.timing import Latency, time_each
from handlers.core.match import AMBIGUOUS, MATCH, Matcher, MatchResult
from store import Store, open_store
from store.models import Security
from store.sample import load_sample
from store.tickers import stock_code


def index_texts(securities: Sequence[Security]) -> tuple[list[str], list[str]]:
    """Every name, Chinese name and alias, with the ticker each belongs to."""
    texts: list[str] = []
    owners: list[str] = []
    for security in securities:
        for text in (security.name, security.name_zh, *security.aliases):
            if text:
                texts.append(text)
                owners.append(security.ticker)
    return texts, owners


def _grade(result: MatchResult, intended: str) -> str:
    """'right' (the one answer), 'offered' (among the choices), or 'wrong'."""
    keys = [c.key for c in result.candidates]
    if result.outcome == MATCH and keys == [intended]:
        return "right"
    if result.outcome == AMBIGUOUS and intended in keys:
        return "offered"
    return "wrong"


def _shares(counts: Counter[str], total: int) -> dict[str, float]:
    total = max(1, total)
    return {f"{k}_share": round(counts[k] / total, 3) for k in ("right", "offered", "wrong")}


def matcher_vs_naive(store: Store, count: int, seed: int) -> dict[str, object]:
    """p50/p99 and accuracy of both on the same seeded queries over the same names."""
    securities = store.market.securities()
    matcher = Matcher.from_securities(securities, store.market.sectors())
    texts, owners = index_texts(securities)
    queries = match_workload(securities, count, seed)
    ours, results = time_each(lambda q: matcher.match(q.text), queries)
    naive, picks = time_each(lambda q: process.extractOne(q.text, texts), queries)
    gradable = [i for i, q in enumerate(queries) if q.intended]
    graded = Counter(_grade(results[i], queries[i].intended) for i in gradable)
    naive_right = sum(
        picks[i] is not None and owners[picks[i][2]] == queries[i].intended for i in gradable
    )
    return {
        "index_texts": len(texts),
        "queries": len(queries),
        "graded_queries": len(gradable),  # those with one right answer
        "matcher": {**Latency.of(ours).to_json(), **_shares(graded, len(gradable))},
        "naive_extractOne": {
            **Latency.of(naive).to_json(),
            "right_share": round(naive_right / max(1, len(gradable)), 3),
        },
    }


# --- the labelled set at full size --------------------------------------------------------------


def sample_securities() -> tuple[list[Security], list[str]]:
    store = open_store(":memory:")
    try:
        load_sample(store)
        return store.market.securities(), store.market.sectors()
    finally:
        store.close()


def _labelled() -> list[tuple[str, str, str | None]]:
    """The labelled queries of tests/test_match.py, imported so the two never drift apart."""
    from tests.test_match import LABELLED

    return list(LABELLED)


def _is_right(result: MatchResult, outcome: str, key: str | None) -> bool:
    """The rule tests/test_match.py grades by: right outcome, and the key answered or offered."""
    if result.outcome != outcome:
        return False
    keys = [c.key for c in result.candidates]
    return keys == [key] if outcome == MATCH else key is None or key in keys


def merged_board(
    sample: Sequence[Security], synthetic: Sequence[Security], reserved: set[str]
) -> list[Security]:
    """The sample plus the synthetic stocks; a synthetic stock whose code the sample (or a
    labelled 'unlisted' query) uses moves to a free code, so codes keep one meaning."""
    taken = {s.ticker for s in sample} | reserved
    free = (f"{n:04d}.HK" for n in range(9999, 0, -1) if f"{n:04d}.HK" not in taken)
    merged = list(sample)
    for security in synthetic:
        if security.is_index:
            continue
        if security.ticker in taken:
            security = replace(security, ticker=next(free))
        taken.add(security.ticker)
        merged.append(security)
    return merged


def labelled_accuracy(store: Store) -> dict[str, object]:
    """Top-1 accuracy of the labelled set on the sample alone and on sample + full board."""
    labelled = _labelled()
    sample, sample_sectors = sample_securities()
    unlisted = {code for q, outcome, _ in labelled if outcome == "none" and (code := stock_code(q))}
    board = merged_board(sample, store.market.securities(), unlisted)
    small = Matcher.from_securities(sample, sample_sectors)
    full = Matcher.from_securities(board, sorted(set(sample_sectors) | set(store.market.sectors())))
    right_small = [_is_right(small.match(q), o, k) for q, o, k in labelled]
    right_full = [_is_right(full.match(q), o, k) for q, o, k in labelled]
    changed = [
        {"query": q[:40], "expected": o, "key": k, "full_size": _describe(full.match(q))}
        for (q, o, k), a, b in zip(labelled, right_small, right_full, strict=True)
        if a != b
    ]
    return {
        "queries": len(labelled),
        "securities_sample": len(sample),
        "securities_full": len(board),
        "accuracy_sample": round(sum(right_small) / len(labelled), 4),
        "accuracy_full": round(sum(right_full) / len(labelled), 4),
        "changed": changed,
    }


def _describe(result: MatchResult) -> str:
    keys = ", ".join(c.key for c in result.candidates[:4])
    return f"{result.outcome}: {keys}" if keys else result.outcome
