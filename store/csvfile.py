"""Reading a CSV data file within bounds: its header first, then its rows a chunk at a time.

A file sent in chat can be anything: 50,000 columns, one 1 MB field, gigabytes. Everything
here costs time and memory in proportion to the chunk being read, never to the square of the
header or to the whole file, and every refusal names the file, row, column and a short value.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from store.errors import SHOWN_CHARS, IngestError
from store.errors import short as _short

__all__ = ["IngestError", "read_chunks", "read_header", "read_text"]

MAX_FILE_BYTES = 2 * 1024**3  # ten years of the whole main board is 340 MB
MAX_COLUMNS = 64  # a closes file has 11 known columns; the rest are ignored and listed
MAX_HEADER_BYTES = 1024 * 1024  # a first line longer than this is not a header
MAX_COLUMN_NAME = 100
MAX_FIELD_CHARS = 1_000  # names, sectors and aliases; numbers and codes are parsed anyway
CHUNK_ROWS = 200_000  # rows parsed at a time: ~10 MB of text, a few tens of MB as frames


@dataclass(frozen=True)
class Header:
    """The header's column names (stripped, lower case; a blank one named by its place)."""

    columns: list[str]

    def has(self, column: str) -> bool:
        return column in self.columns


def read_header(path: Path, required: Sequence[str]) -> Header:
    """The first line of the file as column names, checked in time linear in its length."""
    size = _file_size(path)
    with path.open("rb") as file:
        head = file.read(min(size, MAX_HEADER_BYTES + 1))
    text = _decode_head(path, head)
    if not text.strip():
        raise IngestError(path, "the file is empty")
    line = re.split(r"\r\n|\r|\n", text.lstrip("\r\n"), maxsplit=1)
    if len(line) == 1 and len(head) > MAX_HEADER_BYTES:
        raise IngestError(
            path, f"the first line is over {MAX_HEADER_BYTES // 1024:,} KB: not a CSV header"
        )
    first = line[0].strip()
    if ";" in first and "," not in first:
        raise IngestError(
            path,
            "the fields are separated by ';' but must be separated by commas "
            "(save the file as comma-separated, with decimal points)",
            row=0,
            value=first,
        )
    count = first.count(",") + 1
    if count > MAX_COLUMNS:
        raise IngestError(
            path,
            f"the header has {count:,} columns; a data file has at most {MAX_COLUMNS} "
            f"(expected {', '.join(required)} and the optional ones)",
            row=0,
        )
    names = next(csv.reader([first], skipinitialspace=True), [])
    return Header(_column_names(path, names, required))


def _column_names(path: Path, names: list[str], required: Sequence[str]) -> list[str]:
    columns = [name.strip().lower() for name in names]
    seen: set[str] = set()
    for column in columns:
        if len(column) > MAX_COLUMN_NAME:
            raise IngestError(path, "a column name is too long", row=0, column=column)
        if column and column in seen:
            raise IngestError(path, "the header names this column twice", row=0, column=column)
        seen.add(column)
    columns = [c or f"(column {i + 1} has no name)" for i, c in enumerate(columns)]
    missing = [c for c in required if c not in seen]
    if missing:
        found = _short(", ".join(columns), 300)
        raise IngestError(
            path,
            f"missing required column '{missing[0]}' (the header has: {found}; "
            f"expected {', '.join(required)})",
            row=0,
        )
    return columns


def _file_size(path: Path) -> int:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise IngestError(path, f"cannot read the file ({error.strerror})") from error
    if size > MAX_FILE_BYTES:
        raise IngestError(
            path,
            f"the file is {size / 1024**3:.1f} GB; split it into files under "
            f"{MAX_FILE_BYTES // 1024**3} GB",
        )
    return size


def _decode_head(path: Path, head: bytes) -> str:
    """The header bytes as text; a cut in the middle of a character at the end is fine."""
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError as error:
        raise _not_utf8(path, head, error, first_row=0) from error


def _not_utf8(
    path: Path, raw: bytes, error: UnicodeDecodeError, *, first_row: int, base: int = 0
) -> IngestError:
    """`raw` is the text read from byte `base` of the file, at row `first_row`."""
    return IngestError(
        path,
        f"the file is not UTF-8 text (byte {base + error.start}); save it as UTF-8, "
        "not GBK or Big5",
        row=first_row + raw.count(b"\n", 0, error.start),
        value=raw[error.start : error.end],
    )


def read_text(path: Path, *, first_row: int) -> str:
    """A small file (a summary) as text; a byte that is not UTF-8 is named by its row and value.

    `first_row` is the number of the file's first line: 0 for a CSV header, 1 for a summary.
    """
    _file_size(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise IngestError(path, f"cannot read the file ({error.strerror})") from error
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _not_utf8(path, raw, error, first_row=first_row) from error


def read_chunks(
    path: Path, header: Header, rows: int = CHUNK_ROWS, *, numbers: Sequence[str] = ()
) -> Iterator[pd.DataFrame]:
    """The rows as text columns named by the header, `rows` at a time.

    Each chunk's index is the position of its rows in the file (0 for the first row after the
    header), so an error anywhere names the row as the operator counts it.

    With `numbers`, those columns are parsed as floats by pandas' C reader (a blank is NaN),
    several times faster than text; any value it cannot read raises `ValueError`, and the
    caller reads the file again as text to name the value as written.
    """
    typed = bool(numbers)
    blanks: Any = {header.columns.index(c): [""] for c in numbers} if typed else None
    try:
        # header=None: a row with more fields than the header is an error, never an index
        reader = pd.read_csv(
            path,
            header=None,
            skiprows=1 if typed else None,
            dtype=_dtypes(header, numbers) if typed else str,
            keep_default_na=False,
            na_values=blanks,
            skipinitialspace=True,
            encoding="utf-8-sig",
            chunksize=rows,
        )
        position, first = 0, not typed  # in text, the header is the first row read
        with reader:
            for chunk in reader:
                if first:
                    chunk, first = chunk.iloc[1:], False
                chunk.columns = header.columns
                chunk.index = pd.RangeIndex(position, position + len(chunk))
                position += len(chunk)
                if len(chunk):
                    yield chunk
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        if typed:
            raise ValueError("not every value reads as a plain number") from error
        if isinstance(error, pd.errors.ParserError):
            raise _field_count_error(path, error) from error
        if isinstance(error, UnicodeDecodeError):
            raise _first_bad_byte(path) from error
        raise IngestError(path, f"not a readable CSV file ({_short(str(error), 200)})") from error


def _dtypes(header: Header, numbers: Sequence[str]) -> dict[int, type]:
    return {i: float if c in numbers else str for i, c in enumerate(header.columns)}


def starts_with_header(path: Path) -> bool:
    """Whether the file's first line is its header (no blank lines before it), so a reader can
    skip exactly one line."""
    with path.open("rb") as file:
        head = file.read(8)
    return not head.removeprefix(codecs.BOM_UTF8).startswith((b"\r", b"\n"))


_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _field_count_error(path: Path, error: pd.errors.ParserError) -> IngestError:
    """A row with more fields than the header, usually an unquoted comma inside a number."""
    found = _FIELD_COUNT.search(str(error))
    if not found:
        return IngestError(path, f"not a readable CSV file ({_short(str(error), 200)})")
    expected, line, saw = (int(n) for n in found.groups())
    return IngestError(
        path,
        f"{saw} fields where the header has {expected} "
        '(quote a value that contains a comma, like "23,654.03")',
        row=line - 1,
        value=_line(path, line),
    )


def _line(path: Path, number: int) -> str | None:
    """Line `number` (from 1) of the file, read no further than needed."""
    with path.open("rb") as file:
        for count, raw in enumerate(file, start=1):
            if count == number:
                text = raw[: SHOWN_CHARS * 4].decode("utf-8-sig", "replace")
                return text.rstrip("\r\n")
    return None


def _first_bad_byte(path: Path) -> IngestError:
    """Where the first byte that is not UTF-8 sits, found by decoding the file block by block."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    offset, rows = 0, 0
    with path.open("rb") as file:
        while block := file.read(1024 * 1024):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                return _not_utf8(path, block, error, first_row=rows, base=offset)
            offset += len(block)
            rows += block.count(b"\n")
    return IngestError(path, "the file is not UTF-8 text; save it as UTF-8, not GBK or Big5")
