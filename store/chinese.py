"""Chinese text in the other script: HKEX writes names in Hong Kong Traditional characters;
readers of Simplified Chinese type and read them in Simplified. The conversion is OpenCC's
(its Hong Kong to Simplified dictionaries), never a table kept here."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _converter() -> Any:  # opencc publishes no types
    from opencc import OpenCC

    return OpenCC("hk2s")


@cache
def to_simplified(text: str) -> str:
    """Hong Kong Traditional text in Simplified characters: 滙豐控股 → 汇丰控股."""
    return _converter().convert(text) if text else text
