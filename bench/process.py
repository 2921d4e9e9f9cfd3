"""Memory and start-up: what a fresh process costs on the full store.

- peak RSS of a child that opens the store, builds the matcher and answers every kind of
  question (`bench.serve`), and how long it takes to be ready to answer;
- wall time of `python -m bot --db DB ask "/close"`, start to exit, as a script or an operator
  sees it (interpreter, imports, store, matcher, one answer).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from bench.child import ChildRun, measured, run_child


def serve_child(db: Path, count: int, seed: int) -> dict[str, object]:
    run = run_child(measured("bench.serve", str(db), "--count", str(count), "--seed", str(seed)))
    return {
        "peak_rss_mb": run.peak_rss_mb,
        "ready_s": round(run.ready_s or float("nan"), 3),
        "total_s": run.seconds,
        "answers": _answers(run),
    }


def _answers(run: ChildRun) -> int:
    return int(json.loads(run.stdout.strip().splitlines()[-1])["answers"])


def ask_startup(db: Path, repeats: int) -> dict[str, object]:
    """`python -m bot ask "/close"` from spawn to exit, `repeats` times (through
    `bench.measure`, which adds one tiny import, to read its peak memory)."""
    runs = [run_child(measured("bot", "--db", str(db), "ask", "/close")) for _ in range(repeats)]
    seconds = [r.seconds for r in runs]
    return {
        "runs": repeats,
        "median_s": round(statistics.median(seconds), 3),
        "max_s": round(max(seconds), 3),
        "min_s": round(min(seconds), 3),
        "peak_rss_mb": max(r.peak_rss_mb for r in runs),
        "answer_starts": runs[0].stdout.strip().splitlines()[0][:60] if runs[0].stdout else "",
    }
