"""Closes streamed in two passes, so a file of any length loads in bounded memory, all or nothing.

The first pass reads the file a chunk at a time and checks every value of every row; each
checked chunk is kept as compact arrays in a temporary folder, and a few numbers per row
(ticker, day, close, volume) stay in memory for the checks that need the whole file: rows
repeated, prices that cannot be real beside their neighbours, each row's previous close.
Only when every row has passed does the second pass write, chunk by chunk, inside the
caller's one transaction. An error still names the file, row, column and value.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from store import checks
from store.csvfile import (
    CHUNK_ROWS,
    Header,
    IngestError,
    read_chunks,
    read_header,
    starts_with_header,
)
from store.engine import Engine
from store.quality import Neighbours, flag_implausible, reason
from store.store import Store

CLOSES_REQUIRED = ("date", "ticker", "close")
CLOSES_OPTIONAL = ("open", "high", "low", "prev_close", "volume", "turnover", "name", "sector")
PRICES = ("close", "open", "high", "low", "prev_close")
NUMBERS = (*PRICES, "volume", "turnover")
# The closes table's columns, in the order `write_closes_chunk` receives them.
CLOSES_COLUMNS = (
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
)
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Rows:
    """Closes already in memory (a download), checked exactly as a file would be; `name` is
    what messages call it, as they would name a file."""

    name: str
    frame: pd.DataFrame


@dataclass
class NewSecurity:
    """A ticker's first row in the file, which may introduce it with a name and sector."""

    row: int
    ticker: str
    name: str
    sector: str


_Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass
class _Compact:
    """A few numbers of every row, kept in memory between the passes (24 bytes a row)."""

    ticker: list[np.ndarray] = field(default_factory=list)  # int32 ids into `codes`
    day: list[np.ndarray] = field(default_factory=list)  # int32 days since 1970
    close: list[np.ndarray] = field(default_factory=list)
    volume: list[np.ndarray] = field(default_factory=list)  # NaN when unknown

    def joined(self) -> _Arrays:
        """(ticker id, day, close, volume) of every row, each as one array."""
        return (
            np.concatenate(self.ticker),
            np.concatenate(self.day),
            np.concatenate(self.close),
            np.concatenate(self.volume),
        )


@dataclass
class StagedCloses:
    """A closes file that passed every check, ready to write in the caller's transaction."""

    path: Path
    folder: tempfile.TemporaryDirectory[str]
    codes: list[str]  # ticker id → code
    chunks: list[Path]
    rows: int
    dates: list[date]
    ignored: list[str]
    new_securities: list[NewSecurity]
    set_aside: list[str] = field(default_factory=list)
    keep: np.ndarray = field(default_factory=lambda: np.ones(0, bool))  # by row position
    previous: np.ndarray = field(default_factory=lambda: np.zeros(0))  # each row's last close

    def __enter__(self) -> StagedCloses:
        return self

    def __exit__(self, *exc: object) -> None:
        self.folder.cleanup()

    @property
    def loading(self) -> int:
        return int(self.keep.sum())

    @property
    def last_day(self) -> date:
        return max(self.dates)

    def write(self, engine: Engine) -> tuple[int, int]:
        """Write every kept row, a chunk at a time; (rows in the file, rows new or changed)."""
        codes = np.array(self.codes, dtype=object)
        written = changed = 0
        for path in self.chunks:
            with np.load(path) as arrays:
                columns = _closes_columns(arrays, codes, self.keep, self.previous)
            written += len(columns[0])
            changed += write_closes_chunk(engine, columns)
        return written, changed


_VOLUME = CLOSES_COLUMNS.index("volume")


def write_closes_chunk(engine: Engine, columns: list[list[object]]) -> int:
    """Upsert one chunk of checked closes (lists in `CLOSES_COLUMNS` order; NaN is missing);
    returns how many rows were new or changed: one prepared statement on SQLite, COPY and one
    merge on PostgreSQL (`Engine.upsert_rows`).
    """
    if engine.dialect == "postgresql":
        # SQLite stores a NaN as NULL and a whole REAL in the INTEGER volume column as an
        # integer; PostgreSQL would keep the NaN and refuse "12.0" as a BIGINT.
        columns = [[None if v != v else v for v in column] for column in columns]
        shares = columns[_VOLUME]
        columns[_VOLUME] = [None if v is None else round(float(str(v))) for v in shares]
    rows = list(zip(*columns, strict=True))
    return engine.upsert_rows("closes", CLOSES_COLUMNS, ("date", "ticker"), rows)


def _closes_columns(
    arrays: np.lib.npyio.NpzFile, codes: np.ndarray, keep: np.ndarray, previous: np.ndarray
) -> list[list[object]]:
    positions = arrays["position"]
    kept = keep[positions]
    positions = positions[kept]

    def column(name: str) -> np.ndarray:
        return arrays[name][kept] if name in arrays else np.full(len(positions), np.nan)

    close = column("close")
    given = column("prev_close")
    prev_close = np.where(np.isnan(given), previous[positions], given)
    change = close - prev_close
    with np.errstate(divide="ignore", invalid="ignore"):
        pct_change = change / prev_close * 100
    days, where = np.unique(column("day").astype(np.int32), return_inverse=True)
    iso = np.array([(_EPOCH + timedelta(days=int(d))).isoformat() for d in days], dtype=object)
    return [
        iso[where].tolist(),
        codes[column("ticker").astype(np.int32)].tolist(),
        close.tolist(),
        prev_close.tolist(),
        change.tolist(),
        pct_change.tolist(),
        column("volume").tolist(),
        column("turnover").tolist(),
        column("open").tolist(),
        column("high").tolist(),
        column("low").tolist(),
    ]


# --- the first pass: every value checked -------------------------------------------------------


def stage_closes(
    source: str | os.PathLike[str] | Rows,
    store: Store,
    *,
    today: date,
    chunk_rows: int | None = None,
) -> StagedCloses:
    """Check every row of the file (raising `IngestError` for the first bad one) and keep it,
    checked, for `StagedCloses.write`; then the checks that need all rows at once."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    if isinstance(source, Rows):
        path = Path(source.name)
        header, chunks = _rows_as_chunks(source)
        fast = None
    else:
        path = Path(source)
        header = read_header(path, CLOSES_REQUIRED)
        numbers = [c for c in NUMBERS if header.has(c)]
        fast = read_chunks(path, header, chunk_rows, numbers=numbers)
        chunks = read_chunks(path, header, chunk_rows)
    known = set(CLOSES_REQUIRED) | set(CLOSES_OPTIONAL)
    ignored = [c for c in header.columns if c not in known]
    staged, compact = _checked_or_read_as_text(path, header, fast, chunks, today)
    try:
        staged.ignored = ignored
        arrays = compact.joined()
        del compact
        _check_repeats(staged, arrays, source, header, chunk_rows)
        _judge_against_neighbours(staged, arrays, store)
    except BaseException:
        staged.folder.cleanup()
        raise
    return staged


def _checked_or_read_as_text(
    path: Path,
    header: Header,
    fast: Iterator[pd.DataFrame] | None,
    chunks: Iterator[pd.DataFrame],
    today: date,
) -> tuple[StagedCloses, _Compact]:
    """The first pass, with numbers parsed by pandas' C reader; when any value is not a plain
    number (a blank close, "23,654.03", "NaN") or fails a check, the pass starts again
    reading text, which accepts what it should and names what it must refuse as written."""
    if fast is not None and starts_with_header(path):
        try:
            return _first_pass(path, header, fast, today)
        except ValueError:  # nothing was written: only the temporary folder, now gone
            pass
    return _first_pass(path, header, chunks, today)


def _rows_as_chunks(rows: Rows) -> tuple[Header, Iterator[pd.DataFrame]]:
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
    return Header(list(text.columns)), iter([text])


def _first_pass(
    path: Path,
    header: Header,
    chunks: Iterator[pd.DataFrame],
    today: date,
) -> tuple[StagedCloses, _Compact]:
    folder = tempfile.TemporaryDirectory(prefix="closebot-ingest-")
    try:
        return _pass(path, header, chunks, folder, today)
    except BaseException:
        folder.cleanup()
        raise


def _pass(
    path: Path,
    header: Header,
    chunks: Iterator[pd.DataFrame],
    folder: tempfile.TemporaryDirectory[str],
    today: date,
) -> tuple[StagedCloses, _Compact]:
    ids: dict[str, int] = {}
    compact = _Compact()
    staged = StagedCloses(path, folder, [], [], 0, [], [], [])
    days: set[int] = set()
    for number, chunk in enumerate(chunks):
        arrays = _checked(path, chunk, header, today)
        tickers = arrays.pop("codes")
        codes, uniques = pd.factorize(tickers)
        fresh = [t for t in uniques if t not in ids]
        for ticker in fresh:
            ids[ticker] = len(ids)
            staged.codes.append(ticker)
        ticker_ids = np.array([ids[t] for t in uniques], dtype=np.int32)[codes]
        _note_new_securities(staged, chunk, codes, uniques, set(fresh))
        arrays["ticker"] = ticker_ids
        file = Path(folder.name) / f"chunk-{number:05d}.npz"
        np.savez(file, allow_pickle=False, **arrays)
        staged.chunks.append(file)
        staged.rows += len(chunk)
        days.update(np.unique(arrays["day"]).tolist())
        compact.ticker.append(ticker_ids)
        compact.day.append(arrays["day"])
        compact.close.append(arrays["close"])
        compact.volume.append(arrays.get("volume", np.full(len(chunk), np.nan)))
    if staged.rows == 0:
        raise IngestError(path, "the file has a header but no rows")
    staged.dates = sorted(_EPOCH + timedelta(days=d) for d in days)
    return staged, compact


def _checked(path: Path, frame: pd.DataFrame, header: Header, today: date) -> dict[str, np.ndarray]:
    """One chunk's values as arrays, every value checked."""
    out: dict[str, np.ndarray] = {"position": frame.index.to_numpy(dtype=np.int64)}
    parsed = checks.days(path, frame, "date", today=today)
    out["day"] = parsed.to_numpy(dtype="datetime64[D]").astype(np.int32)
    out["codes"] = checks.tickers(path, frame).to_numpy()
    out["close"] = _price(path, frame, "close", required=True)
    for column in ("open", "high", "low"):
        if header.has(column):
            out[column] = _price(path, frame, column, required=False)
    if header.has("low") and header.has("high"):
        # The low is at most the high; the open and even the close may sit outside the
        # continuous session's range in real data, set by the opening and closing auctions.
        low_above = pd.Series(out["low"] > out["high"], index=frame.index)
        checks.first_bad(path, frame, "low", low_above, "the low is above the high")
    if header.has("prev_close"):
        out["prev_close"] = _price(path, frame, "prev_close", required=False)
    if header.has("volume"):
        shares = checks.numbers(
            path,
            frame,
            "volume",
            required=False,
            positive=False,
            at_most=checks.MAX_VOLUME,
            too_large="is too large to be a volume",
        )
        checks.first_bad(path, frame, "volume", shares % 1 > 0, "must be a whole number of shares")
        out["volume"] = shares.to_numpy(dtype=float)
    if header.has("turnover"):
        out["turnover"] = checks.numbers(
            path,
            frame,
            "turnover",
            required=False,
            positive=False,
            at_most=checks.MAX_TURNOVER,
            too_large="is too large to be a day's turnover",
        ).to_numpy(dtype=float)
    for column in ("name", "sector"):
        if header.has(column):
            checks.text(path, frame, column, longest=200)
    return out


def _price(path: Path, frame: pd.DataFrame, column: str, *, required: bool) -> np.ndarray:
    values = checks.numbers(
        path,
        frame,
        column,
        required=required,
        positive=True,
        at_most=checks.MAX_PRICE,
        too_large=f"is above {checks.MAX_PRICE:,.0f}, higher than any price quoted in Hong Kong",
    )
    return values.to_numpy(dtype=float)


def _note_new_securities(
    staged: StagedCloses, chunk: pd.DataFrame, codes: np.ndarray, uniques: Any, fresh: set[str]
) -> None:
    """Remember each ticker's first row: only it can introduce the ticker with a name."""
    if not fresh:
        return
    # np.unique returns each code's first position in the chunk.
    found, firsts = np.unique(codes, return_index=True)
    for unique_id, position in zip(found.tolist(), firsts.tolist(), strict=True):
        ticker = str(uniques[unique_id])
        if ticker not in fresh:
            continue
        name = chunk["name"].iloc[position].strip() if "name" in chunk else ""
        sector = chunk["sector"].iloc[position].strip() if "sector" in chunk else ""
        row = int(chunk.index[position]) + 1
        staged.new_securities.append(NewSecurity(row, ticker, name, sector))


# --- checks across the whole file --------------------------------------------------------------


def _keys(ticker: np.ndarray, day: np.ndarray) -> np.ndarray:
    return (ticker.astype(np.int64) << 32) | day.astype(np.int64)


def _check_repeats(
    staged: StagedCloses,
    compact: _Arrays,
    source: str | os.PathLike[str] | Rows,
    header: Header,
    chunk_rows: int,
) -> None:
    """No ticker twice on one day; the error names the second row and where the first was."""
    ticker, day, close, volume = compact
    keys = _keys(ticker, day)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    repeated = ordered[1:] == ordered[:-1]
    if repeated.any():
        position = int(order[1:][repeated].min())
        first = int(order[np.searchsorted(ordered, keys[position])])
        code, when = staged.codes[ticker[position]], _EPOCH + timedelta(days=int(day[position]))
        raise IngestError(
            staged.path,
            f"duplicate row for {code} on {when.isoformat()} (first seen in row {first + 1})",
            row=position + 1,
            column="ticker",
            value=_written(source, header, position, chunk_rows),
        )


def _written(
    source: str | os.PathLike[str] | Rows, header: Header, position: int, chunk_rows: int
) -> str:
    """The ticker as the file wrote it in the row at `position`: read again, as it is rare."""
    if isinstance(source, Rows):
        return str(source.frame["ticker"].iloc[position])
    for chunk in read_chunks(Path(source), header, chunk_rows):
        if chunk.index[-1] >= position:
            return str(chunk["ticker"].loc[position])
    return ""


def _judge_against_neighbours(staged: StagedCloses, compact: _Arrays, store: Store) -> None:
    """Set aside the closes that cannot be real (`store.quality`), judged beside the stored
    closes around them, then find each remaining row's previous close in file and store.

    One sort of every row by ticker and day serves both; neighbours are then read a block of
    sorted rows at a time, so the extra memory is a few bytes a row.
    """
    first, last = staged.dates[0], staged.dates[-1]
    market = store.market
    since = market.session_before(first) or first
    until = market.session_after(last) or last
    stored = _stored(store, staged.codes, since, until, last_before=first)
    rows = _Together(compact, stored)
    order = rows.order()
    flagged: list[np.ndarray] = []  # places in `order`
    for block in _blocks(order, rows):
        flags = flag_implausible(block.close, block.previous, block.following, block.volume)
        flagged.append(block.start + np.flatnonzero(flags & (block.index >= rows.stored)))
    places = np.concatenate(flagged)
    places = places[np.argsort(order[places])]  # in the file's order
    set_aside = order[places].astype(np.int64) - rows.stored
    staged.keep = np.ones(rows.files, dtype=bool)
    staged.keep[set_aside] = False
    staged.set_aside = [_set_aside_line(staged.path, rows, order, int(at)) for at in places]
    if len(set_aside):
        staged.dates = sorted(
            _EPOCH + timedelta(days=int(d)) for d in np.unique(compact[1][staged.keep])
        )
        kept = np.ones(len(order), dtype=bool)
        kept[np.isin(order, set_aside + rows.stored)] = False
        order = order[kept]
    staged.previous = np.full(rows.files, np.nan)
    for block in _blocks(order, rows):
        mine = block.index >= rows.stored
        staged.previous[block.index[mine] - rows.stored] = block.previous[mine]


class _Together:
    """The stored rows (first) and the file's rows as one sequence, without copying the file's
    when nothing is stored."""

    def __init__(self, compact: _Arrays, stored: _Arrays) -> None:
        self.stored, self.files = len(stored[0]), len(compact[0])
        both = zip(stored, compact, strict=True)
        joined = [np.concatenate([s, f]) if self.stored else f for s, f in both]
        self.ticker, self.day, self.close, self.volume = joined

    def order(self) -> np.ndarray:
        """Indexes in ticker and day order; where a stored row and a file row share a day,
        only the file's row (it replaces the stored one)."""
        keys = _keys(self.ticker, self.day)
        order = np.argsort(keys, kind="stable")  # stored rows first on the same key
        keys = keys[order]
        replaced = np.zeros(len(keys), dtype=bool)
        replaced[:-1] = keys[:-1] == keys[1:]
        del keys
        return order[~replaced].astype(np.int32 if len(order) < 2**31 else np.int64)


@dataclass(frozen=True)
class _Block:
    """Sorted rows with each one's neighbours' closes (NaN where the ticker has none)."""

    start: int  # the first row's place in the sorted order
    index: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    previous: np.ndarray
    following: np.ndarray


_BLOCK_ROWS = 1_000_000


def _blocks(order: np.ndarray, rows: _Together) -> Iterator[_Block]:
    for start in range(0, len(order), _BLOCK_ROWS):
        low, high = max(start - 1, 0), min(start + _BLOCK_ROWS + 1, len(order))
        index = order[low:high]
        ticker, close = rows.ticker[index], rows.close[index]
        same = ticker[1:] == ticker[:-1]
        previous = np.full(len(index), np.nan)
        previous[1:][same] = close[:-1][same]
        following = np.full(len(index), np.nan)
        following[:-1][same] = close[1:][same]
        inner = slice(start - low, start - low + min(_BLOCK_ROWS, len(order) - start))
        yield _Block(
            start,
            index[inner],
            close[inner],
            rows.volume[index][inner],
            previous[inner],
            following[inner],
        )


def _set_aside_line(path: Path, rows: _Together, order: np.ndarray, at: int) -> str:
    """The report's line for the row at place `at` of the sorted order, set aside: where it is
    in the file and which neighbours it defies."""
    position = int(order[at]) - rows.stored

    def neighbour(step: int) -> tuple[float, date | None]:
        other = at + step
        if not 0 <= other < len(order) or rows.ticker[order[other]] != rows.ticker[order[at]]:
            return np.nan, None
        index = order[other]
        return float(rows.close[index]), _EPOCH + timedelta(days=int(rows.day[index]))

    (previous, previous_day), (following, next_day) = neighbour(-1), neighbour(1)
    index = order[at]
    close = float(rows.close[index])
    problem = reason(
        Neighbours(close, float(rows.volume[index]), previous, previous_day, following, next_day)
    )
    return str(IngestError(path, problem, row=position + 1, column="close", value=str(close)))


def _stored(
    store: Store, codes: list[str], since: date, until: date, *, last_before: date | None = None
) -> _Arrays:
    """Stored closes of the file's tickers from `since` to `until` (and each one's last close
    before `last_before`), as (ticker id, day, close, volume) arrays."""
    ids = {code: i for i, code in enumerate(codes)}
    batches: Iterator[list[Any]] = store.market.stored_close_batches(since, until)
    if last_before is not None:
        batches = itertools.chain(batches, [store.market.last_closes_before(last_before, codes)])
    parts = []
    for batch in batches:
        rows = [
            (ids[t], (d - _EPOCH).days, c, np.nan if v is None else float(v))
            for t, d, c, v in batch
            if t in ids
        ]
        if rows:
            parts.append(np.array(rows, dtype=float))
    if not parts:
        empty = np.zeros(0)
        return empty.astype(np.int32), empty.astype(np.int32), empty, empty
    table = np.concatenate(parts)
    return (
        table[:, 0].astype(np.int32),
        table[:, 1].astype(np.int32),
        table[:, 2],
        table[:, 3],
    )
