"""The benchmark code runs end to end at a tiny size, so it cannot rot between full runs.

No timing is asserted: figures vary by machine. What is checked is that every figure is there,
has a sensible shape, and that the loaders, answers and pushes did the work they timed.

The benchmark loads the bundled sample wherever a new user would; here those loads copy the one
load of the suite's session (`sample_db`, tests/conftest.py), which already runs `load_sample`.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bench import matching, push_plan, report, suite
from bench.make_market import SECTORS, make_market
from bench.push_path import pace
from bench.push_plan import LATER_TIMES
from bench.queries import typo
from bench.sink import SinkStats
from store import Store

ANSWER_KINDS = {
    "/close (HSI)",
    "/close NAME",
    "/close typo",
    "/sector X",
    "/movers",
    "/close X DATE",
    "plain words",
}
TINY = suite.SIZES["tiny"]


@pytest.fixture(scope="module")
def sample_copied(sample_db: Path) -> Iterator[None]:
    """`load_sample`, as the benchmark modules call it, copying the session's loaded sample."""

    def copy_sample(store: Store) -> None:
        source = sqlite3.connect(sample_db)
        try:
            source.backup(store.db.conn)
        finally:
            source.close()

    with pytest.MonkeyPatch.context() as patch:
        for module in (suite, matching, push_plan):
            patch.setattr(module, "load_sample", copy_sample)
        yield


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, sample_copied: None) -> dict[str, Any]:
    return suite.run(TINY, cache=tmp_path_factory.mktemp("bench"), log=False)


def _latency_is_sane(figures: dict[str, Any], count: int) -> None:
    assert figures["count"] == count
    assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]


def test_every_section_is_reported(results: dict[str, Any]) -> None:
    sections = {
        "machine",
        "market",
        "sample",
        "ingest",
        "answers",
        "matching",
        "push",
        "push_plan",
        "process",
        "independent",
    }
    assert sections <= set(results)
    json.dumps(results)  # results.json must be writable as it is


def test_all_loaders_store_the_same_rows(results: dict[str, Any]) -> None:
    ingest = results["ingest"]
    rows = results["market"]["rows"]
    assert ingest["same_data"] is True
    for loader in ("project", "cli", "to_sql", "raw"):
        assert ingest[loader]["rows"] == rows
        assert ingest[loader]["rows_per_s"] > 0
    assert ingest["ratio_to_raw"] > 0
    assert ingest["cli"]["peak_rss_mb"] > 0


def test_each_kind_of_answer_is_timed_on_every_query(results: dict[str, Any]) -> None:
    answers = results["answers"]
    assert set(answers) == ANSWER_KINDS
    for figures in answers.values():
        _latency_is_sane(figures, TINY.answer_queries)
        assert 0 <= figures["buttons_share"] <= 1


def test_matcher_and_naive_baseline_answer_the_same_queries(results: dict[str, Any]) -> None:
    matching = results["matching"]
    _latency_is_sane(matching["matcher"], TINY.match_queries)
    _latency_is_sane(matching["naive_extractOne"], TINY.match_queries)
    shares = [matching["matcher"][f"{k}_share"] for k in ("right", "offered", "wrong")]
    assert math.isclose(sum(shares), 1, abs_tol=0.01)


def test_labelled_queries_are_rerun_on_the_sample_plus_the_market(results: dict[str, Any]) -> None:
    labelled = results["matching"]["labelled"]
    assert labelled["queries"] >= 60
    assert labelled["securities_full"] == labelled["securities_sample"] + TINY.securities
    assert 0 < labelled["accuracy_full"] <= 1


def test_every_push_reaches_the_sink(results: dict[str, Any]) -> None:
    push = results["push"]
    sent = push["deliver"]["sink_received"]
    assert push["deliver"]["outcomes"] == {"sent": TINY.subscribers}
    assert sent >= TINY.subscribers  # a long push may be split into several messages
    assert push["httpx_one_by_one"]["sink_received"] == sent
    assert push["httpx_concurrent"]["sink_received"] == sent
    limited = push["rate_limited"]
    assert limited["outcomes"] == {"sent": TINY.limited_messages}
    assert limited["busiest_second"] >= 1


def test_push_planning_takes_every_subscriber_once_over_the_day(results: dict[str, Any]) -> None:
    [size] = results["push_plan"]["sizes"]
    assert size["subscribers"] == TINY.push_plan[0]
    first, whole = size["first_batch"], size["whole_day"]
    assert whole["chats"] == size["subscribers"]
    assert 1 < whole["runs"] <= 1 + len(LATER_TIMES)  # the default time, then each later one
    assert 0 < first["seconds"] <= whole["seconds"]
    assert 0 <= first["extra_rss_mb"] <= whole["extra_rss_mb"] < 10_000
    assert whole["claims_seconds"] > 0


def test_push_planning_alone_reports_only_its_rows(
    results: dict[str, Any], tmp_path: Path, sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run.py --push-plan` runs the planning alone; the planning itself is the one the whole
    run timed above (`results`), not timed again."""
    asked = []

    def planned(work: Path, size: suite.Size, log: bool, sample: Path | None = None) -> Any:
        asked.append((size, sample))
        return results["push_plan"]

    monkeypatch.setattr(suite, "_push_planning", planned)
    alone = suite.run_push_plan(TINY, work=tmp_path, log=False, sample=sample_db)
    assert asked == [(TINY, sample_db)]
    assert set(alone) == {"machine", "size", "push_plan", "targets"}
    rows = report.push_plan_rows(alone["push_plan"])
    assert [row.figure.split(": ")[1].split(" (")[0] for row in rows] == [
        "to the first batch",
        "the whole day",
    ]
    assert len(alone["targets"]) == 2


def test_child_processes_report_memory_and_start_up(results: dict[str, Any]) -> None:
    serve, ask = results["process"]["serve"], results["process"]["ask"]
    assert serve["answers"] == TINY.serve_queries * len(ANSWER_KINDS)
    assert 0 < serve["ready_s"] < serve["total_s"]
    assert 0 < serve["peak_rss_mb"] < 10_000
    assert ask["answer_starts"].startswith("Hang Seng Index")
    assert 0 < ask["min_s"] <= ask["median_s"] <= ask["max_s"]


def test_the_independent_set_up_loads_the_board_and_answers_a_mixed_stream(
    results: dict[str, Any],
) -> None:
    independent = results["independent"]
    ingest = independent["ingest"]
    assert ingest["same_data"] and ingest["cli"]["rows"] == independent["market"]["rows"]
    assert "the header has 50,000 columns" in ingest["wide_file"]["refused"]
    assert independent["ask"]["answer_starts"].startswith("Hang Seng Index")
    console = independent["console"]
    assert (
        console["questions"] == TINY.console_questions and console["short"] < console["questions"]
    )
    assert console["short_s"] > 0 and 0 < console["peak_rss_mb"] < 10_000


def test_the_bundled_sample_is_measured_as_a_new_user_meets_it(results: dict[str, Any]) -> None:
    sample = results["sample"]
    assert sample["securities"] > 2_000 and sample["load_s"] > 0
    assert set(sample["answers"]) == ANSWER_KINDS
    for figures in sample["answers"].values():
        _latency_is_sane(figures, TINY.answer_queries)
    assert sample["ask"]["answer_starts"].startswith("Hang Seng Index")
    updates = sample["updates"]
    assert updates["updates"] == TINY.updates
    for delay in ("0ms", "100ms"):
        assert updates[delay]["per_s"] > 0 and updates[delay]["before_per_s"] > 0


def test_table_has_a_row_for_every_target(results: dict[str, Any]) -> None:
    rows = report.rows(results)
    table = report.table(rows)
    assert len(table.splitlines()) == len(rows) + 2
    targets = results["targets"]
    # issue 19's wide file; issue 21's board (ingest, console answer and memory, ask); the
    # sample's answers, updates at 100 ms and start-up; then ingest and its memory, 7 answers,
    # match, labelled, push, rate, push planning (first batch, whole day), memory and start-up
    assert len(targets) == 25
    assert all(isinstance(t["met"], bool) for t in targets)


def test_same_seed_makes_the_same_market(tmp_path: Path) -> None:
    first = make_market(tmp_path / "a", securities=30, years=0.02, seed=3)
    second = make_market(tmp_path / "b", securities=30, years=0.02, seed=3)
    assert first.closes.read_bytes() == second.closes.read_bytes()
    assert first.securities.read_bytes() == second.securities.read_bytes()


def test_market_names_and_codes_are_unique(tmp_path: Path) -> None:
    market = make_market(tmp_path, securities=300, years=0.01, seed=5)
    table = pd.read_csv(market.securities, dtype=str, keep_default_na=False)
    stocks = table[table["kind"] == "stock"]
    assert len(stocks) == 300
    assert table["ticker"].is_unique and table["name"].is_unique and table["name_zh"].is_unique
    assert stocks["ticker"].str.fullmatch(r"\d{4}\.HK").all()
    assert stocks["name_zh"].str.len().between(2, 6).all()
    assert set(stocks["sector"]) <= set(SECTORS)
    assert (table["kind"] == "index").sum() == 1


def test_a_typo_changes_one_letter_at_most() -> None:
    rng = np.random.default_rng(0)
    for _ in range(100):
        slipped = typo("golden dragon pharmaceutical", rng)
        assert slipped != "golden dragon pharmaceutical"
        assert abs(len(slipped) - len("golden dragon pharmaceutical")) <= 1


def test_pace_finds_the_busiest_second() -> None:
    arrivals = [0.0, 0.1, 0.2, 0.5, 1.6, 1.7, 3.0]
    figures = pace(SinkStats(messages=len(arrivals), arrivals=arrivals))
    assert figures["busiest_second"] == 4
    assert figures["overall_per_s"] == 2.0


def test_the_answers_only_run_times_the_sample_and_matches_the_market_names(
    tmp_path: Path, sample_copied: None
) -> None:
    answers_only = suite.run_answers(TINY, cache=tmp_path, log=False)
    assert set(answers_only["sample_answers"]) == ANSWER_KINDS
    for figures in answers_only["sample_answers"].values():
        _latency_is_sane(figures, TINY.answer_queries)
    plain = answers_only["sample_answers"]["plain words"]
    assert plain["names_intended_share"] > 0.5  # the stocks asked about are answered
    matching = answers_only["matching"]
    assert matching["queries"] == TINY.match_queries
    assert matching["labelled"]["securities_full"] > matching["labelled"]["securities_sample"]
    assert [row.figure for row in report.answer_rows(answers_only)][0].startswith("Sample: ")
