"""A strict validator for the Telegram HTML the bot sends, built on the standard `html.parser`.

Stricter than Telegram on purpose: Telegram keeps a stray `&` as a literal character and
counts its 4096 limit after parsing, but a reply that needs such leniency is one escaping slip
away from being rejected, so here every `&` must start an entity and the raw text must fit too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from handlers.answers.render import TELEGRAM_LIMIT, html_to_text, utf16_length
from handlers.answers.reply import Reply

ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "code",
        "pre",
        "a",
        "tg-spoiler",
        "span",
        "blockquote",
    }
)
MAX_CALLBACK_DATA_BYTES = 64
MAX_CAPTION_LENGTH = 1024

_ENTITY = re.compile(r"&(?:(?P<named>lt|gt|amp|quot)|#(?P<dec>[0-9]+)|#x(?P<hex>[0-9a-fA-F]+));")


class _TelegramHtml(HTMLParser):
    """Collects every way the text strays from Telegram's HTML subset."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self.open: list[str] = []
        self.tags = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1
        raw = self.get_starttag_text() or ""
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag not allowed: {raw!r}")
        if raw.endswith("/>"):
            self.problems.append(f"self-closing tag: {raw!r}")
        self._check_attributes(tag, dict(attrs), raw)
        self._check_nesting(tag, raw)
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.open.pop()

    def _check_attributes(self, tag: str, attrs: dict[str, str | None], raw: str) -> None:
        allowed: dict[str, str | None] = {}
        if tag == "a":
            if not attrs.get("href"):
                self.problems.append(f"<a> without href: {raw!r}")
            allowed = {"href": attrs.get("href")}
        elif tag == "span":
            if attrs.get("class") != "tg-spoiler":
                self.problems.append(f'<span> without class="tg-spoiler": {raw!r}')
            allowed = {"class": "tg-spoiler"}
        elif tag == "code" and (attrs.get("class") or "").startswith("language-"):
            allowed = {"class": attrs["class"]}
        elif tag == "blockquote" and "expandable" in attrs:
            allowed = {"expandable": attrs["expandable"]}
        extra = {name for name in attrs if name not in allowed}
        if extra:
            self.problems.append(f"attributes not allowed: {sorted(extra)} in {raw!r}")

    def _check_nesting(self, tag: str, raw: str) -> None:
        parent = self.open[-1] if self.open else None
        if parent == "code" or (parent == "pre" and tag != "code"):
            self.problems.append(f"{raw!r} inside <{parent}>, which holds only text")
        if tag in self.open and tag in ("a", "blockquote", "pre", "code"):
            self.problems.append(f"{raw!r} nested inside another <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        self.tags += 1
        if not self.open:
            self.problems.append(f"end tag </{tag}> with nothing open")
        elif self.open[-1] != tag:
            self.problems.append(f"end tag </{tag}> while <{self.open[-1]}> is open")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for char in "<>&":
            if char in data:
                self.problems.append(f"unescaped {char!r} in text: {data[:60]!r}")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment: {data[:60]!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration: {decl[:60]!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration: {data[:60]!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction: {data[:60]!r}")


def html_problems(text: str) -> list[str]:
    """Every way `text` is not valid, fully escaped Telegram HTML; empty when it is."""
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    problems = parser.problems
    if parser.open:
        problems.append(f"tags left open: {parser.open}")
    # html.parser silently drops some malformed markup ("</>"), so every '<' and '>' must
    # belong to a tag it reported.
    for char in "<>":
        if text.count(char) != parser.tags:
            problems.append(f"{text.count(char)} {char!r} for {parser.tags} tags")
    problems += _entity_problems(text)
    return problems


def _entity_problems(text: str) -> list[str]:
    """Every '&' must start &lt; &gt; &amp; &quot; or a numeric reference to a real character."""
    problems = []
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
