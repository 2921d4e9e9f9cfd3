"""Latency percentiles and rates: the figures every benchmark reports, computed one way."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TypeVar

import numpy as np

T = TypeVar("T")
R = TypeVar("R")

WARM_UP = 20  # first calls fill caches (regexes, SQLite pages); a running bot has them warm


@dataclass(frozen=True)
class Latency:
    """Per-call times in milliseconds: the median is the usual case, p99 the slow one in 100."""

    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        if not seconds:
            raise ValueError("no timings to summarise")
        ms = np.asarray(seconds, dtype=float) * 1000
        return cls(
            count=len(ms),
            p50_ms=round(float(np.percentile(ms, 50)), 4),
            p99_ms=round(float(np.percentile(ms, 99)), 4),
            max_ms=round(float(ms.max()), 4),
            mean_ms=round(float(ms.mean()), 4),
        )

    def to_json(self) -> dict[str, float]:
        return asdict(self)


def time_each(call: Callable[[T], R], inputs: Iterable[T]) -> tuple[list[float], list[R]]:
    """Run `call` on every input after a short untimed warm-up; (seconds each, results)."""
    items = list(inputs)
    for item in items[:WARM_UP]:
        call(item)
    seconds: list[float] = []
    results: list[R] = []
    clock = time.perf_counter
    for item in items:
        started = clock()
        result = call(item)
        seconds.append(clock() - started)
        results.append(result)
    return seconds, results


def rate(count: int, seconds: float) -> float:
    """Items per second, rounded for a table."""
    return round(count / seconds, 1) if seconds > 0 else float("inf")
