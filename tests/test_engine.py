"""The store's SQL on both engines: placeholders, transactions, bulk upserts and locks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from store import open_store
from store.engine import postgres_sql


def test_placeholders_become_psycopgs_and_percent_signs_are_doubled():
    sql = "SELECT '?', name FROM t WHERE a = ? AND b LIKE '5%' AND c % 2 = ?"
    assert postgres_sql(sql) == (
        "SELECT '?', name FROM t WHERE a = %s AND b LIKE '5%%' AND c %% 2 = %s"
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_store(request, tmp_path):
    """An empty store on each engine."""
    if request.param == "sqlite":
        store = open_store(tmp_path / "store.db")
    else:
        store = open_store(request.getfixturevalue("postgres_url"))
    yield store
    store.close()


def test_a_bulk_upsert_counts_only_rows_that_are_new_or_changed(empty_store):
    columns, keys = ("date", "ticker", "close"), ("date", "ticker")
    rows = [("2025-06-04", "1801.HK", 74.25), ("2025-06-04", "0700.HK", 512.0)]
    assert empty_store.engine.upsert_rows("closes", columns, keys, rows) == 2
    again = [("2025-06-04", "1801.HK", 74.25), ("2025-06-04", "0700.HK", 513.5)]
    assert empty_store.engine.upsert_rows("closes", columns, keys, again) == 1
    stored = empty_store.engine.execute("SELECT ticker, close FROM closes ORDER BY ticker")
    assert stored.fetchall() == [("0700.HK", 513.5), ("1801.HK", 74.25)]


def test_a_transaction_that_fails_writes_nothing(empty_store):
    engine = empty_store.engine
    with pytest.raises(RuntimeError), engine.atomic():
        engine.execute("UPDATE meta SET value = 5 WHERE key = 'data_version'")
        raise RuntimeError("stopped halfway")
    assert empty_store.market.data_version() == 0


def test_a_new_alert_is_numbered_from_what_the_database_returns(empty_store):
    at = datetime(2025, 6, 4, 10, tzinfo=UTC)
    first = empty_store.chats.add_alert(
        1, "1801.HK", "above", 80, repeat=False, at=at, since_date=None
    )
    second = empty_store.chats.add_alert(
        1, "1801.HK", "below", 60, repeat=False, at=at, since_date=None
    )
    assert (first.number, second.number) == (1, 2)
    assert first.id != second.id


@pytest.fixture
def shared_store(engine_name, request, tmp_path):
    """Opens the same database again and again, on each engine: a SQLite file, or PostgreSQL."""
    if engine_name == "postgresql":
        where: object = request.getfixturevalue("postgres_url")
    else:
        where = tmp_path / "shared.db"
    opened = []

    def another():
        opened.append(open_store(where))
        return opened[-1]

    yield another
    for store in opened:
        store.close()


def test_a_lock_is_held_by_one_connection_at_a_time(shared_store):
    # PostgreSQL's advisory locks belong to the whole database, which other workers' tests
    # load into at the same time: names of this test's own, so their "ingest" is not this one.
    mine, another = f"ingest-{uuid.uuid4().hex}", f"push-{uuid.uuid4().hex}"
    first, second = shared_store(), shared_store()
    with first.engine.lock(mine) as held:
        assert held
        with second.engine.lock(mine, wait=False) as also:
            assert not also
        with second.engine.lock(another, wait=False) as other:
            assert other  # another name is another lock
    with second.engine.lock(mine, wait=False) as now:
        assert now


def test_a_postgresql_that_is_not_there_is_a_clear_message():
    from store import StoreError

    with pytest.raises(StoreError, match="Cannot use PostgreSQL at postgresql://bot:\\*\\*\\*@"):
        open_store("postgresql://bot:secret@127.0.0.1:9/closebot?connect_timeout=1")


def test_a_lock_taken_again_inside_itself_does_not_wait_for_itself(shared_store):
    store, elsewhere = shared_store(), shared_store()
    with store.loading(), store.engine.lock("ingest") as again:
        assert again
        with elsewhere.engine.lock("ingest", wait=False) as other:
            assert not other  # still held against every other connection and process


def test_two_tasks_of_one_event_loop_never_hold_a_lock_at_once(shared_store):
    """The alert and fetch rounds hold their lock across awaits, on the bot's one thread."""
    import asyncio

    store = shared_store()
    name = f"alerts-{uuid.uuid4().hex}"
    held_by: list[str] = []

    async def first_round(inside: asyncio.Event, done: asyncio.Event) -> None:
        with store.engine.lock(name, wait=False) as held:
            if held:
                held_by.append("first")
            inside.set()
            await done.wait()

    async def both() -> None:
        inside, done = asyncio.Event(), asyncio.Event()
        first = asyncio.create_task(first_round(inside, done))
        await inside.wait()
        with store.engine.lock(name, wait=False) as held:  # a second round, meanwhile
            if held:
                held_by.append("second")
        done.set()
        await first

    asyncio.run(both())
    assert held_by == ["first"]
    with store.engine.lock(name, wait=False) as held:
        assert held  # given back once the first round ended


def test_a_worker_opens_an_up_to_date_postgresql_while_another_holds_the_migration_lock(
    postgres_url,
):
    """Web workers and senders start together: one migrating, or holding yoyo's lock for any
    reason, does not keep the others from a schema that is already current."""
    from yoyo import get_backend

    from store.postgres_schema import yoyo_url

    open_store(postgres_url).close()  # migrated
    backend = get_backend(yoyo_url(postgres_url))
    try:
        with backend.lock(timeout=5):
            store = open_store(postgres_url)
            assert store.market.data_version() == 0
            store.close()
    finally:
        backend.connection.close()
