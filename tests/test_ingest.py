"""Loading files: validation names file, row, column and value; a bad file writes nothing."""

from __future__ import annotations

import hashlib
import sys
from datetime import date
from pathlib import Path

import pytest

from store import IngestError, ingest
from store.sample import SAMPLE_CLOSES, SAMPLE_SECURITIES, SAMPLE_SUMMARY

TODAY = date(2025, 6, 5)
JUNE_4 = date(2025, 6, 4)
ROOT = Path(__file__).resolve().parent.parent


def dump(store) -> str:
    """The whole database, byte for byte, as a digest: equal digests, nothing written."""
    return hashlib.sha256(store.db.conn.serialize()).hexdigest()


def test_the_sample_files_load_with_a_one_line_report(fresh_store):
    report = ingest(
        fresh_store,
        SAMPLE_CLOSES,
        securities=SAMPLE_SECURITIES,
        summary=SAMPLE_SUMMARY,
        today=TODAY,
    )
    # The sample's README: 1,983 rows of closes, 2,901 securities on HKEX's list.
    assert report.describe() == (
        "30 May 2025 – 4 Jun 2025 (4 sessions): 1,983 closes, 2,901 securities, 1 summary"
    )
    assert fresh_store.db["closes"].count == 1983
    assert fresh_store.db["securities"].count == 2901


def market_rows(store) -> list[list[tuple]]:
    """Every row of the market tables (a load also notes when it ran; that may change)."""
    tables = ("securities", "closes", "summaries", "index_members")
    return [store.db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables]


def test_ingesting_the_same_file_again_changes_no_row(store):
    before = market_rows(store)
    report = ingest(store, SAMPLE_CLOSES, summary=SAMPLE_SUMMARY, today=TODAY)
    assert report.closes_changed == 0
    assert "0 new or changed" in report.describe()
    assert market_rows(store) == before


def test_a_one_day_file_reports_that_day(store, write_file):
    path = write_file("day.csv", "date,ticker,close\n2025-06-05,1801.HK,75.00\n")
    assert ingest(store, path, today=TODAY).describe() == "5 Jun 2025: 1 close"


def test_change_is_computed_from_the_previous_stored_close_when_the_file_has_none(
    store, write_file
):
    path = write_file("day.csv", "date,ticker,close\n2025-06-05,1801.HK,81.675\n")
    ingest(store, path, today=TODAY)
    close = store.market.quote("1801.HK", date(2025, 6, 5)).close
    assert close.prev_close == 74.25
    assert close.change == pytest.approx(7.425)
    assert close.pct_change == pytest.approx(10.0)


def test_change_is_computed_from_the_file_own_earlier_row_for_the_same_ticker(
    fresh_store, write_file
):
    path = write_file(
        "two.csv",
        "date,ticker,close,name\n2025-06-03,TEST,100,Test Index\n2025-06-04,TEST,110,Test Index\n",
    )
    ingest(fresh_store, path, today=TODAY)
    assert fresh_store.market.quote("TEST", date(2025, 6, 3)).close.change is None
    june_4 = fresh_store.market.quote("TEST", date(2025, 6, 4)).close
    assert june_4.pct_change == pytest.approx(10.0)


def test_a_given_prev_close_wins_over_the_stored_one(store, write_file):
    path = write_file("day.csv", "date,ticker,close,prev_close\n2025-06-05,1801.HK,80,64\n")
    ingest(store, path, today=TODAY)
    assert store.market.quote("1801.HK", date(2025, 6, 5)).close.pct_change == pytest.approx(25.0)


def test_a_file_whose_last_row_is_bad_leaves_the_database_unchanged(store, write_file):
    before = dump(store)
    good = "".join(f"2025-06-05,{t},10\n" for t in ("0005.HK", "0700.HK", "1801.HK"))
    path = write_file("late.csv", "date,ticker,close\n" + good + "2025-06-05,9992.HK,abc\n")
    with pytest.raises(IngestError, match=r"row 4, column 'close': not a number \(value 'abc'\)"):
        ingest(store, path, summary=SAMPLE_SUMMARY, today=TODAY)
    assert dump(store) == before


def test_a_failure_while_writing_rolls_back_everything(store, write_file, monkeypatch):
    before = dump(store)
    path = write_file("day.csv", "date,ticker,close\n2025-06-05,0700.HK,520\n")

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sys.modules["store.staging"], "write_closes_chunk", explode)
    with pytest.raises(RuntimeError):
        ingest(store, path, securities=SAMPLE_SECURITIES, today=TODAY)
    assert dump(store) == before


BAD_CLOSES = [
    ("", None, None, "the file is empty"),
    ("date,ticker,close\n", None, None, "header but no rows"),
    ("date,ticker\n2025-06-04,0700.HK\n", 0, None, "missing required column 'close'"),
    ("date,ticker,close\n2025-06-04,0700.HK,abc\n", 1, "close", "not a number"),
    ("date,ticker,close\n2025-06-04,0700.HK,0\n", 1, "close", "greater than zero"),
    ("date,ticker,close\n2025-06-04,0700.HK,-5\n", 1, "close", "greater than zero"),
    ("date,ticker,close\n2025-06-04,0700.HK,\n", 1, "close", "a value is required"),
    ("date,ticker,close\n2025-06-04,0700.HK,inf\n", 1, "close", "not a finite number"),
    ("date,ticker,close\n04/06/2025,0700.HK,500\n", 1, "date", "YYYY-MM-DD"),
    ("date,ticker,close\n2025-02-30,0700.HK,500\n", 1, "date", "YYYY-MM-DD"),
    ("date,ticker,close\n2030-01-02,0700.HK,500\n", 1, "date", "in the future"),
    ("date,ticker,close\n2025-06-04,0700.HK,500\n2025-06-04,700,501\n", 2, "ticker", "duplicate"),
    ("date,ticker,close\n2025-06-04,8888.HK,5\n", 1, "ticker", "unknown ticker"),
    ("date,ticker,close\n2025-06-04,not a code!,5\n", 1, "ticker", "not a ticker"),
    ("date,ticker,close,prev_close\n2025-06-04,0700.HK,5,x\n", 1, "prev_close", "not a number"),
    ("date,ticker,close,volume\n2025-06-04,0700.HK,5,-1\n", 1, "volume", "must not be negative"),
    ("date,ticker,close\n2025-06-04,0700.HK,1e300\n", 1, "close", "higher than any price"),
    ("date,ticker,close\n1979-12-31,0700.HK,5\n", 1, "date", "is before 1980"),
    ("date,ticker,close\n0001-01-01,0700.HK,5\n", 1, "date", "is before 1980"),
    ("date,ticker,close,high\n2025-06-04,0700.HK,5,2e6\n", 1, "high", "higher than any price"),
    ("date,ticker,close,turnover\n2025-06-04,0700.HK,5,1e300\n", 1, "turnover", "too large"),
    ("date,ticker,close,name\n2025-06-04,NEW,5," + "N" * 300 + "\n", 1, "name", "longer than"),
]


@pytest.mark.parametrize(("text", "row", "column", "problem"), BAD_CLOSES)
def test_a_bad_closes_file_is_rejected_naming_file_row_and_column(
    store, write_file, text, row, column, problem
):
    before = dump(store)
    path = write_file("closes.csv", text)
    with pytest.raises(IngestError) as caught:
        ingest(store, path, today=TODAY)
    error = caught.value
    assert problem in str(error)
    assert str(error).startswith("closes.csv")
    assert (error.row, error.column) == (row, column)
    if row:
        assert f"row {row}" in str(error)
    assert dump(store) == before


def test_an_unknown_ticker_with_a_name_and_sector_is_added(store, write_file):
    path = write_file(
        "new.csv", "date,ticker,close,name,sector\n2025-06-04,8888.HK,5,New Co,Healthcare\n"
    )
    ingest(store, path, today=TODAY)
    assert store.market.security("8888.HK").name == "New Co"
    assert store.market.security("8888.HK").sector == "Healthcare"


def test_codes_in_any_form_are_stored_canonically(store, write_file):
    path = write_file(
        "codes.csv", "date,ticker,close\n2025-06-05,00700,520\n2025-06-05,hsi,23900\n"
    )
    ingest(store, path, today=TODAY)
    assert store.market.quote("0700.HK", date(2025, 6, 5)) is not None
    assert store.market.quote("HSI", date(2025, 6, 5)) is not None


def test_bom_and_windows_line_endings_are_accepted(store, write_file):
    path = write_file("win.csv", b"\xef\xbb\xbfdate,ticker,close\r\n2025-06-05,0700.HK,520\r\n")
    ingest(store, path, today=TODAY)
    assert store.market.quote("0700.HK", date(2025, 6, 5)).close.close == 520


def test_unknown_extra_columns_are_ignored_and_reported(store, write_file):
    path = write_file(
        "extra.csv", "date,ticker,close,currency,exchange\n2025-06-05,0700.HK,520,HKD,SEHK\n"
    )
    assert ingest(store, path, today=TODAY).describe() == (
        "5 Jun 2025: 1 close; ignored columns: currency, exchange"
    )


def test_open_high_and_low_columns_are_stored_not_ignored(store, write_file):
    path = write_file(
        "ohl.csv", "date,ticker,open,high,low,close\n2025-06-05,0700.HK,510,525,508.5,520\n"
    )
    assert ingest(store, path, today=TODAY).describe() == "5 Jun 2025: 1 close"
    close = store.market.quote("0700.HK", date(2025, 6, 5)).close
    assert (close.open, close.high, close.low, close.close) == (510, 525, 508.5, 520)


def test_a_low_above_the_high_is_rejected(store, write_file):
    path = write_file("ohl.csv", "date,ticker,high,low,close\n2025-06-05,0700.HK,515,525,520\n")
    with pytest.raises(IngestError) as caught:
        ingest(store, path, today=TODAY)
    assert "the low is above the high" in str(caught.value)
    assert (caught.value.row, caught.value.column) == (1, "low")


def test_a_summary_without_a_date_or_closes_is_rejected(store):
    with pytest.raises(IngestError, match="--date"):
        ingest(store, summary=SAMPLE_SUMMARY, today=TODAY)


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"", "empty"), (b"Only a headline\n", "no body"), (b"\xff\xfe\x00bad", "not UTF-8")],
)
def test_a_bad_summary_file_is_rejected_and_writes_nothing(store, write_file, content, problem):
    before = dump(store)
    path = write_file("summary.md", content)
    with pytest.raises(IngestError, match=problem):
        ingest(store, summary=path, summary_date=date(2025, 6, 3), today=TODAY)
    assert dump(store) == before


def test_re_importing_securities_keeps_chinese_names_and_aliases(store, write_file):
    path = write_file("sec.csv", "ticker,name,aliases\n1801.HK,Innovent Biologics Inc,xinda\n")
    ingest(store, securities=path, today=TODAY)
    innovent = store.market.security("1801.HK")
    assert innovent.name == "Innovent Biologics Inc"
    assert innovent.name_zh == "信達生物"
    assert {"innovent", "xinda"} <= set(innovent.aliases)


@pytest.mark.parametrize(
    ("text", "row", "column"),
    [
        ("ticker,name\n1801.HK,\n", 1, "name"),
        ("ticker,name,kind\n1801.HK,Innovent,bond\n", 1, "kind"),
        ("ticker,name\n1801.HK,A\n01801,B\n", 2, "ticker"),
        ("name\nInnovent\n", 0, None),
    ],
)
def test_a_bad_securities_file_names_row_and_column(store, write_file, text, row, column):
    path = write_file("securities.csv", text)
    with pytest.raises(IngestError) as caught:
        ingest(store, securities=path, today=TODAY)
    assert (caught.value.row, caught.value.column) == (row, column)


def test_the_ingest_command_prints_the_report_and_a_second_run_changes_nothing(tmp_path, cli):
    db = tmp_path / "cli.db"
    args = (
        "ingest",
        str(SAMPLE_CLOSES),
        "--securities",
        str(SAMPLE_SECURITIES),
        "--summary",
        str(SAMPLE_SUMMARY),
    )
    first = cli("--db", str(db), *args)
    assert first.code == 0, first.err
    assert first.out.strip() == (
        "30 May 2025 – 4 Jun 2025 (4 sessions): 1,983 closes, 2,901 securities, 1 summary"
    )
    second = cli("--db", str(db), *args)
    assert "1,983 closes (0 new or changed)" in second.out


def test_the_ingest_command_exits_non_zero_and_names_the_problem(tmp_path, cli):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,ticker\n2025-06-04,0700.HK\n")
    result = cli("--db", str(tmp_path / "cli.db"), "ingest", str(bad))
    assert result.code == 1
    assert "bad.csv" in result.err and "'close'" in result.err
    assert "Traceback" not in result.err


def test_closes_in_memory_are_checked_as_a_file_would_be(store):
    import pandas as pd

    from store.staging import Rows

    good = pd.DataFrame({"date": ["2025-06-05"], "ticker": ["1801.HK"], "close": [72.3]})
    assert ingest(store, Rows("download", good), today=TODAY).closes == 1
    bad = good.assign(close=[-1.0])
    with pytest.raises(IngestError, match=r"^download, row 1, column 'close': must be greater"):
        ingest(store, Rows("download", bad), today=TODAY)


def test_a_header_of_fifty_thousand_columns_is_refused_by_its_count(store, write_file):
    before = dump(store)
    header = "date,ticker,close," + ",".join(f"c{i}" for i in range(50_000))
    path = write_file("wide.csv", header + "\n" + "2025-06-05,0700.HK,520" + ",1" * 50_000 + "\n")
    with pytest.raises(IngestError) as caught:
        ingest(store, path, today=TODAY)
    assert str(caught.value).startswith("wide.csv, row 0: the header has 50,003 columns")
    assert dump(store) == before


def test_a_header_naming_a_column_twice_is_found_however_wide(store, write_file):
    header = ",".join(f"c{i}" for i in range(60)) + ",date,ticker,close,c7"
    path = write_file("twice.csv", header + "\n")
    with pytest.raises(IngestError) as caught:
        ingest(store, path, today=TODAY)
    assert (caught.value.row, caught.value.column) == (0, "c7")
    assert "names this column twice" in str(caught.value)


def test_an_error_quotes_only_the_start_of_a_huge_bad_value(store, write_file):
    path = write_file(
        "huge.csv", "date,ticker,close\n2025-06-05,0700.HK," + "9" * 1_000_000 + "x\n"
    )
    with pytest.raises(IngestError) as caught:
        ingest(store, path, today=TODAY)
    assert "not a number" in str(caught.value)
    assert len(str(caught.value)) < 200
    assert caught.value.value == "9" * 39 + "…"


def test_a_file_read_in_many_chunks_checks_and_completes_rows_across_them(
    store, write_file, monkeypatch
):
    monkeypatch.setattr(sys.modules["store.staging"], "CHUNK_ROWS", 2)
    rows = [f"2025-06-0{d},0700.HK,{500 + d}" for d in (5, 6)]
    rows += [f"2025-06-0{d},1801.HK,{80 + d}" for d in (5, 6)]
    path = write_file("many.csv", "date,ticker,close\n" + "\n".join(rows) + "\n")
    report = ingest(store, path, today=date(2025, 6, 6))
    assert report.closes == 4
    june_6 = store.market.quote("0700.HK", date(2025, 6, 6)).close
    assert june_6.prev_close == 505  # from the first chunk
    assert store.market.quote("1801.HK", date(2025, 6, 5)).close.prev_close == 74.25  # stored


def test_a_repeat_in_a_later_chunk_names_both_rows(store, write_file, monkeypatch):
    monkeypatch.setattr(sys.modules["store.staging"], "CHUNK_ROWS", 2)
    before = dump(store)
    rows = ["2025-06-05,0700.HK,520", "2025-06-05,1801.HK,80", "2025-06-05,HSI,23000"]
    path = write_file("again.csv", "date,ticker,close\n" + "\n".join([*rows, "2025-06-05,700,521"]))
    with pytest.raises(IngestError) as caught:
        ingest(store, path, today=TODAY)
    assert (caught.value.row, caught.value.column, caught.value.value) == (4, "ticker", "700")
    assert "(first seen in row 1)" in str(caught.value)
    assert dump(store) == before


def test_a_failure_writing_a_later_chunk_rolls_back_the_earlier_ones(
    store, write_file, monkeypatch
):
    staging = sys.modules["store.staging"]
    monkeypatch.setattr(staging, "CHUNK_ROWS", 1)
    before = dump(store)
    written = []
    real_write = staging.write_closes_chunk

    def fail_on_the_second(conn, columns):
        if written:
            raise RuntimeError("disk full")
        written.append(real_write(conn, columns))
        return written[-1]

    monkeypatch.setattr(staging, "write_closes_chunk", fail_on_the_second)
    path = write_file(
        "two.csv", "date,ticker,close\n2025-06-05,0700.HK,520\n2025-06-05,HSI,23000\n"
    )
    with pytest.raises(RuntimeError):
        ingest(store, path, today=TODAY)
    assert written == [1]
    assert dump(store) == before


def _closes_read(store, figures) -> tuple[object, int]:
    """What `figures()` returns, and how many queries it ran on the closes table."""
    ran: list[str] = []
    store.db.conn.set_trace_callback(ran.append)
    try:
        value = figures()
    finally:
        store.db.conn.set_trace_callback(None)
    return value, sum("FROM closes" in sql for sql in ran)


def test_a_load_of_the_next_session_keeps_the_days_figures_and_a_load_of_that_day_renews_them(
    store, write_file
):
    breadth = lambda: store.market.breadth(JUNE_4)  # noqa: E731
    before, reads = _closes_read(store, breadth)
    assert reads == 1
    assert _closes_read(store, breadth) == (before, 0)  # kept
    june_5 = write_file("june5.csv", "date,ticker,close\n2025-06-05,1801.HK,72.30\n")
    ingest(store, june_5, today=date(2025, 6, 5))
    assert _closes_read(store, breadth) == (before, 0)  # the 4th's closes did not change
    innovent = store.market.quote("1801.HK", JUNE_4)
    assert innovent is not None and innovent.close.pct_change > 0
    falls = innovent.close.prev_close * 0.9
    june_4 = write_file(
        "june4.csv",
        f"date,ticker,close,prev_close\n2025-06-04,1801.HK,{falls:.2f},"
        f"{innovent.close.prev_close}\n",
    )
    ingest(store, june_4, today=JUNE_4)
    after, reads = _closes_read(store, breadth)
    assert reads == 1
    assert (after.advancers, after.decliners) == (before.advancers - 1, before.decliners + 1)


def test_new_index_members_renew_the_days_lists(store, write_file):
    membership = lambda: store.market.membership("HSCI", JUNE_4)  # noqa: E731
    before, _ = _closes_read(store, membership)
    assert before is not None and "1801.HK" in before.tickers
    members = write_file("members.csv", "index,ticker,as_of\nHSCI,0700.HK,2025-06-01\n")
    ingest(store, members=members, today=JUNE_4)
    after = membership()
    assert after is not None and after.tickers == frozenset({"0700.HK"})
