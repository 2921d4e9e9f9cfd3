"""Queries on the sample day (4 June 2025) and the schema they stand on."""

from __future__ import annotations

from datetime import date

import pytest
from sqlite_utils import Database

from store import ingest, open_store

JUNE_3 = date(2025, 6, 3)
JUNE_4 = date(2025, 6, 4)


@pytest.fixture
def store(store, engine_name, request):
    """The sample store on SQLite, then on PostgreSQL: the queries answer the same on both."""
    return request.getfixturevalue("pg_store") if engine_name == "postgresql" else store


def test_a_new_database_has_every_table_and_the_two_closes_indexes(fresh_store):
    tables = set(fresh_store.db.table_names())
    assert {"securities", "closes", "summaries", "subscribers", "pushes", "index_members"} <= tables
    index_columns = {tuple(i.columns)[:2] for i in fresh_store.db["closes"].indexes}
    assert ("ticker", "date") in index_columns  # one ticker's recent days
    assert fresh_store.db["closes"].pks == ["date", "ticker"]  # all tickers on one day


def test_a_years_range_is_read_from_the_ticker_index_alone(fresh_store):
    ran: list[str] = []
    fresh_store.db.conn.set_trace_callback(ran.append)
    fresh_store.market.year_range("1801.HK", date(2025, 6, 4))
    fresh_store.db.conn.set_trace_callback(None)
    [query] = [sql for sql in ran if "FROM closes" in sql]
    plan = fresh_store.db.execute(f"EXPLAIN QUERY PLAN {query}").fetchall()
    assert any("COVERING INDEX idx_closes_ticker_date" in row[-1] for row in plan), plan


def test_a_database_file_is_opened_in_wal_mode_and_migrated_once(tmp_path):
    from store.schema import migrations

    path = tmp_path / "closebot.db"
    open_store(path).close()
    first = migrations.applied(Database(path))
    store = open_store(path)
    assert store.db.journal_mode == "wal"
    assert migrations.pending(store.db) == []
    # Opening again applied nothing more, and no migration ran twice.
    assert migrations.applied(store.db) == first
    assert len({m.name for m in first}) == len(first)
    store.close()


def test_a_database_from_an_older_release_is_migrated_and_keeps_its_data(tmp_path):
    from sqlite_utils import Database

    from store.schema import migrations

    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m002_meta")
    old["summaries"].insert({"date": "2025-06-04", "headline": "h", "body": "b", "source": "x"})
    old.close()
    store = open_store(path)
    assert store.market.securities_version() == 0
    assert store.market.summary(JUNE_4).headline == "h"
    store.close()


def test_the_latest_session_is_4_june_and_the_one_before_is_3_june(store):
    assert store.market.latest_date() == JUNE_4
    assert store.market.session_before(JUNE_4) == JUNE_3
    assert store.market.session_before(date(2025, 6, 2)) == date(2025, 5, 30)


def test_the_hang_seng_index_closed_at_23654_on_4_june_and_23512_49_on_3_june(store):
    june_4 = store.market.quote("HSI", JUNE_4).close
    assert june_4.close == pytest.approx(23654.03)
    assert june_4.change == pytest.approx(141.54)
    assert round(june_4.pct_change, 2) == 0.60
    assert store.market.quote("HSI", JUNE_3).close.close == pytest.approx(23512.49)


def test_cgn_mining_is_the_top_gainer_at_28_31_percent_and_innovent_second_at_14_14(store):
    movers = store.market.movers(JUNE_4, 5)
    top = movers.gainers[0]
    assert top.security.name == "CGN Mining"
    assert round(top.close.pct_change, 2) == 28.31
    assert (top.close.prev_close, top.close.close) == (1.66, 2.13)
    best = max(store.market.quotes_on(JUNE_4), key=lambda q: q.close.pct_change or 0)
    assert best.security.ticker == top.security.ticker == "1164.HK"
    innovent = movers.gainers[1]
    assert innovent.security.name == "Innovent Biologics"
    assert round(innovent.close.pct_change, 2) == 14.14
    assert innovent.close.close == 74.25
    assert [q.security.ticker for q in movers.gainers[:3]] == ["1164.HK", "1801.HK", "0336.HK"]


def test_losers_are_worst_first_and_never_include_a_gainer(store):
    movers = store.market.movers(JUNE_4, 5)
    changes = [q.close.pct_change for q in movers.losers]
    assert changes == sorted(changes)
    assert all(c < 0 for c in changes)
    assert movers.losers[0].security.ticker == "2356.HK"  # Dah Sing Banking -4.97%
    assert round(movers.losers[0].close.pct_change, 2) == -4.97
    worst = min(store.market.quotes_on(JUNE_4), key=lambda q: q.close.pct_change or 0)
    assert worst.security.ticker == "2356.HK"


def test_healthcare_rows_are_sorted_best_first_with_innovent_on_top(store):
    rows = store.market.sector_quotes("Healthcare", JUNE_4)
    changes = [q.close.pct_change for q in rows]
    assert changes == sorted(changes, reverse=True)
    assert rows[0].security.ticker == "1801.HK"
    assert {"2269.HK", "2359.HK", "1093.HK", "3692.HK"} <= {q.security.ticker for q in rows}


def test_the_sample_has_the_twelve_hang_seng_industries(store):
    assert len(store.market.sectors()) == 12
    assert store.market.security("0700.HK").sector == "Information Technology"
    assert store.market.security("9992.HK").sector == "Consumer Discretionary"


def test_securities_carry_chinese_names_and_aliases(store):
    innovent = store.market.security("1801.HK")
    assert innovent.name_zh == "信達生物"
    assert {"innovent", "信达生物"} <= set(innovent.aliases)


def test_the_summary_of_4_june_has_a_headline_and_paragraphs(store):
    summary = store.market.summary(JUNE_4)
    assert "0.6%" in summary.headline
    assert summary.paragraphs[0].startswith("The Hang Seng Index added 141.54 points")
    assert store.market.summary(JUNE_3) is None


def test_last_closes_before_a_day_are_each_tickers_latest_however_many_are_asked(
    store, monkeypatch
):
    from store import market as market_queries

    tickers = sorted(s.ticker for s in store.market.securities())[:120]  # some with no close
    expected = {}
    for ticker in tickers:
        earlier = store.market.history(ticker, date(2025, 1, 1), JUNE_3)
        if earlier:
            expected[ticker] = (earlier[-1].date, earlier[-1].close)
    monkeypatch.setattr(market_queries, "_TICKERS_A_QUERY", 7)  # many queries of seven or fewer

    found = store.market.last_closes_before(JUNE_4, tickers)

    assert {c.ticker: (c.date, c.close) for c in found} == expected
    assert 20 < len(expected) < len(tickers)
    assert {day for day, _ in expected.values()} == {JUNE_3}


def test_nearest_session_to_a_weekend_day_is_the_friday_before(store):
    assert store.market.nearest_session(date(2025, 5, 31)) == date(2025, 5, 30)
    assert store.market.nearest_session(date(2025, 6, 1)) == date(2025, 6, 2)
    assert store.market.nearest_session(date(2026, 1, 1)) == JUNE_4


def test_an_unopenable_database_path_gives_a_clear_error(tmp_path):
    from store import StoreError

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="Cannot open database .*writable"):
        open_store(blocker / "closebot.db")


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path):
    from store import StoreError

    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="junk.db"):
        open_store(path)


def test_a_read_only_database_gives_a_clear_message(tmp_path, monkeypatch):
    import sqlite3

    from store import StoreError

    real_connect = sqlite3.connect
    path = tmp_path / "readonly.db"
    path.touch()

    def read_only(target, **kwargs):
        return real_connect(f"file:{target}?mode=ro", uri=True, **kwargs)

    monkeypatch.setattr("store.db.sqlite3.connect", read_only)
    with pytest.raises(StoreError, match="it is read-only.*permissions"):
        open_store(path)


def test_the_bot_reports_a_damaged_database_instead_of_a_traceback(tmp_path, cli):
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    result = cli("--db", str(damaged), "ask", "/close")
    assert result.code == 2
    assert "not a SQLite database or it is damaged" in result.err
    assert "Traceback" not in result.err


def test_the_days_shared_figures_are_read_again_after_a_load(store, write_file):
    june_5 = date(2025, 6, 5)
    assert store.market.breadth(june_5).total == 0  # nothing stored for the day yet: kept as it is
    day = write_file("june5.csv", "date,ticker,close\n2025-06-05,1801.HK,72.30\n")
    ingest(store, day, today=june_5)
    assert store.market.breadth(june_5).total == 1


def test_a_reload_of_the_day_renews_its_breadth_on_either_engine(store, write_file):
    before = store.market.breadth(JUNE_4)
    innovent = store.market.quote("1801.HK", JUNE_4)
    assert innovent is not None and innovent.close.pct_change > 0
    printed = innovent.close.prev_close
    lower = write_file(
        "june4.csv",
        f"date,ticker,close,prev_close\n2025-06-04,1801.HK,{printed * 0.9:.2f},{printed}\n",
    )
    ingest(store, lower, today=JUNE_4)
    after = store.market.breadth(JUNE_4)
    assert (after.advancers, after.decliners) == (before.advancers - 1, before.decliners + 1)
