"""The whole benchmark, in the order the data flows: make the market, ingest it, ask questions,
match names, push to subscribers, plan the push for a million, and start fresh processes on the
result.

Sizes are named: `full` is the issue's Hong Kong main board, `small` finishes in under a
minute, `tiny` is for the test suite. Everything is seeded; only the clock varies.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench import report
from bench.answers import answer_latency, evening_services
from bench.console_stream import console_cost
from bench.ingest_rate import compare_ingest, remove_db, wide_file_refusal
from bench.make_market import TRADING_DAYS_PER_YEAR, Market, cached_market, make_securities
from bench.matching import labelled_accuracy, matcher_vs_naive
from bench.process import ask_startup, serve_child
from bench.push_path import PushSetup, push_throughput, subscribe_many
from bench.push_plan import push_planning
from bench.real_data import real_market
from bench.updates import updates_per_second
from store import ingest, open_store
from store.sample import SAMPLE_DAY, load_sample

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results.json"
SEED = 2025


@dataclass(frozen=True)
class Size:
    """How big each part of the run is."""

    name: str
    securities: int
    years: float
    answer_queries: int  # of each kind
    match_queries: int
    subscribers: int  # all pushed to with the limiter off
    limited_messages: int  # pushed with the rate limiter on (~30 a second)
    serve_queries: int  # of each kind, in the memory child
    startup_runs: int
    updates: int = 600  # updates from distinct chats, against the stand-in Bot API
    cli_ingest: bool = True
    push_plan: tuple[int, ...] = ()  # subscribers the day's push is planned for, nothing sent
    # The independent set-up of issue 21: a board of `board_stocks` × `board_sessions`,
    # ingested by the CLI, then `console_questions` mixed questions through the console.
    board_stocks: int = 2_700
    board_sessions: int = 750
    console_questions: int = 2_000
    console_runs: int = 3


_SMALL_BOARD: dict[str, Any] = dict(
    board_stocks=300, board_sessions=120, console_questions=500, console_runs=1
)
_TINY_BOARD: dict[str, Any] = dict(
    board_stocks=30, board_sessions=10, console_questions=30, console_runs=1
)
SIZES = {
    "full": Size(
        "full", 2_700, 10.0, 1_000, 2_000, 10_000, 300, 200, 5, push_plan=(100_000, 1_000_000)
    ),
    "small": Size(
        "small", 300, 1.0, 1_000, 1_000, 2_000, 100, 100, 3, push_plan=(100_000,), **_SMALL_BOARD
    ),
    "tiny": Size(
        "tiny", 40, 0.06, 20, 20, 30, 10, 5, 1, updates=4, push_plan=(600,), **_TINY_BOARD
    ),
}


class _Step:
    """Say what is running and how long it took, so a long full run shows progress."""

    def __init__(self, label: str, log: bool) -> None:
        self.label, self.log = label, log
        self.started = 0.0

    def __enter__(self) -> None:
        self.started = time.perf_counter()
        if self.log:
            print(f"… {self.label}", flush=True)

    def __exit__(self, *exc: object) -> None:
        if self.log:
            print(f"  done in {time.perf_counter() - self.started:.1f}s", flush=True)


def _serve_questions(market: Market, db: Path, size: Size, log: bool) -> dict[str, Any]:
    """Answers, matching and the push, in this process, on the ingested store."""
    results: dict[str, Any] = {}
    store = open_store(db)
    try:
        services = evening_services(store, market.last_day)
        with _Step(f"answers: {size.answer_queries:,} of each kind", log):
            results["answers"] = answer_latency(
                services, market.first_day, market.last_day, size.answer_queries, SEED
            )
        with _Step(f"matching: {size.match_queries:,} queries, matcher and extractOne", log):
            results["matching"] = matcher_vs_naive(store, size.match_queries, SEED)
            results["matching"]["labelled"] = labelled_accuracy(store)
        with _Step(f"push: {size.subscribers:,} subscribers", log):
            now = services.now()
            chats = subscribe_many(services, size.subscribers, now)
            setup = PushSetup(services, market.last_day, now, chats)
            results["push"] = asyncio.run(
                push_throughput(
                    setup, messages=size.subscribers, limited_messages=size.limited_messages
                )
            )
    finally:
        store.close()
    return results


def _on_the_sample(work: Path, size: Size, log: bool) -> dict[str, Any]:
    """The bundled sample as a new user meets it: the first-run load, answers, start-up."""
    db = work / "sample.db"
    remove_db(db)
    with _Step("sample: the first-run load, answers and start-up", log):
        store = open_store(db)
        try:
            started = time.perf_counter()
            load_sample(store)
            loaded_s = time.perf_counter() - started
            services = evening_services(store, SAMPLE_DAY)
            first = store.market.first_date() or SAMPLE_DAY
            answers = answer_latency(services, first, SAMPLE_DAY, size.answer_queries, SEED)
            securities = len(store.market.securities())
        finally:
            store.close()
        ask = ask_startup(db, size.startup_runs)
    with _Step(f"updates: {size.updates:,} chats at 0 and 100 ms round trips", log):
        updates = updates_per_second(db, size.updates)
    return {
        "load_s": round(loaded_s, 2),
        "securities": securities,
        "answers": answers,
        "ask": ask,
        "updates": updates,
    }


def _independent(cache: Path, work: Path, size: Size, log: bool) -> dict[str, Any]:
    """Issue 21's set-up, as someone outside the project measured it: a whole board ingested
    with `python -m bot ingest`, `ask "/close"` on the store opened cold, and a mixed stream of
    questions through `python -m bot console`, each a process of its own."""
    years = size.board_sessions / TRADING_DAYS_PER_YEAR
    label = f"{size.board_stocks:,} stocks × {size.board_sessions:,} sessions"
    with _Step(f"independent set-up: {label}, ingest and baselines", log):
        market = cached_market(cache, securities=size.board_stocks, years=years, seed=SEED)
        ingest = compare_ingest(market, work / "board", cli=True)
        ingest["wide_file"] = wide_file_refusal(work / "wide")
    db = work / "board" / "store.db"
    with _Step(f"independent set-up: ask, and {size.console_questions:,} questions", log):
        ask = ask_startup(db, size.startup_runs)
        console = console_cost(db, size.console_questions, SEED, runs=size.console_runs)
    remove_db(db)
    return {"market": market.to_json(), "ingest": ingest, "ask": ask, "console": console.to_json()}


def _push_planning(work: Path, size: Size, log: bool, sample: Path | None = None) -> dict[str, Any]:
    sizes = " and ".join(f"{count:,}" for count in size.push_plan)
    with _Step(f"push planning: {sizes} subscribers, nothing sent", log):
        return push_planning(work, size.push_plan, SEED, sample)


def run_push_plan(
    size: Size,
    *,
    cache: Path = CACHE,
    work: Path | None = None,
    log: bool = True,
    sample: Path | None = None,
) -> dict[str, Any]:
    """Only the push-planning figures for `size` (`python bench/run.py --push-plan`), on a
    copy of `sample` (a store holding the bundled sample) when given."""
    work = work or cache / f"work-{size.name}"
    results: dict[str, Any] = {"machine": report.machine(), "size": asdict(size)}
    results["push_plan"] = _push_planning(work, size, log, sample)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = report.targets(report.push_plan_rows(results["push_plan"]))
    return results


def _board_names(work: Path, size: Size) -> Path:
    """The full market's securities alone (the same seeded names as its closes file, which
    is not needed to time matching), as a CSV to ingest."""
    path = work / f"securities-{size.securities}.csv"
    if not path.exists():
        table = make_securities(size.securities, np.random.default_rng(SEED))
        table.to_csv(path, index=False, lineterminator="\n")
    return path


def run_answers(
    size: Size, *, cache: Path = CACHE, work: Path | None = None, log: bool = True
) -> dict[str, Any]:
    """Only answers and matching (`python bench/run.py --answers`): every kind of answer on the
    bundled sample, plain questions included, and matching over the names of the market of
    `size` with no closes loaded, so it takes a minute at any size."""
    work = work or cache / f"work-{size.name}"
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": report.machine(), "size": asdict(size)}
    db = work / "sample-answers.db"
    remove_db(db)
    with _Step(f"sample: {size.answer_queries:,} answers of each kind", log):
        store = open_store(db)
        try:
            load_sample(store)
            services = evening_services(store, SAMPLE_DAY)
            first = store.market.first_date() or SAMPLE_DAY
            results["sample_answers"] = answer_latency(
                services, first, SAMPLE_DAY, size.answer_queries, SEED
            )
        finally:
            store.close()
        remove_db(db)
    with _Step(f"matching: {size.match_queries:,} queries over {size.securities:,} stocks", log):
        board = open_store(":memory:")
        try:
            ingest(board, securities=_board_names(work, size), today=SAMPLE_DAY)
            results["matching"] = matcher_vs_naive(board, size.match_queries, SEED)
            results["matching"]["labelled"] = labelled_accuracy(board)
        finally:
            board.close()
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = report.targets(report.answer_rows(results))
    return results


def run(
    size: Size,
    *,
    cache: Path = CACHE,
    work: Path | None = None,
    real: bool = False,
    keep_db: bool = False,
    log: bool = True,
) -> dict[str, Any]:
    """Every figure for `size`, as one JSON-ready dict (see `report.rows` for the table)."""
    os.environ["PTB_TIMEDELTA"] = "true"
    work = work or cache / f"work-{size.name}"
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": report.machine(), "size": asdict(size)}
    with _Step(f"market: {size.securities:,} stocks × {size.years:g} years", log):
        market = cached_market(cache, securities=size.securities, years=size.years, seed=SEED)
    results["market"] = market.to_json()
    with _Step(f"ingest: {market.rows:,} closes, project and baselines", log):
        results["ingest"] = compare_ingest(market, work, cli=size.cli_ingest)
    if real:
        with _Step("ingest: the real closes (503 stocks, 2009–2025)", log):
            results["ingest_real"] = compare_ingest(real_market(cache), work / "real", cli=False)
    results["independent"] = _independent(cache, work, size, log)
    results["sample"] = _on_the_sample(work, size, log)  # leaves the sample's store behind
    db = work / "store.db"
    results.update(_serve_questions(market, db, size, log))
    if size.push_plan:
        results["push_plan"] = _push_planning(work, size, log, sample=work / "sample.db")
    remove_db(work / "sample.db")
    with _Step("memory and start-up: child processes", log):
        results["process"] = {
            "serve": serve_child(db, size.serve_queries, SEED),
            "ask": ask_startup(db, size.startup_runs),
        }
    if not keep_db:
        remove_db(db)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = report.targets(report.rows(results))
    return results


def write(results: dict[str, Any], path: Path = RESULTS) -> None:
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
