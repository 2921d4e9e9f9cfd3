"""The language a reply is written in: its catalog of translated sentences, and how it writes
dates, amounts, moves, sector names and security names.

Three languages: English (`en`, the sentences as written in the code), Traditional Chinese as
written in Hong Kong (`zh_Hant`) and Simplified Chinese (`zh_Hans`). Sentences are translated
through gettext catalogs (`handlers/locales/<code>/LC_MESSAGES/closebot.po`, managed with
Babel); names and sectors, which come from data in Traditional Chinese, are converted to
Simplified by OpenCC. A `Locale` is passed to whatever writes a reply (it rides on `Services`),
never kept in a module global: one process answers chats in all three languages at once.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from store.chinese import to_simplified
from store.models import Security

ENGLISH = "en"
TRADITIONAL = "zh_Hant"
SIMPLIFIED = "zh_Hans"
LANGUAGES = (ENGLISH, TRADITIONAL, SIMPLIFIED)
DOMAIN = "closebot"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"

# What each language calls itself, for the /lang buttons.
OWN_NAMES = {ENGLISH: "English", TRADITIONAL: "繁體中文（香港）", SIMPLIFIED: "简体中文"}

# Telegram's language_code (IETF tags, any case) and what people type after /lang or --lang.
_TRADITIONAL_TAGS = {"zh-hk", "zh-tw", "zh-mo", "zh-hant", "hk", "tw", "tc", "yue"}
_TRADITIONAL_WORDS = {"繁", "繁體", "繁体", "繁體中文", "繁体中文", "粵語", "廣東話", "traditional"}
_SIMPLIFIED_TAGS = {"zh", "zh-cn", "zh-sg", "zh-my", "zh-hans", "cn", "sc"}
_SIMPLIFIED_WORDS = {"简", "簡", "简体", "簡體", "简体中文", "簡體中文", "中文", "simplified"}
_ENGLISH_WORDS = {"en", "eng", "english", "英文", "英語", "英语"}

# The Hang Seng Industry Classification System's own Chinese names of its industries.
HSICS_CHINESE = {
    "Energy": "能源業",
    "Materials": "原材料業",
    "Industrials": "工業",
    "Consumer Discretionary": "非必需性消費",
    "Consumer Staples": "必需性消費",
    "Healthcare": "醫療保健業",
    "Telecommunications": "電訊業",
    "Utilities": "公用事業",
    "Financials": "金融業",
    "Properties & Construction": "地產建築業",
    "Information Technology": "資訊科技業",
    "Conglomerates": "綜合企業",
}
_WEEKDAYS = "一二三四五六日"


def language_for(code: str | None) -> str:
    """The language for a Telegram `language_code` or a word typed after /lang: zh-hk, zh-tw
    and zh-hant are Traditional; zh, zh-cn, zh-hans and zh-sg Simplified; anything else
    English."""
    return language_named(code) or ENGLISH


def language_named(text: str | None) -> str | None:
    """The language `text` names, or None when it names none."""
    if not text:
        return None
    tag = text.strip().replace("_", "-").casefold()
    if tag in _ENGLISH_WORDS or tag.startswith("en-"):
        return ENGLISH
    if tag in _TRADITIONAL_TAGS or tag in _TRADITIONAL_WORDS or tag.startswith("zh-hant-"):
        return TRADITIONAL
    if tag in _SIMPLIFIED_TAGS or tag in _SIMPLIFIED_WORDS or tag.startswith("zh-hans-"):
        return SIMPLIFIED
    if tag.startswith("zh-"):  # another region: Simplified is the default script of Chinese
        return SIMPLIFIED
    return None


@cache
def _translations(code: str) -> gettext.NullTranslations:
    """The catalog of `code`: its compiled .mo when it is current, else the .po compiled in
    memory (a checkout nobody built). English is the source text itself."""
    if code == ENGLISH:
        return gettext.NullTranslations()
    folder = LOCALES_DIR / code / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    return gettext.GNUTranslations(io.BytesIO(compile_catalog(po)))


def compile_catalog(po: Path) -> bytes:
    """A .po catalog as .mo bytes, leaving out fuzzy (unchecked) translations."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    return compiled.getvalue()


@dataclass(frozen=True)
class Locale:
    """One reply language: translate with `_` (and `_n` for counts), write data with the rest."""

    code: str

    @property
    def chinese(self) -> bool:
        return self.code != ENGLISH

    @property
    def own_name(self) -> str:
        return OWN_NAMES[self.code]

    @property
    def telegram_code(self) -> str:
        """The two-letter code Telegram's command menu is set for."""
        return "zh" if self.chinese else ""

    def _(self, message: str) -> str:
        """`message` in this language."""
        return _translations(self.code).gettext(message)

    def _n(self, singular: str, plural: str, count: int) -> str:
        """The form of a sentence about `count` things."""
        return _translations(self.code).ngettext(singular, plural, count)

    # --- data in the reader's script ------------------------------------------------------

    def script(self, text: str) -> str:
        """Traditional Chinese data (HKEX's names) in this language's script."""
        return to_simplified(text) if self.code == SIMPLIFIED else text

    def name(self, security: Security) -> str:
        """What this language calls a security: HKEX's Chinese name in Chinese."""
        if self.chinese and security.name_zh:
            return self.script(security.name_zh)
        return security.name

    def sector(self, sector: str) -> str:
        """A sector's name: HSICS's Chinese name in Chinese."""
        if self.chinese and sector in HSICS_CHINESE:
            return self.script(HSICS_CHINESE[sector])
        return sector

    # --- dates and numbers ------------------------------------------------------------------

    def day(self, day: date) -> str:
        """ "Wed 4 Jun 2025", or "2025年6月4日（三）"."""
        if self.chinese:
            return f"{day.year}年{day.month}月{day.day}日（{_WEEKDAYS[day.weekday()]}）"
        return f"{day:%a} {day.day} {day:%b %Y}"

    def short_day(self, day: date) -> str:
        """ "4 Jun 2025", or "2025年6月4日"."""
        if self.chinese:
            return f"{day.year}年{day.month}月{day.day}日"
        return f"{day.day} {day:%b %Y}"

    def compact(self, value: float) -> str:
        """Turnover-sized amounts: "4.53B", or "45.3億" (萬 and 億 as Chinese counts them)."""
        if not self.chinese:
            for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
                if abs(value) >= size:
                    return f"{value / size:,.2f}{suffix}"
            return f"{value:,.0f}"
        for size, suffix in ((1e8, "億"), (1e4, "萬")):
            if abs(value) >= size:
                figure = f"{value / size:,.2f}".rstrip("0").rstrip(".")
                return figure + self.script(suffix)
        return f"{value:,.0f}"

    def rounded(self, value: float) -> str:
        """Round amounts as people say them: "10M", or "1,000萬"."""
        if not self.chinese:
            for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
                if abs(value) >= size:
                    return f"{value / size:,.2f}".rstrip("0").rstrip(".") + suffix
            return f"{value:,.0f}"
        return self.compact(value)


@cache
def locale(code: str) -> Locale:
    """The `Locale` of a language code (see `language_for` for what people and Telegram send)."""
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {code!r}; expected one of {LANGUAGES}")
    return Locale(code)


ENGLISH_LOCALE = Locale(ENGLISH)


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for the marker
    """Mark a sentence for the catalogs where it is defined (the command table) and translate
    it where it is shown: `lang._(command.description)`."""
    return message
