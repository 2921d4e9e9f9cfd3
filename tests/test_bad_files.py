"""The malformed-file corpus in tests/data/bad: each file is rejected with file, row, column and
value named and the database file left byte-for-byte as it was, or accepted as the README says."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import IngestError, Store, ingest, open_store

BAD = Path(__file__).resolve().parent / "data" / "bad"
TODAY = date(2025, 6, 5)
SAMPLE_DAY = date(2025, 6, 4)


@dataclass(frozen=True)
class Rejected:
    """The exact error: its problem (a substring), and the row, column and value it names."""

    problem: str
    row: int | None = None
    column: str | None = None
    value: object = None


@dataclass(frozen=True)
class Accepted:
    """What the README promises: the one-line report, and closes stored on TODAY."""

    report: str
    closes: dict[str, float]


CLOSES_CASES: dict[str, Rejected | Accepted] = {
    "empty.csv": Rejected("the file is empty"),
    "header_only.csv": Rejected("the file has a header but no rows"),
    "missing_close_column.csv": Rejected("missing required column 'close'", row=0),
    "repeated_column.csv": Rejected("the header names this column twice", row=0, column="close"),
    "extra_columns.csv": Accepted(
        "5 Jun 2025: 1 close; ignored columns: currency, exchange", {"0700.HK": 520}
    ),
    "utf8_bom.csv": Accepted("5 Jun 2025: 1 close", {"0700.HK": 520}),
    "windows_line_endings.csv": Accepted("5 Jun 2025: 2 closes", {"0700.HK": 520, "1801.HK": 75.5}),
    "semicolons.csv": Rejected(
        "the fields are separated by ';' but must be separated by commas",
        row=0,
        value="date;ticker;close",
    ),
    "close_not_a_number.csv": Rejected("not a number", row=2, column="close", value="abc"),
    "close_zero.csv": Rejected("must be greater than zero", row=1, column="close", value="0"),
    "close_negative.csv": Rejected(
        "must be greater than zero", row=2, column="close", value="-74.25"
    ),
    "close_nan.csv": Rejected("not a number", row=1, column="close", value="NaN"),
    "close_infinite.csv": Rejected("not a finite number", row=1, column="close", value="inf"),
    "close_blank.csv": Rejected("a value is required", row=1, column="close", value=""),
    "close_decimal_comma.csv": Rejected(
        "not a number (write decimals with a point", row=2, column="close", value="74,25"
    ),
    "close_decimal_comma_unquoted.csv": Rejected(
        "4 fields where the header has 3", row=2, value="2025-06-05,1801.HK,74,25"
    ),
    "close_thousands_quoted.csv": Accepted(
        "5 Jun 2025: 2 closes", {"HSI": 23654.03, "1801.HK": 74.25}
    ),
    "duplicate_row.csv": Rejected(
        "duplicate row for 0700.HK on 2025-06-05 (first seen in row 1)",
        row=3,
        column="ticker",
        value="0700.HK",
    ),
    "duplicate_ticker_written_two_ways.csv": Rejected(
        "duplicate row for 0700.HK on 2025-06-05 (first seen in row 1)",
        row=2,
        column="ticker",
        value="700",
    ),
    "mixed_date_formats.csv": Rejected(
        "not a date in YYYY-MM-DD form", row=3, column="date", value="05/06/2025"
    ),
    "impossible_date.csv": Rejected(
        "not a date in YYYY-MM-DD form", row=1, column="date", value="2025-02-30"
    ),
    "future_date.csv": Rejected(
        "is in the future (today is 2025-06-05)", row=2, column="date", value="2030-01-02"
    ),
    "unknown_ticker.csv": Rejected("unknown ticker", row=2, column="ticker", value="8888.HK"),
    "not_a_ticker.csv": Rejected("not a ticker", row=1, column="ticker", value="not a code!"),
    "volume_fractional.csv": Rejected(
        "must be a whole number of shares", row=2, column="volume", value="1.5"
    ),
    "volume_too_large.csv": Rejected(
        "is too large to be a volume", row=1, column="volume", value="1e30"
    ),
    "closes_big5.csv": Rejected("not UTF-8 text (byte 46)", row=1, value=b"\xc4"),
}

# Summaries are usually .md; these are .txt because ruff formats Markdown and would stop at the
# files that are deliberately not UTF-8.
SUMMARY_CASES: dict[str, Rejected] = {
    "summary_empty.txt": Rejected("the summary is empty"),
    "summary_whitespace_only.txt": Rejected("the summary is empty"),
    "summary_headline_only.txt": Rejected("the summary has a headline but no body", row=2),
    "summary_gbk.txt": Rejected("not UTF-8 text (byte 0); save it as UTF-8", row=1, value=b"\xba"),
    "summary_big5.txt": Rejected("not UTF-8 text (byte 0); save it as UTF-8", row=1, value=b"\xab"),
}


def test_every_file_of_the_corpus_has_a_case():
    corpus = {p.name for p in BAD.iterdir() if not p.name.startswith(".")}
    assert corpus == set(CLOSES_CASES) | set(SUMMARY_CASES)


# --- a database file to compare byte for byte --------------------------------------------------


@pytest.fixture
def db_file(sample_db: Path, tmp_path: Path) -> Path:
    """A copy of conftest's sample database, whose writes are all checkpointed into the main
    file: otherwise the next connection to close would move them there, and the bytes would
    change though nothing was written."""
    path = tmp_path / "closebot.db"
    shutil.copyfile(sample_db, path)
    return path


def fingerprint(db: Path) -> dict[str, str | None]:
    """Hashes of the database and its write-ahead log (None when absent).

    The -shm file is left out: it is SQLite's shared-memory index of the log, rebuilt on open
    and deleted on the last close, never part of the data.
    """
    hashes: dict[str, str | None] = {}
    for suffix in ("", "-wal"):
        part = db.with_name(db.name + suffix)
        hashes[suffix or "db"] = (
            hashlib.sha256(part.read_bytes()).hexdigest() if part.exists() else None
        )
    return hashes


def attempt(db: Path, **files: object) -> IngestError:
    """Open the database, ingest, close it; return the error the ingest raised."""
    store = open_store(db)
    try:
        with pytest.raises(IngestError) as caught:
            ingest(store, today=TODAY, **files)
    finally:
        store.close()
    return caught.value


def assert_names_the_problem(error: IngestError, name: str, case: Rejected) -> None:
    message = str(error)
    assert message.startswith(f"{name}, ") or message.startswith(f"{name}: ")
    assert case.problem in message
    assert (error.file, error.row, error.column, error.value) == (
        name,
        case.row,
        case.column,
        case.value,
    )
    if case.row is not None:
        assert f"row {case.row}" in message
    if case.column is not None:
        assert f"column '{case.column}'" in message
    if case.value is not None:
        assert f"(value {case.value!r})" in message


def closes_on(store: Store, day: date) -> dict[str, float]:
    return {q.security.ticker: q.close.close for q in store.market.quotes_on(day, kind=None)}


# --- the comparison is meaningful --------------------------------------------------------------


def test_opening_and_closing_the_database_leaves_its_bytes_alone(db_file):
    before = fingerprint(db_file)
    open_store(db_file).close()
    assert fingerprint(db_file) == before
    assert before["-wal"] is None


def test_a_good_ingest_changes_the_bytes_so_the_comparison_can_see_a_write(db_file, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("date,ticker,close\n2025-06-05,0700.HK,520\n")
    before = fingerprint(db_file)
    store = open_store(db_file)
    ingest(store, good, today=TODAY)
    store.close()
    assert fingerprint(db_file) != before


# --- the corpus ---------------------------------------------------------------------------------


REJECTED_CLOSES = [n for n, c in CLOSES_CASES.items() if isinstance(c, Rejected)]
ACCEPTED_CLOSES = [n for n, c in CLOSES_CASES.items() if isinstance(c, Accepted)]


@pytest.mark.parametrize("name", REJECTED_CLOSES)
def test_a_bad_closes_file_is_rejected_and_the_database_file_is_unchanged(db_file, name):
    case = CLOSES_CASES[name]
    assert isinstance(case, Rejected)
    before = fingerprint(db_file)
    error = attempt(db_file, closes=BAD / name)
    assert_names_the_problem(error, name, case)
    assert fingerprint(db_file) == before


@pytest.mark.parametrize("name", list(SUMMARY_CASES))
def test_a_bad_summary_rejects_the_good_closes_loaded_with_it(db_file, tmp_path, name):
    good = tmp_path / "good.csv"
    good.write_text("date,ticker,close\n2025-06-05,0700.HK,520\n")
    before = fingerprint(db_file)
    error = attempt(db_file, closes=good, summary=BAD / name)
    assert_names_the_problem(error, name, SUMMARY_CASES[name])
    assert fingerprint(db_file) == before


@pytest.mark.parametrize("name", ACCEPTED_CLOSES)
def test_an_odd_but_documented_closes_file_is_accepted(db_file, name):
    case = CLOSES_CASES[name]
    assert isinstance(case, Accepted)
    store = open_store(db_file)
    try:
        report = ingest(store, BAD / name, today=TODAY)
        assert report.describe() == case.report
        assert closes_on(store, TODAY) == pytest.approx(case.closes)
    finally:
        store.close()


def test_commas_between_groups_of_three_digits_are_thousands_separators(db_file, tmp_path):
    # Laopu Gold (6181) closed at 994.00 on 4 June 2025: a close over a thousand is plausible.
    path = tmp_path / "grouping.csv"
    path.write_text('date,ticker,close\n2025-06-05,HSI,"23,654"\n2025-06-05,6181.HK,"1,012"\n')
    store = open_store(db_file)
    try:
        report = ingest(store, path, today=TODAY)
        assert report.set_aside == []
        assert closes_on(store, TODAY) == {"HSI": 23654.0, "6181.HK": 1012.0}
    finally:
        store.close()


# --- a million rows -----------------------------------------------------------------------------

MILLION = 1_000_000


def write_million_rows(path: Path, tickers: list[str]) -> None:
    """MILLION good rows, one ticker per row and day from 1980 on, except a bad close at the end."""
    whole_days, rest = divmod(MILLION, len(tickers))
    days = pd.date_range("1980-01-01", periods=whole_days + 1, freq="D").strftime("%Y-%m-%d")

    def rows_of(day: str, codes: list[str]) -> str:
        return f"{day}," + f",10.5\n{day},".join(codes) + ",10.5\n" if codes else ""

    text = "".join(rows_of(day, tickers) for day in days[:whole_days])
    text += rows_of(days[whole_days], tickers[:rest])
    assert text.count("\n") == MILLION and text.endswith(",10.5\n")
    path.write_text("date,ticker,close\n" + text.removesuffix("10.5\n") + "abc\n")


def test_a_million_row_file_with_one_bad_row_at_the_end_names_that_row(db_file, tmp_path):
    store = open_store(db_file)
    tickers = [s.ticker for s in store.market.securities()]
    store.close()
    path = tmp_path / "million.csv"
    write_million_rows(path, tickers)
    before = fingerprint(db_file)
    error = attempt(db_file, closes=path)
    assert_names_the_problem(
        error, "million.csv", Rejected("not a number", row=MILLION, column="close", value="abc")
    )
    assert fingerprint(db_file) == before


# --- anything at all ----------------------------------------------------------------------------

CELLS = st.one_of(
    st.sampled_from(
        ["2025-06-05", "0700.HK", "700", "HSI", "520", "74,25", '"23,654.03"', "NaN", "-1"]
        + ["1e400", "1.5", '"', ";", "\x00", "１８０１", "2025-6-5", "0001-01-01", "", "New Co"]
    ),
    st.text(max_size=6),
)
HEADERS = st.sampled_from(
    [
        "date,ticker,close",
        "date,ticker,close,prev_close,volume,turnover,name,sector",
        " DATE , Ticker,CLOSE,",
        "ticker,date,close,volume",
        "date;ticker;close",
        "",
    ]
)
CSV_TEXT = st.builds(
    lambda header, rows, newline: newline.join([header, *rows]),
    HEADERS,
    st.lists(st.lists(CELLS, max_size=8).map(",".join), max_size=6),
    st.sampled_from(["\n", "\r\n", "\r"]),
)


# Hypothesis' failure report touches the deprecated mypy_extensions.TypedDict; see test_hostile.
@pytest.mark.filterwarnings("ignore:mypy_extensions.TypedDict is deprecated")
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=CSV_TEXT)
def test_any_closes_file_is_loaded_or_rejected_by_name_and_a_rejection_writes_nothing(
    store, tmp_path, text
):
    path = tmp_path / "any.csv"
    path.write_text(text, encoding="utf-8", newline="")
    before = store.db.conn.total_changes
    try:
        ingest(store, path, today=TODAY)
    except IngestError as error:
        assert str(error).startswith("any.csv")
        assert store.db.conn.total_changes == before
