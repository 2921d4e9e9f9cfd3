"""The error a data file that cannot be loaded raises, importable without pandas."""

from __future__ import annotations

import os
from pathlib import Path

SHOWN_CHARS = 40  # the most of a bad value an error quotes


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
        self.file = short(Path(file).name, 80)
        self.row = row
        self.column = None if column is None else short(column, SHOWN_CHARS)
        self.value = _short_value(value)
        self.problem = problem
        where = [self.file]
        if row is not None:
            where.append(f"row {row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        shown = f" (value {self.value!r})" if self.value is not None else ""
        super().__init__(f"{', '.join(where)}: {problem}{shown}")


def short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _short_value(value: object) -> object:
    """A bad value as an error quotes it: its first few dozen characters (or bytes)."""
    if isinstance(value, str):
        return short(value, SHOWN_CHARS)
    if isinstance(value, bytes) and len(value) > SHOWN_CHARS:
        return value[:SHOWN_CHARS]
    return value
