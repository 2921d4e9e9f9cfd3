"""Answers keep working while a large ingest runs on another connection, and never see half of it.

The ingest runs in a thread on one connection; the test reads on a second connection to the same
file (WAL mode) the whole time. A hook holds the ingest's transaction open after every row is
written, until the reader has looked several times, so reads during the uncommitted write are
certain to happen rather than left to timing.
"""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from handlers.answers.render import day_label, html_to_text
from handlers.commands import answer_line
from handlers.services import Services
from store import Store, ingest, open_store
from store.staging import StagedCloses
from tests.conftest import SAMPLE_DAY, SAMPLE_EVENING
from tests.htmlcheck import reply_problems

FIRST_DAY = SAMPLE_DAY + timedelta(days=1)
# Big enough to take many reads while it loads; the hook below, not the size, makes sure reads
# happen during the open transaction.
DAYS = 25
STOCKS = 1_000  # DAYS * STOCKS = 25,000 rows
LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)
LOOKS_DURING_THE_WRITE = 3
TIMEOUT = 60  # seconds: a stuck ingest or reader fails the test instead of hanging it


def write_large_day_range(path: Path) -> None:
    """STOCKS new stocks (codes from 20000, named so ingest adds them) over DAYS days."""
    rng = np.random.default_rng(7)
    days = [(FIRST_DAY + timedelta(days=d)).isoformat() for d in range(DAYS)]
    codes = [f"{20_000 + s}.HK" for s in range(STOCKS)]
    # Within ten times of each other, so no close looks like a junk row to be set aside.
    closes = np.round(rng.uniform(10, 99, size=DAYS * STOCKS), 2)
    lines = [
        f"{day},{code},{close},Load Test {code[:5]},Testing\n"
        for (day, code), close in zip(
            ((d, c) for d in days for c in codes), closes.tolist(), strict=True
        )
    ]
    path.write_text("date,ticker,close,name,sector\n" + "".join(lines))


@dataclass(frozen=True)
class Look:
    """What one read on the second connection saw."""

    rows: int  # closes in the new day range
    day_sizes: frozenset[int]  # rows per day present in the range
    movers_day: str  # the day /movers answered for
    during_the_write: bool


@pytest.fixture
def db_path(sample_file: Path) -> Path:
    return sample_file


def look(reader: Store, services: Services, during_the_write: bool) -> Look:
    span = [FIRST_DAY.isoformat(), LAST_DAY.isoformat()]
    # One statement, so one snapshot: the total and the per-day sizes agree with each other.
    per_day = reader.db.execute(
        "SELECT date, COUNT(*) FROM closes WHERE date BETWEEN ? AND ? GROUP BY date", span
    ).fetchall()
    reply = answer_line(services, "/movers")
    assert reply_problems(reply) == []
    heading = html_to_text(reply.text).splitlines()[0]
    return Look(
        rows=sum(size for _, size in per_day),
        day_sizes=frozenset(size for _, size in per_day),
        movers_day=heading.removeprefix("Top movers · "),
        during_the_write=during_the_write,
    )


def test_a_reader_sees_none_or_all_of_a_large_ingest_and_keeps_answering(
    db_path, tmp_path, monkeypatch
):
    closes = tmp_path / "range.csv"
    write_large_day_range(closes)
    written = threading.Event()  # every row written, transaction still open
    looked = threading.Event()  # the reader has looked enough while it was open
    real_write = StagedCloses.write

    def write_then_wait(staged: StagedCloses, conn: sqlite3.Connection) -> tuple[int, int]:
        result = real_write(staged, conn)
        written.set()
        assert looked.wait(TIMEOUT), "the reader never looked during the write"
        return result

    monkeypatch.setattr(StagedCloses, "write", write_then_wait)

    writer = open_store(db_path)
    reader = open_store(db_path)
    evening_of_the_last_day = SAMPLE_EVENING + (LAST_DAY - SAMPLE_DAY)
    services = Services(reader, now=lambda: evening_of_the_last_day)
    looks: list[Look] = []
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            loading = pool.submit(ingest, writer, closes, today=LAST_DAY)
            looks_during = 0
            while not loading.done():
                # The writer commits only after `looked`, so a look begun between the two
                # events is certain to run while the transaction is open.
                during = written.is_set() and not looked.is_set()
                looks.append(look(reader, services, during_the_write=during))
                looks_during += during
                if looks_during >= LOOKS_DURING_THE_WRITE:
                    looked.set()
                # Until every row is written, a look every few milliseconds, leaving the
                # writer the processor; once it is, look again at once.
                written.wait(0.005)
            report = loading.result(timeout=TIMEOUT)
        looks.append(look(reader, services, during_the_write=False))
    finally:
        looked.set()
        writer.close()
        reader.close()

    assert report.set_aside == []
    assert report.closes == DAYS * STOCKS
    assert {x.rows for x in looks} <= {0, DAYS * STOCKS}
    assert all(x.day_sizes <= {STOCKS} for x in looks), "a day was seen half loaded"
    assert {x.movers_day for x in looks} <= {day_label(SAMPLE_DAY), day_label(LAST_DAY)}
    during = [x for x in looks if x.during_the_write]
    assert len(during) >= LOOKS_DURING_THE_WRITE
    assert all(x.rows == 0 for x in during), "a read saw rows of the uncommitted ingest"
    assert {x.movers_day for x in during} == {day_label(SAMPLE_DAY)}
    assert looks[-1].rows == DAYS * STOCKS
    assert looks[-1].movers_day == day_label(LAST_DAY)


def test_a_reader_opened_during_a_large_ingest_answers_from_the_data_before_it(
    db_path, tmp_path, monkeypatch
):
    closes = tmp_path / "range.csv"
    write_large_day_range(closes)
    written = threading.Event()
    opened = threading.Event()
    real_write = StagedCloses.write

    def write_then_wait(staged: StagedCloses, conn: sqlite3.Connection) -> tuple[int, int]:
        result = real_write(staged, conn)
        written.set()
        assert opened.wait(TIMEOUT), "the reader never opened during the write"
        return result

    monkeypatch.setattr(StagedCloses, "write", write_then_wait)
    writer = open_store(db_path)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            loading = pool.submit(ingest, writer, closes, today=LAST_DAY)
            assert written.wait(TIMEOUT)
            # Opening runs the migrations check and builds the matcher: neither may wait for,
            # or see, the open write.
            reader = open_store(db_path)
            try:
                services = Services(reader, now=lambda: SAMPLE_EVENING)
                assert "Innovent" in html_to_text(answer_line(services, "/close innovent").text)
                assert look(reader, services, during_the_write=True).rows == 0
            finally:
                opened.set()
                reader.close()
            loading.result(timeout=TIMEOUT)
    finally:
        opened.set()
        writer.close()
