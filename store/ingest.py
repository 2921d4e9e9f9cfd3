"""Loading closes, securities and summaries from files, all-or-nothing.

Everything is read and validated before the first write, and the writes share one
transaction: a bad file leaves the database exactly as it was, and the error names the file,
row, column and value so an operator can fix it in one go.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from store.errors import IngestError
from store.store import Store
from store.tickers import canonical_ticker, is_stock_code

if TYPE_CHECKING:  # pandas and numpy are imported when a file is read, not to answer
    import pandas as pd

    from store.staging import Rows, StagedCloses

__all__ = ["ClosesSource", "IngestError", "IngestReport", "ingest", "read_names", "read_summary"]

SECURITIES_REQUIRED = ("ticker", "name")
SECURITIES_OPTIONAL = ("name_zh", "sector", "kind", "category", "board_lot", "aliases")
MEMBERS_REQUIRED = ("index", "ticker", "as_of")
NAMES_REQUIRED = ("ticker", "name", "source")
MAX_NAME_LENGTH = 30  # an everyday name is a word or two
SECURITY_COLUMNS = (
    "ticker",
    "name",
    "name_zh",
    "sector",
    "kind",
    "category",
    "board_lot",
    "aliases",
)
KINDS = ("stock", "index")
CATEGORIES = ("equity", "reit", "etp", "index")
CACHE_KIB = 128 * 1024
NAME_CHARS = 200  # a security's name, Chinese name or sector; the longest real one is under 80
MAX_BOARD_LOT = 1_000_000
SET_ASIDE_SHOWN = 5  # rows set aside named one by one in the report; the rest are counted
IGNORED_SHOWN = 10  # ignored columns named in the report


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
            what += "; ignored columns: " + _some(self.ignored_columns, IGNORED_SHOWN, ", ")
        if self.set_aside:
            rows = _plural(len(self.set_aside), "row", "rows")
            what += f"; set aside {rows} that cannot be real: "
            what += _some(self.set_aside, SET_ASIDE_SHOWN, "; ")
        if not self.dates:
            return what
        first, last = min(self.dates), max(self.dates)
        if first == last:
            return f"{_day(last)}: {what}"
        return f"{_day(first)} – {_day(last)} ({len(self.dates)} sessions): {what}"


def _some(items: list[str], shown: int, separator: str) -> str:
    """The first few items, and how many more: a report that always fits in one message."""
    listed = separator.join(items[:shown])
    if len(items) > shown:
        listed += f"{separator}and {len(items) - shown:,} more"
    return listed


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


# --- reading -----------------------------------------------------------------------------------

ClosesSource: TypeAlias = "str | os.PathLike[str] | Rows"


def _read_csv(path: Path, required: Sequence[str]) -> pd.DataFrame:
    """A small file (securities, index members) as text columns, read within the same bounds
    as closes; rows numbered from 0 after the header."""
    import pandas as pd

    from store.csvfile import read_chunks, read_header

    header = read_header(path, required)
    chunks = list(read_chunks(path, header))
    if not chunks:
        raise IngestError(path, "the file has a header but no rows")
    return pd.concat(chunks) if len(chunks) > 1 else chunks[0]


def read_securities(path: str | os.PathLike[str]) -> list[dict[str, object]]:
    """Validated securities rows ready to merge into the store."""
    import numpy as np
    import pandas as pd

    from store import checks

    path = Path(path)
    frame = _read_csv(path, SECURITIES_REQUIRED)
    tickers = checks.tickers(path, frame)
    names = checks.text(path, frame, "name", longest=NAME_CHARS)
    for column in ("name_zh", "sector"):
        if column in frame:
            checks.text(path, frame, column, longest=NAME_CHARS)
    if "aliases" in frame:
        checks.text(path, frame, "aliases")
    checks.first_bad(path, frame, "name", names == "", "a name is required")
    kinds = frame["kind"].str.strip().str.lower() if "kind" in frame else pd.Series("", frame.index)
    checks.first_bad(path, frame, "kind", ~kinds.isin(("",) + KINDS), "kind must be stock or index")
    duplicated = tickers.duplicated()
    checks.first_bad(path, frame, "ticker", duplicated, "duplicate ticker")
    categories = (
        frame["category"].str.strip().str.lower()
        if "category" in frame
        else pd.Series("", frame.index)
    )
    checks.first_bad(
        path,
        frame,
        "category",
        ~categories.isin(("",) + CATEGORIES),
        f"category must be one of {', '.join(CATEGORIES)}",
    )
    lots = (
        checks.numbers(
            path, frame, "board_lot", required=False, positive=True, at_most=MAX_BOARD_LOT
        )
        if "board_lot" in frame
        else pd.Series(np.nan, frame.index)
    )
    checks.first_bad(path, frame, "board_lot", lots % 1 > 0, "must be a whole number of shares")
    # Whole columns as lists, read once: a pandas lookup per cell costs more than the rest of
    # the file's reading.
    blank = [""] * len(frame)

    def stripped(column: str) -> list[str]:
        return [value.strip() for value in frame[column].tolist()] if column in frame else blank

    rows = []
    for ticker, name, name_zh, sector, kind, category, lot, aliases in zip(
        tickers.tolist(),
        names.tolist(),
        stripped("name_zh"),
        stripped("sector"),
        kinds.tolist(),
        categories.tolist(),
        lots.tolist(),
        frame["aliases"].tolist() if "aliases" in frame else blank,
        strict=True,
    ):
        kind = kind or ("stock" if is_stock_code(ticker) else "index")
        rows.append(
            {
                "ticker": ticker,
                "name": name,
                "name_zh": name_zh,
                "sector": sector,
                "kind": kind,
                "category": category or ("index" if kind == "index" else ""),
                "board_lot": None if pd.isna(lot) else int(lot),
                "aliases": [a.strip() for a in aliases.split("|") if a.strip()],
            }
        )
    return rows


def read_members(path: str | os.PathLike[str]) -> list[tuple[str, str, str]]:
    """Validated (index, ticker, as_of) rows: which stocks an index held on a date."""
    import pandas as pd

    from store import checks

    path = Path(path)
    frame = _read_csv(path, MEMBERS_REQUIRED)
    indexes = frame["index"].map(lambda t: canonical_ticker(t) or "")
    checks.first_bad(path, frame, "index", indexes == "", "not an index code (like HSI)")
    tickers = checks.tickers(path, frame)
    as_of = checks.days(path, frame, "as_of", today=None)
    rows = pd.DataFrame({"index": indexes, "ticker": tickers, "as_of": as_of.dt.date})
    checks.first_bad(path, frame, "ticker", rows.duplicated(), "this member is listed twice")
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
    import pandas as pd

    from store import checks

    path = Path(path)
    frame = _read_csv(path, NAMES_REQUIRED)
    tickers = checks.tickers(path, frame)
    names = checks.text(path, frame, "name", longest=MAX_NAME_LENGTH)
    sources = checks.text(path, frame, "source")
    checks.first_bad(path, frame, "name", names == "", "a name is required")
    checks.first_bad(path, frame, "source", sources == "", "say where people use this name")
    rows = pd.DataFrame({"ticker": tickers, "name": names.str.casefold()})
    checks.first_bad(path, frame, "name", rows.duplicated(), "this name is listed twice")
    # A name already given to another security (not a row repeated: that is caught above).
    elsewhere = rows.duplicated(subset="name") & ~rows.duplicated()
    checks.first_bad(path, frame, "name", elsewhere, "the same name is given to two securities")
    return [
        NameRow(int(frame.index[i]) + 1, tickers.iloc[i], names.iloc[i], sources.iloc[i])
        for i in range(len(frame))
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
    if not rows:
        return  # most loads bring no names: no need to read every security
    from store.chinese import to_simplified

    added: dict[str, list[str]] = {}
    for row in rows:
        added.setdefault(row.ticker, []).extend([row.name, to_simplified(row.name)])
    for security in store.market.securities():
        if security.ticker in added:
            aliases = list(dict.fromkeys([*security.aliases, *added[security.ticker]]))
            store.engine.execute(
                "UPDATE securities SET aliases = ? WHERE ticker = ?",
                [json.dumps(aliases, ensure_ascii=False), security.ticker],
            )


def read_summary(path: str | os.PathLike[str]) -> tuple[str, str]:
    """(headline, body): the first non-blank line, then the rest."""
    from store.csvfile import read_text

    path = Path(path)
    text = read_text(path, first_row=1)
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
    summary_language: str | None = None,
    today: date,
) -> IngestReport:
    """Load any of the five files in one transaction; raise `IngestError` and write nothing.
    Closes rows that cannot be real (see `store.quality`) are set aside and named in the
    report; the rest of the file loads.

    One load at a time across every process sharing the store: a scheduled fetch and an
    operator's upload each read the stored neighbours of their rows and then write, so they
    must not interleave (on PostgreSQL an advisory lock; a SQLite file has one writer).
    """
    with store.engine.lock("ingest"):
        from store.staging import stage_closes

        report = IngestReport()
        security_rows = read_securities(securities) if securities else []
        member_rows = read_members(members) if members else []
        name_rows = read_names(names) if names else []
        summary_text = read_summary(summary) if summary else None
        staged = stage_closes(closes, store, today=today) if closes is not None else None
        with staged or nullcontext():
            if staged is not None:
                report.ignored_columns = staged.ignored
                report.set_aside = staged.set_aside
                if staged.loading == 0:
                    raise IngestError(
                        staged.path, "no row can be loaded: " + "; ".join(staged.set_aside[:3])
                    )
            if summary and summary_text and summary_date is None:
                if staged is None:
                    raise IngestError(summary, "say which day it is for (--date YYYY-MM-DD)")
                summary_date = staged.last_day
            known = store.market.tickers()
            known |= {str(r["ticker"]) for r in security_rows}
            new_securities = _securities_from_closes(staged, known) if staged is not None else []
            if members:
                _check_members_known(members, member_rows, known)
            if names:
                _check_names_known(names, name_rows, known)
            day_summary = (summary_date, *summary_text) if summary_text and summary_date else None
            _write(
                store,
                report,
                staged,
                security_rows + new_securities,
                member_rows,
                day_summary,
                name_rows,
                summary_language,
            )
            report.securities = len(security_rows)
        return report


def _write(
    store: Store,
    report: IngestReport,
    staged: StagedCloses | None,
    securities: list[dict[str, object]],
    members: list[tuple[str, str, str]],
    summary: tuple[date, str, str] | None,
    names: list[NameRow],
    summary_language: str | None = None,
) -> None:
    """Every write of the load, in one transaction."""
    with store.engine.atomic():
        store.engine.execute("UPDATE meta SET value = value + 1 WHERE key = 'data_version'")
        _upsert_securities(store, securities)
        _add_names(store, names)
        report.names = len(names)
        if securities or names:
            store.engine.execute(
                "UPDATE meta SET value = value + 1 WHERE key = 'securities_version'"
            )
        if staged is not None:
            with _roomy_cache(store):
                report.closes, report.closes_changed = staged.write(store.engine)
            report.dates = list(staged.dates)
            _record_loads(store, report.dates)
        if members:
            _replace_members(store, members)
            report.members = len(members)
        if summary:
            day, headline, body = summary
            if summary_language:
                # Written in another language: shown to the chats answered in it, beside the
                # day's summary in `summaries`, which it never replaces.
                store.engine.upsert_rows(
                    "summaries_by_language",
                    ("date", "language", "headline", "body"),
                    ("date", "language"),
                    [(day.isoformat(), summary_language, headline, body)],
                )
            else:
                store.engine.upsert_rows(
                    "summaries",
                    ("date", "headline", "body", "source"),
                    ("date",),
                    [(day.isoformat(), headline, body, "written")],
                )
            report.summaries = 1
            if day not in report.dates:
                report.dates.append(day)


@contextmanager
def _roomy_cache(store: Store) -> Iterator[None]:
    """A larger page cache while closes are written: the (ticker, date) index is filled in an
    order far from the file's, and a cache of 2 MB would read and write its pages again and
    again. 128 MB is a fifth of the ingest's memory budget. (PostgreSQL keeps its own.)"""
    if store.db is None:
        yield
        return
    conn = store.db.conn
    (before,) = conn.execute("PRAGMA cache_size").fetchone()
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")


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
    store.engine.execute("UPDATE meta SET value = value + 1 WHERE key = 'members_version'")
    store.engine.executemany(
        "DELETE FROM index_members WHERE index_ticker = ? AND as_of = ?", lists
    )
    store.engine.executemany(
        "INSERT INTO index_members (index_ticker, ticker, as_of) VALUES (?, ?, ?)", rows
    )


def _securities_from_closes(staged: StagedCloses, known: set[str]) -> list[dict[str, object]]:
    """Securities introduced by closes rows that carry a name; unknown bare tickers are errors."""
    rows: list[dict[str, object]] = []
    for new in staged.new_securities:
        if new.ticker in known:
            continue
        if not new.name:
            raise IngestError(
                staged.path,
                "unknown ticker: load it with --securities first, or give the row a name",
                row=new.row,
                column="ticker",
                value=new.ticker,
            )
        rows.append(
            {
                "ticker": new.ticker,
                "name": new.name,
                "name_zh": "",
                "sector": new.sector,
                "kind": "stock" if is_stock_code(new.ticker) else "index",
                "aliases": [],
            }
        )
    return rows


def _record_loads(store: Store, dates: list[date]) -> None:
    """When each session's closes were stored, for the "as of" line of answers, and by which
    load (the data version it raised): the day's shared figures are read again after it."""
    stored_at = datetime.now(UTC).isoformat(timespec="seconds")
    store.engine.executemany(
        "INSERT INTO session_loads (date, stored_at, version) "
        "VALUES (?, ?, (SELECT value FROM meta WHERE key = 'data_version')) "
        "ON CONFLICT (date) DO UPDATE SET stored_at = excluded.stored_at, "
        "version = excluded.version",
        [(day.isoformat(), stored_at) for day in dates],
    )


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
        records.append(tuple(record.get(c) for c in SECURITY_COLUMNS))
    store.engine.upsert_rows("securities", SECURITY_COLUMNS, ("ticker",), records)
