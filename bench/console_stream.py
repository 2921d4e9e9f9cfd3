"""The whole process as someone outside the project would time it: `python -m bot console` on a
store opened cold, fed a mixed stream of questions on stdin.

The cost of one answer is read as the difference between a long stream and a short one,
(T(2,000) - T(20)) / 1,980, so start-up (interpreter, imports, the matcher's build) drops
out and what is left is what each further question costs the process, garbage collection and
all. Peak RSS is the long run's own high-water mark (`bench.measure`).
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench.child import ROOT, _peak_rss_mb, measured
from bench.queries import answer_workload
from store import open_store

SHORT = 20
EXTRA = ("/summary", "/help", "/movers", "/close")  # asked now and then by everyone


@dataclass(frozen=True)
class StreamCost:
    questions: int
    short: int
    runs: int
    long_s: float  # median wall time of the long stream, start to exit
    short_s: float
    mean_answer_ms: float  # (long - short) / (questions - short), from the medians
    mean_answer_cpu_ms: float  # the same in the child's CPU time
    peak_rss_mb: float  # the long stream's, highest of the runs

    def to_json(self) -> dict[str, float | int]:
        return asdict(self)


def mixed_questions(db: Path, count: int, seed: int) -> list[str]:
    """`count` lines in a seeded random order: names, typos, sectors, movers, dated closes,
    the index, and now and then the summary or help."""
    store = open_store(db)
    try:
        securities = store.market.securities()
        sectors = store.market.sectors()
        first, last = store.market.first_date(), store.market.latest_date()
    finally:
        store.close()
    assert first is not None and last is not None, "the store has no closes"
    each = count // 6 + 1
    kinds = answer_workload(securities, sectors, first, last, each, seed)
    lines = [q.text for queries in kinds.values() for q in queries]
    rng = np.random.default_rng(seed)
    lines += [EXTRA[int(i)] for i in rng.integers(len(EXTRA), size=count // 20)]
    order = rng.permutation(len(lines))
    return [lines[int(i)] for i in order[:count]]


def _console(db: Path, lines: list[str]) -> tuple[float, float, float]:
    """(seconds, CPU seconds, peak RSS MB) of one console run answering `lines` and exiting.
    CPU time is the child's own (user + system), steadier than wall time on a busy machine."""
    command = measured("bot", "--db", str(db), "console")
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stderr:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            command,
            cwd=ROOT,
            input="\n".join([*lines, "/quit"]) + "\n",
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        stderr.seek(0)
        return seconds, cpu, _peak_rss_mb(stderr.read())


def console_cost(db: Path, questions: int, seed: int, runs: int = 3) -> StreamCost:
    """The mean cost of one answer in a mixed stream, and the process's peak memory; long
    and short runs alternate, so a burst of load on a shared machine hits both alike."""
    lines = mixed_questions(db, questions, seed)
    long_s, short_s, long_cpu, short_cpu, peaks = [], [], [], [], []
    for _ in range(runs):
        seconds, cpu, peak = _console(db, lines)
        long_s.append(seconds)
        long_cpu.append(cpu)
        peaks.append(peak)
        seconds, cpu, _ = _console(db, lines[:SHORT])
        short_s.append(seconds)
        short_cpu.append(cpu)
    long_median, short_median = statistics.median(long_s), statistics.median(short_s)
    cpu_ms = (statistics.median(long_cpu) - statistics.median(short_cpu)) / (questions - SHORT)
    return StreamCost(
        questions=questions,
        short=SHORT,
        runs=runs,
        long_s=round(long_median, 3),
        short_s=round(short_median, 3),
        mean_answer_ms=round((long_median - short_median) / (questions - SHORT) * 1000, 3),
        mean_answer_cpu_ms=round(cpu_ms * 1000, 3),
        peak_rss_mb=max(peaks),
    )
