"""sqlite_utils imported without pulling in pandas and numpy.

sqlite_utils imports pandas and numpy whenever they are installed, only to map their types
when it creates tables from their values, which the store never asks of it. That is half a
second of every start-up, `ask "/close"` included, for an answer that needs neither. So
sqlite_utils is imported here, first, with the two hidden when nothing has loaded them yet;
they import normally afterwards, the moment an ingest or a chart needs them.
"""

from __future__ import annotations

import sys

_HIDDEN = ("pandas", "numpy")


def _import_sqlite_utils() -> None:
    hidden = [name for name in _HIDDEN if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name) is None:
                del sys.modules[name]


_import_sqlite_utils()
