"""Checks of one column of text values, shared by every kind of data file.

Each check looks at a whole chunk at once (pandas, not a loop per row) and raises `IngestError`
for the first bad row, numbered as the operator counts rows: 1 is the first after the header.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from store.csvfile import MAX_FIELD_CHARS, IngestError
from store.tickers import canonical_ticker

FIRST_DAY = date(1980, 1, 1)  # HKEX's closes in files start well after this
MAX_PRICE = 1_000_000.0  # above any price or index level ever quoted in Hong Kong
MAX_VOLUME = 10**18  # shares in a day; SQLite integers stop at 2**63
MAX_TURNOVER = 1e15  # dollars in a day; the whole market trades well under 1e12

# 23,654.03 or 1,234,567: commas only between groups of three digits before any point.
_THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"


def first_bad(path: Path, frame: pd.DataFrame, column: str, bad: pd.Series, problem: str) -> None:
    """Raise for the first row flagged in `bad`, naming it by the frame's index (from 0)."""
    flags = bad.to_numpy(dtype=bool, na_value=False)
    if flags.any():
        position = int(flags.argmax())
        value = frame[column].iloc[position]
        row = int(frame.index[position]) + 1
        raise IngestError(path, problem, row=row, column=column, value=value)


def tickers(path: Path, frame: pd.DataFrame, column: str = "ticker") -> pd.Series:
    """Canonical codes; a chunk repeats a few thousand codes many times, so each distinct one is
    canonicalised once."""
    written = frame[column]
    codes = written.map({t: canonical_ticker(t) or "" for t in written.unique()})
    first_bad(path, frame, column, codes == "", "not a ticker (use 1801.HK, 1801 or HSI)")
    return codes


def days(path: Path, frame: pd.DataFrame, column: str, *, today: date | None) -> pd.Series:
    """Dates written YYYY-MM-DD as datetime64 days, none before 1980 and none after `today`."""
    text = frame[column].str.strip()
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    first_bad(path, frame, column, parsed.isna(), "not a date in YYYY-MM-DD form")
    first_bad(
        path,
        frame,
        column,
        parsed < pd.Timestamp(FIRST_DAY),
        f"is before {FIRST_DAY.year}, earlier than any close a file should hold",
    )
    if today is not None:
        future = parsed > pd.Timestamp(today)
        first_bad(path, frame, column, future, f"is in the future (today is {today.isoformat()})")
    return parsed


def numbers(
    path: Path,
    frame: pd.DataFrame,
    column: str,
    *,
    required: bool,
    positive: bool,
    at_most: float | None = None,
    too_large: str = "is too large",
) -> pd.Series:
    """The column as floats; a comma is read only as a thousands separator, never as a decimal.

    A column the reader already parsed as floats (NaN for a blank) gets the same checks.
    """
    if pd.api.types.is_float_dtype(frame[column]):
        values = frame[column]
        if required:
            first_bad(path, frame, column, values.isna(), "a value is required")
    else:
        values = _parsed(path, frame, column, required=required)
    first_bad(path, frame, column, ~np.isfinite(values) & ~values.isna(), "not a finite number")
    if positive:
        first_bad(path, frame, column, values <= 0, "must be greater than zero")
    else:
        first_bad(path, frame, column, values < 0, "must not be negative")
    if at_most is not None:
        first_bad(path, frame, column, values > at_most, too_large)
    return values


def text(
    path: Path, frame: pd.DataFrame, column: str, *, longest: int = MAX_FIELD_CHARS
) -> pd.Series:
    """Free text (a name, a sector), stripped, and no longer than `longest` characters."""
    values = frame[column].str.strip()
    first_bad(
        path, frame, column, values.str.len() > longest, f"is longer than {longest:,} characters"
    )
    return values


def _parsed(path: Path, frame: pd.DataFrame, column: str, *, required: bool) -> pd.Series:
    text = frame[column].str.strip()
    grouped = text.str.fullmatch(_THOUSANDS)
    if grouped.any():
        text = text.mask(grouped, text.str.replace(",", "", regex=False))
    values = pd.to_numeric(text, errors="coerce")
    blank = text == ""
    if required:
        first_bad(path, frame, column, blank, "a value is required")
    not_number = values.isna() & ~blank
    if not_number.any():
        value = frame[column].iloc[int(not_number.to_numpy().argmax())]
        hint = " (write decimals with a point, like 74.25)" if "," in value else ""
        first_bad(path, frame, column, not_number, "not a number" + hint)
    return values
