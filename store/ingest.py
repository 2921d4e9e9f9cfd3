"""Loading closes, securities and summaries from files, all-or-nothing.

Everything is read and validated before the first write, and the writes share one
transaction: a bad file leaves the database exactly as it was, and the error names the file,
row, column and value so an operator can fix it in one go.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from store.chinese import to_simplified
from store.quality import implausible_closes
from store.store import Store
from store.tickers import canonical_ticker, is_stock_code

CLOSES_REQUIRED = ("date", "ticker", "close")
CLOSES_OPTIONAL = ("open", "high", "low", "prev_close", "volume", "turnover", "name", "sector")
SECURITIES_REQUIRED = ("ticker", "name")
SECURITIES_OPTIONAL = ("name_zh", "sector", "kind", "category", "board_lot", "aliases")
MEMBERS_REQUIRED = ("index", "ticker", "as_of")
NAMES_REQUIRED = ("ticker", "name", "source")
MAX_NAME_LENGTH = 30
KINDS = ("stock", "index")
CATEGORIES = ("equity", "reit", "etp", "index")
MAX_VOLUME = 10**18  # shares in a day; SQLite integers stop at 2**63


class IngestError(ValueError):
    """A data file cannot be loaded; nothing was written."""

    def __init__(
        self,
        file: str | os.PathLike[str],
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        self.file = Path(file).name
        self.row = row
        self.column = column
        self.value = value
        self.problem = problem
        where = [self.file]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        shown = f" (value {value!r})" if value is not None else ""
        super().__init__(f"{', '.join(where)}: {problem}{shown}")


@dataclass
class IngestReport:
    dates: list[date] = field(default_factory=list)
    closes: int = 0
    closes_changed: int = 0
    securities: int = 0
    summaries: int = 0
    members: int = 0
    names: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    set_aside: list[str] = field(default_factory=list)  # rows that cannot be real, each why

    def describe(self) -> str:
        """One line for the operator: "4 Jun 2025: 89 closes, 1 summary"."""
        parts = []
        if self.closes:
            changed = (
                ""
                if self.closes_changed == self.closes
                else (f" ({self.closes_changed:,} new or changed)")
            )
            parts.append(_plural(self.closes, "close", "closes") + changed)
        if self.securities:
            parts.append(_plural(self.securities, "security", "securities"))
        if self.summaries:
            parts.append(_plural(self.summaries, "summary", "summaries"))
        if self.members:
            parts.append(_plural(self.members, "index member", "index members"))
        if self.names:
            parts.append(_plural(self.names, "everyday name", "everyday names"))
        what = ", ".join(parts) or "nothing to load"
        if self.ignored_columns:
            what += f"; ignored columns: {', '.join(self.ignored_columns)}"
        if self.set_aside:
            rows = _plural(len(self.set_aside), "row", "rows")
            what += f"; set aside {rows} that cannot be real: " + "; ".join(self.set_aside)
        if not self.dates:
            return what
        first, last = min(self.dates), max(self.dates)
        if first == last:
            return f"{_day(last)}: {what}"
        return f"{_day(first)} – {_day(last)} ({len(self.dates)} sessions): {what}"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


# --- reading -----------------------------------------------------------------------------------


def _read_csv(path: Path, required: Sequence[str], optional: Sequence[str]) -> pd.DataFrame:
    """The file as text columns, with header problems reported by name."""
    text = _read_text(path, first_row=0)
    if not text.strip():
        raise IngestError(path, "the file is empty")
    header = text.lstrip("\r\n").split("\n", 1)[0].strip()
    if ";" in header and "," not in header:
        raise IngestError(
            path,
            "the fields are separated by ';' but must be separated by commas "
            "(save the file as comma-separated, with decimal points)",
            row=0,
            value=_shorten(header, 80),
        )
    try:
        # header=None: a row with more fields than the header is an error, never an index
        table = pd.read_csv(
            io.StringIO(text), header=None, dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except pd.errors.ParserError as error:
        raise _field_count_error(path, text, error) from error
    except ValueError as error:
        raise IngestError(path, f"not a readable CSV file ({error})") from error
    columns = [str(c).strip().lower() for c in table.iloc[0]]
    repeated = next((c for i, c in enumerate(columns) if c and c in columns[:i]), None)
    if repeated:
        raise IngestError(path, "the header names this column twice", row=0, column=repeated)
    frame = table.iloc[1:].reset_index(drop=True)
    frame.columns = [c or f"(column {i + 1} has no name)" for i, c in enumerate(columns)]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        found = ", ".join(frame.columns)
        raise IngestError(
            path,
            f"missing required column '{missing[0]}' (the header has: {found}; "
            f"expected {', '.join(required)})",
            row=0,
        )
    if frame.empty:
        raise IngestError(path, "the file has a header but no rows")
    return frame


def _read_text(path: Path, *, first_row: int) -> str:
    """The whole file as text; a byte that is not UTF-8 is named by its row and value.

    `first_row` is the number of the file's first line: 0 for a CSV header, 1 for a summary.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise IngestError(path, f"cannot read the file ({error.strerror})") from error
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IngestError(
            path,
            f"the file is not UTF-8 text (byte {error.start}); save it as UTF-8, not GBK or Big5",
            row=first_row + raw.count(b"\n", 0, error.start),
            value=raw[error.start : error.end],
        ) from error


_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _field_count_error(path: Path, text: str, error: pd.errors.ParserError) -> IngestError:
    """A row with more fields than the header, usually an unquoted comma inside a number."""
    found = _FIELD_COUNT.search(str(error))
    if not found:
        return IngestError(path, f"not a readable CSV file ({error})")
    expected, line, saw = (int(n) for n in found.groups())
    lines = text.split("\n", line)
    return IngestError(
        path,
        f"{saw} fields where the header has {expected} "
        '(quote a value that contains a comma, like "23,654.03")',
        row=line - 1,
        value=_shorten(lines[line - 1].rstrip("\r"), 80) if len(lines) >= line else None,
    )


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _ignored(frame: pd.DataFrame, required: Sequence[str], optional: Sequence[str]) -> list[str]:
    known = set(required) | set(optional)
    return [c for c in frame.columns if c not in known]


def _first_bad(path: Path, frame: pd.DataFrame, column: str, bad: pd.Series, problem: str) -> None:
    """Raise for the first row flagged in `bad` (rows numbered from 1 after the header)."""
    if bad.any():
        position = int(bad.to_numpy().argmax())
        value = frame[column].iloc[position]
        raise IngestError(path, problem, row=position + 1, column=column, value=value)


def _tickers(path: Path, frame: pd.DataFrame) -> pd.Series:
    # Files repeat a few hundred codes many times: canonicalise each distinct one once.
    written = frame["ticker"]
    tickers = written.map({t: canonical_ticker(t) or "" for t in written.unique()})
    _first_bad(path, frame, "ticker", tickers == "", "not a ticker (use 1801.HK, 1801 or HSI)")
    return tickers


# 23,654.03 or 1,234,567: commas only between groups of three digits before any point.
_THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"


def _numbers(
    path: Path, frame: pd.DataFrame, column: str, *, required: bool, positive: bool
) -> pd.Series:
    """The column as floats; a comma is read only as a thousands separator, never as a decimal."""
    text = frame[column].str.strip()
    grouped = text.str.fullmatch(_THOUSANDS)
    if grouped.any():
        text = text.mask(grouped, text.str.replace(",", "", regex=False))
    values = pd.to_numeric(text, errors="coerce")
    blank = text == ""
    if required:
        _first_bad(path, frame, column, blank, "a value is required")
    not_number = values.isna() & ~blank
    if not_number.any():
        value = frame[column].iloc[int(not_number.to_numpy().argmax())]
        hint = " (write decimals with a point, like 74.25)" if "," in value else ""
        _first_bad(path, frame, column, not_number, "not a number" + hint)
    _first_bad(path, frame, column, ~np.isfinite(values) & ~values.isna(), "not a finite number")
    if positive:
        _first_bad(path, frame, column, values <= 0, "must be greater than zero")
    else:
        _first_bad(path, frame, column, values < 0, "must not be negative")
    return values


@dataclass(frozen=True)
class Rows:
    """Closes already in memory (a download), checked exactly as a file would be; `name` is
    what messages call it, as they would name a file."""

    name: str
    frame: pd.DataFrame


def _rows_as_text(rows: Rows) -> pd.DataFrame:
    """The frame as a file would have read: text columns, blanks where values are missing."""
    frame = rows.frame.reset_index(drop=True)
    text = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        # Floats with every digit (repr of a Python float), so nothing is rounded on the way.
        floats = pd.api.types.is_float_dtype(values)
        shown = values.map(lambda v: repr(float(v))) if floats else values.astype(str)
        text[str(column).strip().lower()] = shown.where(values.notna(), "")
    if text.empty:
        raise IngestError(rows.name, "there are no rows")
    missing = [c for c in CLOSES_REQUIRED if c not in text.columns]
    if missing:
        raise IngestError(rows.name, f"missing required column '{missing[0]}'", row=0)
    return text


ClosesSource = str | os.PathLike[str] | Rows


def read_closes(source: ClosesSource, *, today: date) -> tuple[pd.DataFrame, list[str]]:
    """Validated closes: columns date, ticker, close and whichever optional ones the file has."""
    if isinstance(source, Rows):
        path = Path(source.name)
        frame = _rows_as_text(source)
    else:
        path = Path(source)
        frame = _read_csv(path, CLOSES_REQUIRED, CLOSES_OPTIONAL)
    ignored = _ignored(frame, CLOSES_REQUIRED, CLOSES_OPTIONAL)
    out = pd.DataFrame(index=frame.index)
    dates = pd.to_datetime(frame["date"].str.strip(), format="%Y-%m-%d", errors="coerce")
    _first_bad(path, frame, "date", dates.isna(), "not a date in YYYY-MM-DD form")
    out["date"] = dates.dt.date
    future = out["date"] > today
    _first_bad(path, frame, "date", future, f"is in the future (today is {today.isoformat()})")
    out["ticker"] = _tickers(path, frame)
    out["close"] = _numbers(path, frame, "close", required=True, positive=True)
    for column in ("open", "high", "low"):
        if column in frame:
            out[column] = _numbers(path, frame, column, required=False, positive=True)
    _check_range(path, frame, out)
    if "prev_close" in frame:
        out["prev_close"] = _numbers(path, frame, "prev_close", required=False, positive=True)
    for column in ("volume", "turnover"):
        if column in frame:
            out[column] = _numbers(path, frame, column, required=False, positive=False)
    if "volume" in frame:
        shares = out["volume"]
        _first_bad(path, frame, "volume", shares % 1 > 0, "must be a whole number of shares")
        _first_bad(path, frame, "volume", shares > MAX_VOLUME, "is too large to be a volume")
    for column in ("name", "sector"):
        if column in frame:
            out[column] = frame[column].str.strip()
    duplicated = out.duplicated(["date", "ticker"], keep="first")
    if duplicated.any():
        position = int(duplicated.to_numpy().argmax())
        row = out.iloc[position]
        first = int(
            ((out["date"] == row["date"]) & (out["ticker"] == row["ticker"])).to_numpy().argmax()
        )
        raise IngestError(
            path,
            f"duplicate row for {row['ticker']} on {row['date'].isoformat()} "
            f"(first seen in row {first + 1})",
            row=position + 1,
            column="ticker",
            value=frame["ticker"].iloc[position],
        )
    return out, ignored


def _check_range(path: Path, frame: pd.DataFrame, out: pd.DataFrame) -> None:
    """The day's low is at most its high. (The open and even the close may sit outside the
    continuous session's range in real data, set by the opening and closing auctions.)"""
    if "low" in out and "high" in out:
        _first_bad(path, frame, "low", out["low"] > out["high"], "the low is above the high")


def read_securities(path: str | os.PathLike[str]) -> list[dict[str, object]]:
    """Validated securities rows ready to merge into the store."""
    path = Path(path)
    frame = _read_csv(path, SECURITIES_REQUIRED, SECURITIES_OPTIONAL)
    tickers = _tickers(path, frame)
    names = frame["name"].str.strip()
    _first_bad(path, frame, "name", names == "", "a name is required")
    kinds = frame["kind"].str.strip().str.lower() if "kind" in frame else pd.Series("", frame.index)
    _first_bad(path, frame, "kind", ~kinds.isin(("",) + KINDS), "kind must be stock or index")
    duplicated = tickers.duplicated()
    _first_bad(path, frame.assign(ticker=frame["ticker"]), "ticker", duplicated, "duplicate ticker")
    categories = (
        frame["category"].str.strip().str.lower()
        if "category" in frame
        else pd.Series("", frame.index)
    )
    _first_bad(
        path,
        frame,
        "category",
        ~categories.isin(("",) + CATEGORIES),
        f"category must be one of {', '.join(CATEGORIES)}",
    )
    lots = (
        _numbers(path, frame, "board_lot", required=False, positive=True)
        if "board_lot" in frame
        else pd.Series(np.nan, frame.index)
    )
    _first_bad(path, frame, "board_lot", lots % 1 > 0, "must be a whole number of shares")
    rows = []
    for i, ticker in enumerate(tickers):
        kind = kinds.iloc[i] or ("stock" if is_stock_code(ticker) else "index")
        aliases = frame["aliases"].iloc[i] if "aliases" in frame else ""
        rows.append(
            {
                "ticker": ticker,
                "name": names.iloc[i],
                "name_zh": frame["name_zh"].iloc[i].strip() if "name_zh" in frame else "",
                "sector": frame["sector"].iloc[i].strip() if "sector" in frame else "",
                "kind": kind,
                "category": categories.iloc[i] or ("index" if kind == "index" else ""),
                "board_lot": None if pd.isna(lots.iloc[i]) else int(lots.iloc[i]),
                "aliases": [a.strip() for a in aliases.split("|") if a.strip()],
            }
        )
    return rows


def read_members(path: str | os.PathLike[str]) -> list[tuple[str, str, str]]:
    """Validated (index, ticker, as_of) rows: which stocks an index held on a date."""
    path = Path(path)
    frame = _read_csv(path, MEMBERS_REQUIRED, ())
    indexes = frame["index"].map(lambda t: canonical_ticker(t) or "")
    _first_bad(path, frame, "index", indexes == "", "not an index code (like HSI)")
    tickers = _tickers(path, frame)
    as_of = pd.to_datetime(frame["as_of"].str.strip(), format="%Y-%m-%d", errors="coerce")
    _first_bad(path, frame, "as_of", as_of.isna(), "not a date in YYYY-MM-DD form")
    rows = pd.DataFrame({"index": indexes, "ticker": tickers, "as_of": as_of.dt.date})
    _first_bad(path, frame, "ticker", rows.duplicated(), "this member is listed twice")
    return [(i, t, d.isoformat()) for i, t, d in rows.itertuples(index=False)]


@dataclass(frozen=True)
class NameRow:
    """A name people use for a security, and where it is shown that they use it."""

    row: int
    ticker: str
    name: str
    source: str


def read_names(path: str | os.PathLike[str]) -> list[NameRow]:
    """Validated rows of everyday names (ticker,name,source): each names one security, and
    says where people are seen using it."""
    path = Path(path)
    frame = _read_csv(path, NAMES_REQUIRED, ())
    tickers = _tickers(path, frame)
    names = frame["name"].str.strip()
    sources = frame["source"].str.strip()
    _first_bad(path, frame, "name", names == "", "a name is required")
    _first_bad(path, frame, "name", names.str.len() > MAX_NAME_LENGTH, "too long for a name")
    _first_bad(path, frame, "source", sources == "", "say where people use this name")
    rows = pd.DataFrame({"ticker": tickers, "name": names.str.casefold()})
    _first_bad(path, frame, "name", rows.duplicated(), "this name is listed twice")
    # A name already given to another security (not a row repeated: that is caught above).
    elsewhere = rows.duplicated(subset="name") & ~rows.duplicated()
    _first_bad(path, frame, "name", elsewhere, "the same name is given to two securities")
    return [
        NameRow(i + 1, tickers.iloc[i], names.iloc[i], sources.iloc[i]) for i in range(len(frame))
    ]


def _check_names_known(path: str | os.PathLike[str], rows: list[NameRow], known: set[str]) -> None:
    for row in rows:
        if row.ticker not in known:
            raise IngestError(
                path,
                "unknown security: load it with --securities first",
                row=row.row,
                column="ticker",
                value=row.ticker,
            )


def _add_names(store: Store, rows: list[NameRow]) -> None:
    """Each name, and its Simplified form, joins the aliases of its security."""
    added: dict[str, list[str]] = {}
    for row in rows:
        added.setdefault(row.ticker, []).extend([row.name, to_simplified(row.name)])
    for security in store.market.securities():
        if security.ticker in added:
            aliases = list(dict.fromkeys([*security.aliases, *added[security.ticker]]))
            store.db.execute(
                "UPDATE securities SET aliases = ? WHERE ticker = ?",
                [json.dumps(aliases, ensure_ascii=False), security.ticker],
            )


def read_summary(path: str | os.PathLike[str]) -> tuple[str, str]:
    """(headline, body): the first non-blank line, then the rest."""
    path = Path(path)
    text = _read_text(path, first_row=1)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n")
    headline = lines[0].strip().lstrip("#").strip()
    body = "\n".join(lines[1:]).strip()
    if not headline:
        raise IngestError(path, "the summary is empty")
    if not body:
        raise IngestError(path, "the summary has a headline but no body", row=2)
    return headline, body


# --- writing -----------------------------------------------------------------------------------


def ingest(
    store: Store,
    closes: ClosesSource | None = None,
    *,
    summary: str | os.PathLike[str] | None = None,
    securities: str | os.PathLike[str] | None = None,
    members: str | os.PathLike[str] | None = None,
    names: str | os.PathLike[str] | None = None,
    summary_date: date | None = None,
    today: date,
) -> IngestReport:
    """Load any of the five files in one transaction; raise `IngestError` and write nothing.

    Closes rows that cannot be real (see `store.quality`) are set aside and named in the
    report; the rest of the file loads.
    """
    report = IngestReport()
    security_rows = read_securities(securities) if securities else []
    member_rows = read_members(members) if members else []
    name_rows = read_names(names) if names else []
    frame = None
    closes_name = closes.name if isinstance(closes, Rows) else closes
    if closes is not None and closes_name is not None:
        frame, report.ignored_columns = read_closes(closes, today=today)
        frame, report.set_aside = _set_aside_implausible(store, closes_name, frame)
        if frame.empty:
            raise IngestError(closes_name, "no row can be loaded: " + "; ".join(report.set_aside))
    summary_text = read_summary(summary) if summary else None
    if summary and summary_text and summary_date is None:
        if frame is None:
            raise IngestError(summary, "say which day it is for (--date YYYY-MM-DD)")
        summary_date = max(frame["date"])

    known = {s.ticker for s in store.market.securities()}
    known |= {str(r["ticker"]) for r in security_rows}
    new_securities = _securities_from_closes(closes_name, frame, known) if frame is not None else []
    if members:
        _check_members_known(members, member_rows, known)
    if names:
        _check_names_known(names, name_rows, known)
    if frame is not None:
        frame = _with_changes(store, frame)

    with store.db.atomic():
        store.db.execute("UPDATE meta SET value = value + 1 WHERE key = 'data_version'")
        _upsert_securities(store, security_rows + new_securities)
        _add_names(store, name_rows)
        report.names = len(name_rows)
        if security_rows or new_securities or name_rows:
            store.db.execute("UPDATE meta SET value = value + 1 WHERE key = 'securities_version'")
        report.securities = len(security_rows)
        if frame is not None:
            report.closes, report.closes_changed = _upsert_closes(store, frame)
            report.dates = sorted(set(frame["date"]))
            _record_loads(store, report.dates)
        if member_rows:
            _replace_members(store, member_rows)
            report.members = len(member_rows)
        if summary_text and summary_date:
            headline, body = summary_text
            store.db.table("summaries").upsert(
                {
                    "date": summary_date.isoformat(),
                    "headline": headline,
                    "body": body,
                    "source": "written",
                },
                pk="date",
            )
            report.summaries = 1
            if summary_date not in report.dates:
                report.dates.append(summary_date)
    return report


def _set_aside_implausible(
    store: Store, path: str | os.PathLike[str], frame: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """The rows worth loading, and a line for each row set aside because it cannot be real.

    Each row is judged beside its neighbours, in the file and in the store alike.
    """
    context = _stored_neighbours(store, frame)
    both = pd.concat(
        [
            frame.reindex(columns=["ticker", "date", "close", "volume"]).assign(candidate=True),
            context.assign(candidate=False),
        ]
    )
    both.index = list(frame.index) + [-1 - i for i in range(len(context))]
    flagged = implausible_closes(both)
    if flagged.empty:
        return frame, []
    closes = frame["close"]
    lines = [
        str(
            IngestError(path, reason, row=position + 1, column="close", value=str(closes[position]))
        )
        for position, reason in zip(flagged.index.astype(int), flagged.to_list(), strict=True)
    ]
    return frame.drop(index=flagged.index), sorted(lines, key=_row_number)


def _row_number(line: str) -> int:
    found = re.search(r", row (\d+),", line)
    return int(found[1]) if found else 0


def _stored_neighbours(store: Store, frame: pd.DataFrame) -> pd.DataFrame:
    """Stored closes of the file's tickers from the session before its first day to the session
    after its last: every row's stored neighbours."""
    market = store.market
    first, last = min(frame["date"]), max(frame["date"])
    since = market.session_before(first) or first
    until = market.session_after(last) or last
    stored = pd.DataFrame(
        market.stored_closes_between(since, until), columns=["ticker", "date", "close", "volume"]
    )
    stored["volume"] = stored["volume"].astype(float)
    in_file = pd.MultiIndex.from_frame(frame[["ticker", "date"]])
    keys = pd.MultiIndex.from_frame(stored[["ticker", "date"]])
    keep = stored["ticker"].isin(set(frame["ticker"])) & ~keys.isin(in_file)
    return stored[keep.to_numpy()].reset_index(drop=True)


def _check_members_known(
    path: str | os.PathLike[str], rows: list[tuple[str, str, str]], known: set[str]
) -> None:
    for number, (index, ticker, _) in enumerate(rows, start=1):
        for column, code in (("index", index), ("ticker", ticker)):
            if code not in known:
                raise IngestError(
                    path,
                    "unknown security: load it with --securities first",
                    row=number,
                    column=column,
                    value=code,
                )


def _replace_members(store: Store, rows: list[tuple[str, str, str]]) -> None:
    """Each (index, date) list in the file replaces the stored list of that index and date."""
    lists = sorted({(index, as_of) for index, _, as_of in rows})
    store.db.conn.executemany(
        "DELETE FROM index_members WHERE index_ticker = ? AND as_of = ?", lists
    )
    store.db.conn.executemany(
        "INSERT INTO index_members (index_ticker, ticker, as_of) VALUES (?, ?, ?)", rows
    )


def _securities_from_closes(
    path: str | os.PathLike[str] | None, frame: pd.DataFrame, known: set[str]
) -> list[dict[str, object]]:
    """Securities introduced by closes rows that carry a name; unknown bare tickers are errors."""
    tickers = frame["ticker"]
    # Only each ticker's first row can introduce it, so look at those alone.
    introducing = ~tickers.duplicated() & ~tickers.isin(known)
    rows: list[dict[str, object]] = []
    for position in np.flatnonzero(introducing.to_numpy()):
        ticker = tickers.iloc[position]
        name = frame["name"].iloc[position] if "name" in frame else ""
        if not name:
            raise IngestError(
                path or "closes",
                "unknown ticker: load it with --securities first, or give the row a name",
                row=int(position) + 1,
                column="ticker",
                value=ticker,
            )
        rows.append(
            {
                "ticker": ticker,
                "name": name,
                "name_zh": "",
                "sector": frame["sector"].iloc[position] if "sector" in frame else "",
                "kind": "stock" if is_stock_code(ticker) else "index",
                "aliases": [],
            }
        )
    return rows


def _with_changes(store: Store, frame: pd.DataFrame) -> pd.DataFrame:
    """Fill change and % change, taking the previous close from the file or the store."""
    frame = frame.copy()
    if "prev_close" not in frame:
        frame["prev_close"] = float("nan")
    missing = frame["prev_close"].isna()
    if missing.any():
        previous = _previous_closes(store, frame)
        frame.loc[missing, "prev_close"] = previous[missing]
    frame["change"] = frame["close"] - frame["prev_close"]
    frame["pct_change"] = frame["change"] / frame["prev_close"] * 100
    return frame


def _previous_closes(store: Store, frame: pd.DataFrame) -> pd.Series:
    """Each row's previous session close for its ticker, from the file and the store together."""
    first, last = min(frame["date"]), max(frame["date"])
    tickers = set(frame["ticker"])
    market = store.market
    stored = market.stored_closes_between(first, last) + market.last_closes_before(first)
    history = pd.DataFrame(stored, columns=["ticker", "date", "close", "volume"])
    history = history.loc[history["ticker"].isin(tickers), ["ticker", "date", "close"]]
    history["row"] = -1  # sorts before the file's rows, so the file wins on the same day
    mine = frame[["ticker", "date", "close"]].assign(row=frame.index)
    both = (
        pd.concat([history, mine], ignore_index=True)
        .sort_values(["ticker", "date", "row"])
        .drop_duplicates(["ticker", "date"], keep="last")
    )
    both["previous"] = both.groupby("ticker")["close"].shift(1)
    previous = both[both["row"] >= 0].set_index("row")["previous"]
    return previous.reindex(frame.index).astype(float)


def _record_loads(store: Store, dates: list[date]) -> None:
    """When each session's closes were stored, for the "as of" line of answers."""
    stored_at = datetime.now(UTC).isoformat(timespec="seconds")
    store.db.conn.executemany(
        "INSERT INTO session_loads (date, stored_at) VALUES (?, ?) "
        "ON CONFLICT (date) DO UPDATE SET stored_at = excluded.stored_at",
        [(day.isoformat(), stored_at) for day in dates],
    )


def _upsert_closes(store: Store, frame: pd.DataFrame) -> tuple[int, int]:
    """Write every row; returns (rows in the file, rows new or changed)."""
    columns = [
        "date",
        "ticker",
        "close",
        "prev_close",
        "change",
        "pct_change",
        "volume",
        "turnover",
        "open",
        "high",
        "low",
    ]
    frame = frame.reindex(columns=columns)
    frame["date"] = frame["date"].map(date.isoformat)
    frame["volume"] = frame["volume"].astype("Int64")
    # Python floats and ints, and None for every missing value, column by column.
    records = list(frame.astype(object).where(frame.notna(), None).itertuples(False, None))
    assignments = ", ".join(f"{c} = excluded.{c}" for c in columns[2:])
    differs = " OR ".join(f"{c} IS NOT excluded.{c}" for c in columns[2:])
    sql = f"""INSERT INTO closes ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})
              ON CONFLICT (date, ticker) DO UPDATE SET {assignments} WHERE {differs}"""
    before = store.db.conn.total_changes
    store.db.conn.executemany(sql, records)
    return len(records), store.db.conn.total_changes - before


def _upsert_securities(store: Store, rows: list[dict[str, object]]) -> None:
    """Merge securities: new values win, but blank fields and aliases never erase stored ones."""
    if not rows:
        return
    stored = {s.ticker: s for s in store.market.securities()}  # one read, not one per row
    records = []
    for row in rows:
        existing = stored.get(str(row["ticker"]))
        aliases = list(row["aliases"])  # type: ignore[call-overload]
        record = dict(row)
        if existing:
            record["name_zh"] = row["name_zh"] or existing.name_zh or ""
            record["sector"] = row["sector"] or existing.sector or ""
            record["category"] = row.get("category") or existing.category or ""
            record["board_lot"] = row.get("board_lot") or existing.board_lot
            aliases = list(dict.fromkeys([*existing.aliases, *aliases]))
        record["aliases"] = json.dumps(aliases, ensure_ascii=False)
        records.append(record)
    store.db.table("securities").upsert_all(records, pk="ticker", alter=False)
