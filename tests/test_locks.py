"""Writers never fail because another writer holds the database: they wait their turn."""

from __future__ import annotations

import math
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pandas as pd

from handlers.answers.subscribe import answer_subscribe
from handlers.services import Services
from store import open_store
from store.sample import SAMPLE_HISTORY
from tests.conftest import SAMPLE_EVENING

ROOT = Path(__file__).resolve().parent.parent
ROWS = 100_000
WAIT = 120.0


def big_closes_file(path: Path, rows: int) -> Path:
    """`rows` closes of the sample's own tickers, prices and weekdays: its year of history,
    repeated for earlier years (53 weeks back each time, so no day repeats)."""
    history = pd.read_csv(SAMPLE_HISTORY, dtype=str)
    dates = pd.to_datetime(history["date"])
    copies = math.ceil(rows / len(history))
    years = [
        history.assign(date=(dates - timedelta(weeks=53 * k)).dt.strftime("%Y-%m-%d"))
        for k in range(1, copies + 1)
    ]
    pd.concat(years).head(rows).to_csv(path, index=False)
    return path


def write_locked(db: Path) -> bool:
    """Whether another connection holds the write lock right now."""
    probe = sqlite3.connect(db, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return False
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return True
    finally:
        probe.close()


def test_subscribe_during_a_100000_row_ingest_succeeds(sample_file, tmp_path):
    closes = big_closes_file(tmp_path / "big.csv", ROWS)
    with closes.open() as lines:
        assert sum(1 for _ in lines) == ROWS + 1
    ingest = subprocess.Popen(
        [sys.executable, "-m", "bot", "--db", str(sample_file), "ingest", str(closes)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    store = open_store(sample_file)
    services = Services(store, now=lambda: SAMPLE_EVENING)
    try:
        deadline = time.monotonic() + WAIT
        while not write_locked(sample_file):  # the ingest is writing its rows
            assert ingest.poll() is None, "the ingest ended before it was seen writing"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        reply = answer_subscribe(services, 4242)
        assert reply.text.startswith("<b>Subscribed</b>")
        assert store.chats.subscriber(4242) is not None
    finally:
        stdout, stderr = ingest.communicate(timeout=WAIT)
        store.close()
    assert ingest.returncode == 0, stderr
    assert "Traceback" not in stderr
    check = open_store(sample_file)
    stored = check.db.execute("SELECT COUNT(*) FROM closes WHERE date < '2024-06-03'").fetchone()
    assert check.chats.subscriber(4242).active
    check.close()
    assert stored[0] > 0


def test_two_first_runs_at_once_load_the_sample_once_and_both_answer(tmp_path):
    db = tmp_path / "new.db"
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "--db", str(db), "ask", "/close innovent"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [run.communicate(timeout=WAIT) for run in runs]
    for run, (stdout, stderr) in zip(runs, results, strict=True):
        assert run.returncode == 0, stderr
        assert "HK$74.25" in stdout
        assert "locked" not in stderr
    loads = sum(stderr.count("loaded the bundled sample") for _, stderr in results)
    assert loads == 1


# --- one at a time: the engine's named locks on a SQLite file -------------------------------


def test_a_second_load_in_another_thread_waits_for_the_first_to_finish(tmp_path):
    store = open_store(tmp_path / "shared.db")
    order: list[str] = []
    first_holds = threading.Event()

    def second_load() -> None:
        other = open_store(tmp_path / "shared.db")
        try:
            first_holds.wait(WAIT)
            with other.loading():
                order.append("second")
        finally:
            other.close()

    worker = threading.Thread(target=second_load)
    worker.start()
    try:
        with store.loading():
            first_holds.set()
            time.sleep(0.2)  # time for the second to reach the lock, and wait there
            order.append("first")
        worker.join(WAIT)
        assert order == ["first", "second"]
    finally:
        store.close()


def test_a_process_that_dies_holding_a_lock_leaves_it_free(tmp_path):
    db = tmp_path / "shared.db"
    open_store(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from store import open_store\n"
            "store = open_store(sys.argv[1])\n"
            "with store.loading():\n"
            "    print('held', flush=True); time.sleep(60)",
            str(db),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    store = open_store(db)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with store.engine.lock("ingest", wait=False) as held:
            assert not held
        holder.kill()
        holder.wait(WAIT)
        with store.engine.lock("ingest", wait=False) as held:
            assert held
    finally:
        store.close()
        if holder.poll() is None:
            holder.kill()
            holder.wait(WAIT)
        holder.stdout.close()
