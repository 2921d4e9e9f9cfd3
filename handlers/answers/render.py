"""Formatting shared by every reply: numbers, dates, arrows, escaping and the 4096 limit.

Every reply is Telegram HTML. Anything that came from data or from a person goes through
`escape`; replies are built from whole lines so trimming to Telegram's limit never cuts a tag.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from handlers.core.locale import ENGLISH_LOCALE, Locale

TELEGRAM_LIMIT = 4096
UP, DOWN, FLAT = "▲", "▼", "▬"


def escape(text: object) -> str:
    return html.escape(str(text), quote=False)


def bold(text: object) -> str:
    return f"<b>{escape(text)}</b>"


def italic(text: object) -> str:
    return f"<i>{escape(text)}</i>"


def day_label(day: date, lang: Locale = ENGLISH_LOCALE) -> str:
    """ "Wed 4 Jun 2025", or "2025年6月4日（三）"."""
    return lang.day(day)


def price(value: float, *, index: bool = False) -> str:
    """A level or a price: indices and prices ≥ 10 to 2 places, small prices to 3 like HKEX."""
    places = 2 if index or abs(value) >= 10 else 3
    return f"{value:,.{places}f}"


def money(value: float) -> str:
    return f"HK${price(value)}"


def signed(value: float, places: int = 2) -> str:
    return f"{value:+,.{places}f}"


def percent(value: float) -> str:
    return f"{value:+.2f}%"


def arrow(value: float | None) -> str:
    if value is None or round(value, 2) == 0:
        return FLAT
    return UP if value > 0 else DOWN


def move(
    change: float | None,
    pct: float | None,
    *,
    index: bool = False,
    lang: Locale = ENGLISH_LOCALE,
) -> str:
    """ "▲ +141.54 (+0.60%)" (in Chinese "▲ 升141.54（+0.60%）"), or a note that there is no
    previous close to compare with."""
    if change is None or pct is None:
        return lang._("no previous close to compare")
    places = 2 if index or abs(change) >= 1 else 3
    if round(change, places) == 0:  # no move to sign: "▬ unchanged (0.00%)", "▬ 平（0.00%）"
        flat = percent(0.0).lstrip("+")
        word = lang._("unchanged")
        return f"{arrow(0.0)} {word}（{flat}）" if lang.chinese else f"{arrow(0.0)} {word} ({flat})"
    if lang.chinese:
        return f"{arrow(pct)} {rise_or_fall(pct, lang)}{abs(change):,.{places}f}（{percent(pct)}）"
    return f"{arrow(pct)} {signed(change, places)} ({percent(pct)})"


def rise_or_fall(pct: float, lang: Locale) -> str:
    """升, 跌 or 平: the word a Chinese reader expects before a move."""
    if round(pct, 2) == 0:
        return lang._("unchanged")
    return lang._("up") if pct > 0 else lang._("down")


def pct_move(pct: float | None, lang: Locale = ENGLISH_LOCALE) -> str:
    """ "▲ +3.36%"."""
    return lang._("n/a") if pct is None else f"{arrow(pct)} {percent(pct)}"


def whole(value: float) -> str:
    return f"{value:,.0f}"


def compact(value: float, lang: Locale = ENGLISH_LOCALE) -> str:
    """Turnover-sized numbers a phone can show: 1.23B, 456.7M, 12.3K (45.3億 in Chinese)."""
    return lang.compact(value)


def rounded(value: float, lang: Locale = ENGLISH_LOCALE) -> str:
    """Round amounts as people say them: 10M, 2.5M, 1B, 500K (1,000萬 in Chinese)."""
    return lang.rounded(value)


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def display_width(text: str) -> int:
    """Columns `text` takes in a monospace font: Chinese characters (and other wide or
    full-width ones) take two, so "信達生物" is as wide as "Innovent"."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def shorten_to_columns(text: str, columns: int) -> str:
    """`text` cut to `columns` of a monospace line, by display width: a table's name column
    holds as many Chinese characters as half as many Latin letters."""
    if display_width(text) <= columns:
        return text
    kept, used = [], 1  # the ellipsis takes one column
    for character in text:
        used += display_width(character)
        if used > columns:
            break
        kept.append(character)
    return "".join(kept).rstrip() + "…"


def _pad(cell: str, width: int, align: str) -> str:
    gap = " " * (width - display_width(cell))
    return cell + gap if align == "<" else gap + cell


def table(rows: Iterable[tuple[str, ...]], aligns: str) -> str:
    """A monospace block; `aligns` has one '<' or '>' per column, lined up by display width."""
    rows = list(rows)
    if not rows:
        return ""
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(aligns))]
    lines = [
        "  ".join(
            _pad(cell, width, align) for cell, width, align in zip(row, widths, aligns, strict=True)
        ).rstrip()
        for row in rows
    ]
    return "<pre>" + escape("\n".join(lines)) + "</pre>"


def fit(blocks: Iterable[str], limit: int = TELEGRAM_LIMIT) -> str:
    """Join blocks with newlines, dropping whole trailing blocks to stay within `limit`.

    Blocks are self-contained HTML, so dropping one never leaves a tag open. A single block
    longer than the limit is cut as plain text.
    """
    kept: list[str] = []
    size = 0
    marker = "…"
    for block in blocks:
        extra = utf16_length(block) + (1 if kept else 0)
        if size + extra > limit - len(marker) - 1:
            if not kept:
                kept.append(escape(shorten(html_to_text(block), limit - 2)))
            else:
                kept.append(marker)
            break
        kept.append(block)
        size += extra
    return "\n".join(kept)


def split_message(blocks: Iterable[str], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Join blocks with newlines into as few messages as needed, each within `limit`.

    Messages break only between blocks, which are self-contained HTML, so no tag is ever cut.
    A block too long for a message of its own is split between the rows of its <pre> table,
    or else cut as plain text as `fit` does. No message starts or ends with a blank line.
    """
    parts: list[list[str]] = [[]]
    size = 0
    for block in _within(blocks, limit):
        extra = utf16_length(block) + (1 if parts[-1] else 0)
        if parts[-1] and size + extra > limit:
            parts.append([])
            size, extra = 0, utf16_length(block)
        if block or parts[-1]:
            parts[-1].append(block)
            size += extra
    messages = ["\n".join(part).strip("\n") for part in parts]
    return [message for message in messages if message]


def _within(blocks: Iterable[str], limit: int) -> Iterable[str]:
    """The blocks, with any longer than `limit` split or cut to fit."""
    for block in blocks:
        if utf16_length(block) <= limit:
            yield block
        elif _PRE.fullmatch(block):
            yield from _pre_chunks(block.removeprefix("<pre>").removesuffix("</pre>"), limit)
        else:
            yield fit([block], limit)


def _pre_chunks(rows_text: str, limit: int) -> Iterable[str]:
    """A <pre> table as several, each within `limit`, broken between rows."""
    room = limit - len("<pre></pre>")
    rows: list[str] = []
    for row in rows_text.split("\n"):
        if rows and utf16_length("\n".join([*rows, row])) > room:
            yield "<pre>" + "\n".join(rows) + "</pre>"
            rows = []
        rows.append(row if utf16_length(row) <= room else fit([row], room))
    if rows:
        yield "<pre>" + "\n".join(rows) + "</pre>"


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units, so an emoji counts twice."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


_TAG = re.compile(r"<[^>]+>")
_PRE = re.compile(r"<pre>[^<]*</pre>")


def html_to_text(text: str) -> str:
    """What a person sees of a Telegram HTML message, for the console and for length checks."""
    return html.unescape(_TAG.sub("", text))
