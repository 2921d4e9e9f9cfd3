"""Benchmarks of closebot on a full-size synthetic Hong Kong market (issue 6).

    python bench/run.py            # full: 2,700 stocks × 10 years (~7M closes), several minutes
    python bench/run.py --small    # 300 stocks × 1 year, under a minute
    python bench/run.py --real     # also ingest the real 2009–2025 closes of 503 stocks
    python bench/run.py --push-plan  # only push planning at 100,000 and 1,000,000 subscribers
    python bench/run.py --answers    # only answers on the sample and matching over the names
    python bench/run.py --small --postgres URL [--redis URL]  # only SQLite beside PostgreSQL,
                                   # and two senders sharing one Redis budget (bench/postgres.py)

Prints the results table and writes every figure to bench/results.json (with --push-plan, only
to --out when given). Generated markets are cached under bench/.cache/ (delete it to
regenerate).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", dest="size", action="store_const", const="full", default="full")
    size.add_argument("--small", dest="size", action="store_const", const="small")
    parser.add_argument("--real", action="store_true", help="also time ingest of the real closes")
    parser.add_argument(
        "--push-plan",
        action="store_true",
        help="only push planning (--small: 100,000 subscribers; full: also 1,000,000)",
    )
    parser.add_argument(
        "--answers",
        action="store_true",
        help="only answers on the sample (plain questions too) and matching over the market's "
        "names (--small: 300 stocks; full: 2,700), no closes generated",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="only ingest and answers on SQLite beside this PostgreSQL (a schema of its own)",
    )
    parser.add_argument(
        "--redis", metavar="URL", help="with --postgres: also push with two senders sharing it"
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the ingested store.db")
    parser.add_argument("--out", type=Path, help="results file (default bench/results.json)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # `python bench/run.py` puts bench/ first on the path; the project's packages live above it.
    if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
        sys.path[0] = str(ROOT)
    from bench import report, suite

    if args.push_plan:
        return _push_plan_only(args.size, args.out)
    if args.answers:
        return _answers_only(args.size, args.out)
    if args.postgres:
        return _postgres_only(args.size, args.postgres, args.redis, args.out)
    results = suite.run(suite.SIZES[args.size], real=args.real, keep_db=args.keep_db)
    out = args.out or suite.RESULTS
    suite.write(results, out)
    machine = results["machine"]
    market = results["market"]
    print()
    print(
        f"closebot · {args.size}: {market['stocks']:,} stocks + HSI, {market['sessions']:,} "
        f"sessions, {market['rows']:,} closes"
    )
    print(
        f"{machine['cores']} × {machine['cpu']}, Python {machine['python']}, "
        f"SQLite {machine['sqlite']}, load {machine['load_average_at_start'][0]} at start"
    )
    print(report.table(report.rows(results)))
    print(f"\nEvery figure: {out}")
    return 0


def _answers_only(size: str, out: Path | None) -> int:
    """Only the answer and matching figures, printed (and written to `out` when given)."""
    from bench import report, suite

    results = suite.run_answers(suite.SIZES[size])
    return _print_part("answers and matching", results, report.answer_rows(results), out)


def _push_plan_only(size: str, out: Path | None) -> int:
    """Only the push-planning figures, printed (and written to `out` when given)."""
    from bench import report, suite

    results = suite.run_push_plan(suite.SIZES[size])
    rows = report.push_plan_rows(results["push_plan"])
    return _print_part("push planning", results, rows, out)


def _print_part(what: str, results: dict[str, Any], rows: list[Any], out: Path | None) -> int:
    """The table of a partial run, under the machine it ran on; its figures written to `out`."""
    from bench import report, suite

    if out:
        suite.write(results, out)
    machine = results["machine"]
    print()
    print(
        f"closebot · {what}: {machine['cores']} × {machine['cpu']}, Python "
        f"{machine['python']}, SQLite {machine['sqlite']}, load "
        f"{machine['load_average_at_start'][0]} at start, "
        f"{machine['load_average_at_end'][0]} at end"
    )
    print(report.table(rows))
    if out:
        print(f"\nEvery figure: {out}")
    return 0


def _postgres_only(size_name: str, url: str, redis: str | None, out: Path | None) -> int:
    """SQLite beside PostgreSQL on the same market, printed (and written to `out`)."""
    import json
    import tempfile

    from bench import report, suite
    from bench.make_market import cached_market
    from bench.postgres import postgres_vs_sqlite

    size = suite.SIZES[size_name]
    market = cached_market(suite.CACHE, securities=size.securities, years=size.years)
    with tempfile.TemporaryDirectory() as work:
        results = postgres_vs_sqlite(
            market,
            Path(work),
            url,
            redis,
            answers=size.answer_queries,
            chats=max(size.limited_messages * 3, 300),
            seed=suite.SEED,
        )
    results = {"machine": report.machine(), "size": size_name, **results}
    if out:
        out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\nclosebot · SQLite beside PostgreSQL · {size_name}: {market.rows:,} closes")
    for engine in ("sqlite", "postgres"):
        loaded = results[f"ingest_{engine}"]
        print(f"ingest {engine:<9} {loaded['rows_per_s']:>12,.0f} rows/s ({loaded['seconds']} s)")
    for kind in results["answers_sqlite"]:
        lite, pg = results["answers_sqlite"][kind], results["answers_postgres"][kind]
        print(
            f"answers {kind:<16} p50 {lite['p50_ms']:.2f} / {pg['p50_ms']:.2f} ms  "
            f"p99 {lite['p99_ms']:.2f} / {pg['p99_ms']:.2f} ms (SQLite / PostgreSQL)"
        )
    push = results.get("push_two_senders")
    if push:
        print(
            f"push, {push['senders']} senders, one budget: {push['messages']:,} messages, "
            f"{push['after_first_second_per_s']}/s sustained, busiest second "
            f"{push['busiest_second']:.0f} (Telegram: {push['telegram_limit_per_s']}/s); "
            + "; ".join(push["reports"])
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
