"""Moving a SQLite store into PostgreSQL: every row arrives, or nothing does."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import UTC, datetime

import pytest

from store import StoreError, open_store
from store.copying import copy_to_postgres
from store.sample import load_sample

TABLES = ("securities", "closes", "summaries", "session_loads", "index_members", "meta")


def _rows(engine, table) -> Counter[tuple]:
    """The table's rows, in no order: each row and how many times it is there."""
    return Counter(map(tuple, engine.execute(f"SELECT * FROM {table}").fetchall()))


def test_every_row_of_a_sqlite_store_arrives_in_postgresql(sample_file, postgres_url):
    report = copy_to_postgres(sample_file, postgres_url)
    source, target = open_store(sample_file), open_store(postgres_url)
    try:
        for table in TABLES:
            assert _rows(target.engine, table) == _rows(source.engine, table), table
        assert report.rows["closes"] == source.db["closes"].count
    finally:
        source.close()
        target.close()


def test_subscribers_and_alerts_keep_their_numbers_and_new_ones_follow(
    store, tmp_path, postgres_url
):
    at = datetime(2025, 6, 4, 10, tzinfo=UTC)
    store.chats.subscribe(42, at)
    store.chats.add_alert(42, "1801.HK", "above", 80, repeat=False, at=at, since_date=None)
    path = tmp_path / "copy.db"
    store.db.conn.commit()
    with sqlite3.connect(path) as copy:
        store.db.conn.backup(copy)
    copy_to_postgres(path, postgres_url)
    moved = open_store(postgres_url)
    try:
        assert moved.chats.subscriber(42).active
        later = moved.chats.add_alert(
            42, "0700.HK", "below", 400, repeat=False, at=at, since_date=None
        )
        assert later.number == 2
        assert [a.number for a in moved.chats.alerts(42)] == [1, 2]
    finally:
        moved.close()


def test_a_postgresql_store_that_holds_data_is_left_as_it_was(sample_file, postgres_url):
    target = open_store(postgres_url)
    target.chats.subscribe(7, datetime(2025, 6, 4, tzinfo=UTC))
    with pytest.raises(StoreError, match="already holds subscribers"):
        copy_to_postgres(sample_file, postgres_url)
    assert target.market.has_closes() is False
    assert [s.chat_id for s in target.chats.active_subscribers()] == [7]
    target.close()


def test_the_sample_loads_into_postgresql_with_copy_as_it_loads_into_sqlite(store, postgres_url):
    target = open_store(postgres_url)
    try:
        report = load_sample(target)
        assert report.closes == store.db["closes"].count
        for table in ("securities", "closes", "index_members"):
            assert _rows(target.engine, table) == _rows(store.engine, table), table
    finally:
        target.close()
