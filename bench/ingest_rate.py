"""Ingest rate: the project's loader beside the two ways anyone would load the same file.

All three read the same closes CSV into the same `closes` schema (made by `open_store`) in one
transaction, so rows per second compare like with like:

- project: `store.ingest.ingest` in-process (and once as `python -m bot ingest`, in a child),
  which also validates every value and merges the securities and the summary;
- to_sql: `pandas.read_csv` then `DataFrame.to_sql`, what a data scientist would write;
- raw: `pandas.read_csv` then one `sqlite3.executemany` of plain INSERTs, the practical limit
  of Python and SQLite for this file.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from bench.child import measured, run_child
from bench.make_market import Market
from bench.timing import rate
from store import IngestError, Store, ingest, open_store

COLUMNS = ["date", "ticker", "close", "prev_close", "change", "pct_change", "volume", "turnover"]
TO_SQL_CHUNKSIZE = 50_000  # big enough to amortise, small enough to keep the SQL bounded


@dataclass(frozen=True)
class LoadTime:
    """One way of loading the file: how long, how fast, and (for a child) its peak memory."""

    rows: int
    seconds: float
    rows_per_s: float
    read_s: float | None = None  # parsing and preparing, before the first write
    peak_rss_mb: float | None = None

    def to_json(self) -> dict[str, float | int | None]:
        return asdict(self)


def remove_db(path: Path) -> None:
    """The database file and its WAL companions, gone."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def fresh_db(path: Path) -> Path:
    """A new database with the project's schema, nothing in it."""
    remove_db(path)
    open_store(path).close()
    return path


def project_ingest(market: Market, db: Path) -> LoadTime:
    """`store.ingest.ingest` as the CLI calls it, in this process, on a fresh file database."""
    remove_db(db)
    store = open_store(db)
    try:
        return timed_ingest(store, market)
    finally:
        store.close()


def timed_ingest(store: Store, market: Market) -> LoadTime:
    """The market's files loaded into `store` as the CLI loads them, timed."""
    started = time.perf_counter()
    report = ingest(
        store,
        market.closes,
        securities=market.securities,
        summary=market.summary,
        today=market.last_day,
    )
    seconds = time.perf_counter() - started
    return LoadTime(report.closes, round(seconds, 3), rate(report.closes, seconds))


def cli_ingest(market: Market, db: Path) -> LoadTime:
    """`python -m bot --db DB ingest ...` in a child: start-up included, as an operator sees it."""
    remove_db(db)
    args = ["--db", str(db), "ingest", str(market.closes), "--securities", str(market.securities)]
    args += ["--summary", str(market.summary)] if market.summary else []
    run = run_child(measured("bot", *args))
    return LoadTime(market.rows, run.seconds, rate(market.rows, run.seconds), None, run.peak_rss_mb)


def _read_typed(path: Path) -> pd.DataFrame:
    """The closes file parsed by pandas' C reader, with change and % change worked out."""
    frame = pd.read_csv(
        path,
        dtype={"date": str, "ticker": str, "close": float, "prev_close": float},
        keep_default_na=True,
    )
    if "prev_close" not in frame:
        frame = frame.sort_values(["ticker", "date"], kind="stable")
        frame["prev_close"] = frame.groupby("ticker")["close"].shift(1)
    frame["change"] = frame["close"] - frame["prev_close"]
    frame["pct_change"] = frame["change"] / frame["prev_close"] * 100
    return frame.reindex(columns=COLUMNS)


def to_sql_baseline(market: Market, db: Path) -> LoadTime:
    """`DataFrame.to_sql` appending into the project's `closes` table, one transaction."""
    fresh_db(db)
    with _connection(db) as conn:
        started = time.perf_counter()
        frame = _read_typed(market.closes)
        read = time.perf_counter() - started
        frame.to_sql("closes", conn, if_exists="append", index=False, chunksize=TO_SQL_CHUNKSIZE)
        seconds = time.perf_counter() - started
    return LoadTime(len(frame), round(seconds, 3), rate(len(frame), seconds), round(read, 3))


def _rows(frame: pd.DataFrame) -> Iterator[tuple[object, ...]]:
    """Plain Python values, column by column. SQLite itself stores NaN as NULL and a whole REAL
    in an INTEGER column as an integer, so no per-value conversion is needed (the fingerprints
    check that the stored data is the same as the project's)."""
    return zip(*(frame[name].tolist() for name in COLUMNS), strict=True)


def raw_baseline(market: Market, db: Path) -> LoadTime:
    """One `executemany` of plain INSERTs in one transaction: the practical limit."""
    fresh_db(db)
    placeholders = ", ".join("?" * len(COLUMNS))
    sql = f"INSERT INTO closes ({', '.join(COLUMNS)}) VALUES ({placeholders})"
    with _connection(db) as conn:
        started = time.perf_counter()
        frame = _read_typed(market.closes)
        rows = _rows(frame)
        read = time.perf_counter() - started
        with conn:
            conn.executemany(sql, rows)
        seconds = time.perf_counter() - started
    return LoadTime(len(frame), round(seconds, 3), rate(len(frame), seconds), round(read, 3))


class _connection:
    """A plain sqlite3 connection, closed on exit (sqlite3's own context manager only commits)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path)

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


@dataclass(frozen=True)
class Fingerprint:
    """Enough of a table's content to show two loads stored the same data."""

    rows: int
    close_sum: float
    change_sum: float
    volumes: int
    volume_sum: int
    integer_volumes: int


def fingerprint(db: Path) -> Fingerprint:
    with _connection(db) as conn:
        row = conn.execute(
            """SELECT COUNT(*), ROUND(SUM(close), 2), ROUND(SUM(change), 2), COUNT(volume),
                      SUM(volume), SUM(typeof(volume) = 'integer') FROM closes"""
        ).fetchone()
    return Fingerprint(*row)


def compare_ingest(market: Market, work: Path, *, cli: bool = True) -> dict[str, object]:
    """Every loader on the same file; the project's database is kept for the other benchmarks."""
    work.mkdir(parents=True, exist_ok=True)
    store_db = work / "store.db"
    loads = {"project": project_ingest(market, store_db)}
    prints = {"project": fingerprint(store_db)}
    for name, load in (("to_sql", to_sql_baseline), ("raw", raw_baseline)):
        db = work / f"{name}.db"
        loads[name] = load(market, db)
        prints[name] = fingerprint(db)
        remove_db(db)
    if cli:
        db = work / "cli.db"
        loads["cli"] = cli_ingest(market, db)
        prints["cli"] = fingerprint(db)
        remove_db(db)
    project = loads["project"].rows_per_s
    return {
        "rows": market.rows,
        **{name: load.to_json() for name, load in loads.items()},
        "same_data": len(set(prints.values())) == 1,
        "fingerprints": {name: asdict(p) for name, p in prints.items()},
        "ratio_to_raw": round(project / loads["raw"].rows_per_s, 3),
        "ratio_to_sql": round(project / loads["to_sql"].rows_per_s, 3),
    }


def wide_file_refusal(work: Path, columns: int = 50_000, repeats: int = 5) -> dict[str, object]:
    """How long `ingest` takes to refuse a closes file of `columns` columns (issue 19: a
    quadratic header check once stalled every chat ~22 s on one); median of `repeats`."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / "wide.csv"
    header = "date,ticker,close," + ",".join(f"extra{i}" for i in range(columns - 3))
    path.write_text(header + "\n2025-06-05,1801.HK,80" + ",1" * (columns - 3) + "\n")
    db = fresh_db(work / "wide.db")
    store = open_store(db)
    seconds, message = [], ""
    try:
        for _ in range(repeats):
            started = time.perf_counter()
            try:
                ingest(store, path, today=date(2025, 6, 5))
            except IngestError as error:
                message = str(error)
            seconds.append(time.perf_counter() - started)
    finally:
        store.close()
        remove_db(db)
        path.unlink()
    return {
        "columns": columns,
        "bytes": len(header) + 30 + 2 * columns,
        "median_s": round(statistics.median(seconds), 4),
        "refused": message,
    }
