"""Canonical ticker codes.

Stocks are stored Yahoo-style with four digits (`1801.HK`, `0005.HK`), indices by their
short code (`HSI`). People type codes many ways (`1801`, `01801`, `1801.hk`, `HK:1801`,
`$700`, `^HSI`); every path into the store goes through `canonical_ticker` so they meet.
"""

from __future__ import annotations

import re

# The market's own index: what "the market" means in every answer and push.
INDEX = "HSI"
# The board the bot ranks and groups into sectors: the Hang Seng Composite Index's members,
# about 95% of the market's value, each with its Hang Seng Industry Classification.
BOARD = "HSCI"

_STOCK_CODE = re.compile(
    r"""^\$?
        (?:HK(?:EX)?[:.\s]?)?   # HK:1801, HKEX:1801, HK1801
        0*(?P<digits>\d{1,5})
        (?:[.\s]?HK)?$          # 1801.HK, 1801 HK
    """,
    re.IGNORECASE | re.VERBOSE,
)
_INDEX_CODE = re.compile(r"^\^?(?P<code>[A-Z][A-Z0-9]{1,9})$", re.IGNORECASE)


def stock_code(text: str) -> str | None:
    """The canonical code of a Hong Kong stock typed in any common form, or None."""
    match = _STOCK_CODE.match(text.strip())
    if not match or int(match["digits"]) == 0:
        return None
    return f"{int(match['digits']):04d}.HK"


def canonical_ticker(text: str) -> str | None:
    """A stock code (`1801.HK`) or an index-style code (`HSI`); None if neither shape."""
    code = stock_code(text)
    if code:
        return code
    match = _INDEX_CODE.match(text.strip())
    return match["code"].upper() if match else None


def is_stock_code(ticker: str) -> bool:
    return stock_code(ticker) == ticker
