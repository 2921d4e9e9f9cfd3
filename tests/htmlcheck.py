"""Whether a reply can be sent: Telegram's verdict on its HTML, plus a few stricter rules.

Telegram's verdict comes from the fake Bot API server's parser (`tests/fake_telegram.py`,
which follows Telegram's own), so there is one HTML parser in the tests. On top of it, rules
stricter than Telegram on purpose: Telegram keeps a stray `&` or `>` as a literal character,
ignores attributes it does not know and drops markup inside `<code>`, but a reply that needs
such leniency is one escaping slip away from being rejected or shown wrong.
"""

from __future__ import annotations

import re

from handlers.answers.render import TELEGRAM_LIMIT, html_to_text, utf16_length
from handlers.answers.reply import Reply
from tests.fake_telegram import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    HtmlParseError,
    parse_html,
)

_TAG = re.compile(r"<(?P<end>/?)(?P<name>[^\s<>/]*)(?P<attributes>[^<>]*)>")
_ATTRIBUTE = re.compile(r"(?P<name>[^\s=]+)(?:\s*=\s*(?P<value>\"[^\"]*\"|'[^']*'|[^\s>]+))?")
_ENTITY = re.compile(r"&(?:(?P<named>lt|gt|amp|quot)|#(?P<dec>[0-9]+)|#x(?P<hex>[0-9a-fA-F]+));")
# The attributes that mean something on each tag; any other is a mistake Telegram hides.
_MEANINGFUL = {
    "a": {"href"},
    "span": {"class"},
    "code": {"class"},
    "blockquote": {"expandable"},
    "tg-emoji": {"emoji-id"},
}
_HOLDS_ONLY_TEXT = ("code", "pre")


def html_problems(text: str) -> list[str]:
    """Every way `text` is not valid, fully escaped Telegram HTML; empty when it is."""
    try:
        parse_html(text)
    except HtmlParseError as error:
        return [f"Telegram would refuse it: {error}"]
    return _tag_problems(text) + _escaping_problems(text)


def _tag_problems(text: str) -> list[str]:
    problems = []
    open_tags: list[str] = []
    for tag in _TAG.finditer(text):
        name = tag["name"].lower()
        if tag["end"]:
            open_tags.pop()  # Telegram's parser has checked that end tags match
            continue
        raw = tag[0]
        if raw.endswith("/>"):
            problems.append(f"self-closing tag: {raw!r}")
        attributes = {a["name"].lower(): a["value"] for a in _ATTRIBUTE.finditer(tag["attributes"])}
        extra = set(attributes) - _MEANINGFUL.get(name, set())
        if extra:
            problems.append(f"attributes not allowed: {sorted(extra)} in {raw!r}")
        if name == "a" and not attributes.get("href"):
            problems.append(f"<a> without href: {raw!r}")
        parent = open_tags[-1] if open_tags else None
        if parent == "code" or (parent == "pre" and name != "code"):
            problems.append(f"{raw!r} inside <{parent}>, which holds only text")
        if name in open_tags and name in ("a", "blockquote", *_HOLDS_ONLY_TEXT):
            problems.append(f"{raw!r} nested inside another <{name}>")
        open_tags.append(name)
    return problems


def _escaping_problems(text: str) -> list[str]:
    """Outside tags no '<' or '>'; every '&' starts &lt; &gt; &amp; &quot; or a numeric
    reference to a real character, with its ';'."""
    problems = []
    bare = _TAG.sub("", text)
    for char in "<>":
        if char in bare:
            problems.append(f"unescaped {char!r} in text")
    for index in (i for i, char in enumerate(text) if char == "&"):
        match = _ENTITY.match(text, index)
        if match is None:
            problems.append(f"'&' that starts no entity at {index}: {text[index : index + 12]!r}")
        elif not match["named"]:
            code = int(match["dec"], 10) if match["dec"] else int(match["hex"], 16)
            if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                problems.append(f"numeric entity of no character: {match[0]!r}")
    return problems


def reply_problems(reply: Reply) -> list[str]:
    """Everything Telegram (or a stricter reading of it) would refuse in a reply."""
    text = reply.text
    limit = MAX_CAPTION_LENGTH if getattr(reply, "photo", None) else TELEGRAM_LIMIT
    problems = html_problems(text)
    if not html_to_text(text).strip():
        problems.append("the message shows nothing")
    if len(text) > limit:
        problems.append(f"{len(text)} characters of HTML, over {limit}")
    if utf16_length(html_to_text(text)) > limit:
        problems.append(f"{utf16_length(html_to_text(text))} UTF-16 units shown, over {limit}")
    for button in reply.button_list:
        if not button.text.strip():
            problems.append(f"a button without text: {button!r}")
        size = len(button.command.encode("utf-8"))
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            problems.append(f"callback data of {size} bytes: {button.command!r}")
    return problems
