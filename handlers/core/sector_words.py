"""Which sectors a sentence of the day's summary speaks of, for /sector's quotes.

Every sector has terms: its name and aliases, a few phrases that can only mean it ("drug
developers", "chipmakers"), and its companies' names as news text writes them. A sentence is
searched for the terms of all sectors at once and, where two overlap, the longer wins: in
"China's drug developers" the healthcare phrase claims "developers", so property does not get
the sentence. A sentence speaks of every sector with a term left in it.

A company name of one word counts only where it is written as a name (see `Rule.ONE_WORD_NAME`),
so "the link between tariffs and earnings" is not about Link REIT.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum

from handlers.core.figures import sentences, short_name
from handlers.core.match import SECTOR_ALIASES, shorter_chinese_names
from store.models import Security


class Rule(Enum):
    """How a term must be written in a sentence to count."""

    ANY_CASE = "any case"  # sector words and Chinese names: "Developers", "信達生物"
    CAPITALS = "capitals"  # two letters are an acronym or nothing: "IT", never the pronoun "it"
    NAME = "name"  # a company name of two or more words, capitalised: "Pop Mart"
    # A one-word company name, capitalised and not opening the sentence (where every word is
    # capitalised), unless it is shaped like no ordinary word: "HSBC", "NetEase", "JD.com".
    ONE_WORD_NAME = "one-word name"


@dataclass(frozen=True)
class Term:
    """Words that, found in a sentence, say it speaks of `sector`."""

    text: str
    sector: str | None  # None: a common phrase that claims its words for no sector
    rule: Rule = Rule.ANY_CASE
    owner: str | None = None  # the ticker of the company whose name this is


@dataclass(frozen=True)
class Occurrence:
    """Where in a sentence a term was found."""

    start: int
    end: int
    term: Term


# Generic English (and Hong Kong Chinese) market vocabulary: phrases that mean one sector
# whatever company is meant. Each longer phrase also keeps its words from shorter terms.
SECTOR_PHRASES: dict[str, tuple[str, ...]] = {
    "Healthcare": (
        "drugmaker",
        "drugmakers",
        "drug maker",
        "drug makers",
        "drug developer",
        "drug developers",
        "drug stocks",
        "pharmaceutical",
        "biotechs",
        "biopharma",
        "biopharmaceutical",
        "hospitals",
        "vaccine makers",
        "藥企",
        "药企",
        "藥股",
        "药股",
    ),
    "Information Technology": (
        "chipmaker",
        "chipmakers",
        "chip maker",
        "chip makers",
        "chip stocks",
        "semiconductor",
        "smartphone makers",
        "handset makers",
        "software developers",
        "software makers",
        "晶片",
        "芯片",
        "科技股",
    ),
    "Financials": (
        "lender",
        "lenders",
        "insurer",
        "insurers",
        "brokerages",
        "bank stocks",
        "bank shares",
        "financial stocks",
        "financial shares",
        "financial names",
        "asset managers",
        "內銀股",
        "内银股",
        "保險股",
        "保险股",
    ),
    "Properties & Construction": (
        "property developer",
        "property developers",
        "developer",
        "homebuilders",
        "landlords",
        "REITs",
        "內房股",
        "内房股",
        "地產股",
        "地产股",
    ),
    "Consumer Discretionary": (
        "automaker",
        "automakers",
        "carmaker",
        "carmakers",
        "car makers",
        "EV makers",
        "electric vehicle makers",
        "casino operators",
        "retailers",
        "e-commerce",
        "food delivery",
        "sportswear makers",
        "toymaker",
        "toymakers",
        "汽車股",
        "汽车股",
        "濠賭股",
        "濠赌股",
    ),
    "Consumer Staples": (
        "brewers",
        "dairy producers",
        "food makers",
        "beverage makers",
        "supermarkets",
    ),
    "Energy": (
        "oil producers",
        "oil majors",
        "oil stocks",
        "refiners",
        "coal miners",
        "石油股",
    ),
    "Materials": (
        "miners",
        "gold miners",
        "gold producers",
        "steelmakers",
        "steel makers",
        "aluminium producers",
        "aluminum producers",
        "copper producers",
    ),
    "Industrials": (
        "shipping lines",
        "shipbuilders",
        "airlines",
        "machinery makers",
        "equipment makers",
    ),
    "Telecommunications": (
        "telecom operators",
        "telecoms operators",
        "mobile operators",
        "電訊股",
        "电讯股",
    ),
    "Utilities": (
        "power producers",
        "power generators",
        "power companies",
        "power stocks",
        "gas utilities",
        "water utilities",
        "公用股",
    ),
    "Conglomerates": ("conglomerate",),
}

# Phrases that claim their words for no sector: "consumer prices" are not consumer stocks.
NO_SECTOR_PHRASES = (
    "consumer prices",
    "consumer price index",
    "consumer confidence",
    "retail investors",
    "central bank",
    "central banks",
)

# Aliases people type after /sector that, in prose, mostly mean something else: "the health of
# the economy", "purchasing power", "financial results". Their sectors have plainer words.
_VAGUE_IN_PROSE = frozenset({"health", "power", "finance", "financial"})

# A word found in the names of this many companies picks out none of them ("China", "Sino",
# "Power", "Great"), so as a one-word name it is not looked for at all.
_SHARED_BY = 3
_ACRONYM_LENGTH = 2

_LATIN_WORD = re.compile(r"[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*|&")
_JOINS_WORDS = re.compile(r"[\s\-]*")  # "electric-vehicle makers" is "electric vehicle makers"
_PHRASE_GAP = re.compile(r"[\s\-]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CHINESE_SENTENCE_END = re.compile(r"(?<=[。！？])")
_SHARE_CLASS = re.compile(r"-(?:W|SW|S|B)$", re.IGNORECASE)


def _folded_phrase(text: str) -> str:
    """Any case, words parted by spaces or hyphens: "Chip-makers" is "chip makers"."""
    return " ".join(_PHRASE_GAP.split(text.casefold().strip()))


_SECTOR_OF_PHRASE = {
    _folded_phrase(phrase): sector
    for sector, phrases in SECTOR_PHRASES.items()
    for phrase in phrases
}


def sector_named_by(text: str) -> str | None:
    """The sector a phrase that can only mean one names, typed whole after /sector: "drug
    developers" is Healthcare (where the matcher alone would take "developers" for property),
    "內房股" is Properties & Construction."""
    return _SECTOR_OF_PHRASE.get(_folded_phrase(text))


def sector_terms(sector: str, members: Iterable[Security]) -> list[Term]:
    """Everything that, in a summary sentence, means it speaks of `sector`."""
    terms = [_sector_word(text, sector) for text in sector_vocabulary(sector)]
    for security in members:
        terms += company_terms(security, sector)
    return terms


def sector_vocabulary(sector: str) -> list[str]:
    """The sector's name, its aliases fit for prose, and the phrases that mean only it."""
    aliases = [a for a, name in SECTOR_ALIASES.items() if name == sector]
    return [
        sector,
        *(a for a in aliases if a not in _VAGUE_IN_PROSE),
        *SECTOR_PHRASES.get(sector, ()),
    ]


def company_terms(security: Security, sector: str | None) -> list[Term]:
    """A company's names as news text writes them: "CSPC Pharmaceutical", "Xiaomi", "信達生物"."""
    latin: dict[str, str] = {}
    chinese: set[str] = set()
    for text in (security.name, short_name(security), *security.aliases):
        if _CJK.search(text):
            chinese |= _chinese_forms(text)
        elif _latin_words(text):
            latin.setdefault(text.strip().casefold(), text.strip())
    if security.name_zh:
        chinese |= _chinese_forms(security.name_zh)
    terms = [Term(text, sector, _name_rule(text), security.ticker) for text in latin.values()]
    return terms + [Term(text, sector, Rule.ANY_CASE, security.ticker) for text in chinese]


def members_by_sector(securities: Iterable[Security]) -> dict[str, list[Security]]:
    """The securities that have a sector, grouped by it."""
    grouped: dict[str, list[Security]] = defaultdict(list)
    for security in securities:
        if security.sector:
            grouped[security.sector].append(security)
    return dict(grouped)


def summary_sentences(text: str) -> list[str]:
    """The summary's sentences in order, Chinese ones ended by 。！？ as well."""
    return [
        part.strip()
        for sentence in sentences(text)
        for part in _CHINESE_SENTENCE_END.split(sentence)
        if part.strip()
    ]


_TEXTS_KEPT = 64  # summaries; one a day


class SectorWords:
    """The terms of every sector, to tell which sectors each sentence of a summary speaks of."""

    def __init__(self, terms: Iterable[Term]) -> None:
        wanted = [Term(text, None) for text in NO_SECTOR_PHRASES] + _distinctive(list(terms))
        self._latin: dict[tuple[str, ...], list[Term]] = defaultdict(list)
        self._chinese: dict[str, list[Term]] = defaultdict(list)  # by first character
        for term in dict.fromkeys(wanted):
            if _CJK.search(term.text):
                self._chinese[term.text[0]].append(term)
            elif words := _latin_words(term.text):
                self._latin[words].append(term)
        self._most_words = max((len(words) for words in self._latin), default=0)
        # Each summary's sentences by sector, read once: every /sector of the evening asks
        # the same day's text.
        self._read: dict[str, dict[str, list[str]]] = {}

    def sectors_of(self, sentence: str) -> set[str]:
        """The sectors a sentence speaks of, once overlapping terms are settled."""
        kept = longest_spans(list(self.occurrences(sentence)))
        return {o.term.sector for o in kept if o.term.sector}

    def sentences_about(self, text: str, sector: str) -> list[str]:
        """The sentences of `text` that speak of `sector`, in their original order."""
        return list(self._by_sector(text).get(sector, ()))

    def _by_sector(self, text: str) -> dict[str, list[str]]:
        found = self._read.get(text)
        if found is None:
            found = {}
            for sentence in summary_sentences(text):
                for sector in self.sectors_of(sentence):
                    found.setdefault(sector, []).append(sentence)
            if len(self._read) >= _TEXTS_KEPT:
                self._read.clear()
            self._read[text] = found
        return found

    def occurrences(self, sentence: str) -> Iterator[Occurrence]:
        """Every term in the sentence written the way its rule asks, overlaps and all."""
        yield from self._latin_occurrences(sentence)
        yield from self._chinese_occurrences(sentence)

    def _latin_occurrences(self, sentence: str) -> Iterator[Occurrence]:
        words = list(_LATIN_WORD.finditer(sentence))
        folded = [w.group().casefold() for w in words]
        for first in range(len(words)):
            last = first
            while last < len(words) and last - first < self._most_words:
                for term in self._latin.get(tuple(folded[first : last + 1]), ()):
                    start, end = words[first].start(), words[last].end()
                    if _written_as_asked(term, sentence, start, end):
                        yield Occurrence(start, end, term)
                if last + 1 < len(words) and not _joined(sentence, words[last], words[last + 1]):
                    break
                last += 1

    def _chinese_occurrences(self, sentence: str) -> Iterator[Occurrence]:
        for start, char in enumerate(sentence):
            for term in self._chinese.get(char, ()):
                if sentence.startswith(term.text, start):
                    yield Occurrence(start, start + len(term.text), term)


def longest_spans(found: list[Occurrence]) -> list[Occurrence]:
    """The occurrences left when each overlap goes to the longer span (the earlier on a tie).

    Terms found on the very same span all stay: the sentence speaks of all their sectors.
    """
    spans = sorted({(o.start, o.end) for o in found}, key=lambda s: (s[0] - s[1], s[0]))
    kept: list[tuple[int, int]] = []
    for start, end in spans:
        if all(end <= other_start or start >= other_end for other_start, other_end in kept):
            kept.append((start, end))
    return [o for o in found if (o.start, o.end) in kept]


def _sector_word(text: str, sector: str) -> Term:
    short = len(text) <= _ACRONYM_LENGTH and text.isascii()
    return Term(text, sector, Rule.CAPITALS if short else Rule.ANY_CASE)


def _name_rule(text: str) -> Rule:
    words = _latin_words(text)
    if len(words) > 1:
        return Rule.NAME
    return Rule.CAPITALS if len(text) <= _ACRONYM_LENGTH else Rule.ONE_WORD_NAME


def _chinese_forms(text: str) -> set[str]:
    """A Chinese name as news writes it: "小米集團-W" is also "小米集團" and "小米"."""
    name = _SHARE_CLASS.sub("", text.strip()).strip()
    return {form for form in shorter_chinese_names(name) if len(form) >= 2}


def _distinctive(terms: list[Term]) -> list[Term]:
    """The terms without one-word names whose word is in the names of many companies."""
    owners: dict[str, set[str]] = defaultdict(set)
    for term in terms:
        if term.owner and not _CJK.search(term.text):
            for word in _latin_words(term.text):
                owners[word].add(term.owner)
    return [
        t
        for t in terms
        if t.rule is not Rule.ONE_WORD_NAME or len(owners[_latin_words(t.text)[0]]) < _SHARED_BY
    ]


def _latin_words(text: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in _LATIN_WORD.findall(text))


def _joined(sentence: str, word: re.Match[str], following: re.Match[str]) -> bool:
    """Whether only spaces or hyphens stand between two words, as inside one phrase."""
    return _JOINS_WORDS.fullmatch(sentence, word.end(), following.start()) is not None


def _written_as_asked(term: Term, sentence: str, start: int, end: int) -> bool:
    written = sentence[start:end]
    if term.rule is Rule.CAPITALS:
        return written.isupper()
    if term.rule is Rule.NAME:
        return not written[0].islower()
    if term.rule is Rule.ONE_WORD_NAME:
        opens = not any(ch.isalnum() for ch in sentence[:start])
        return written[0].isupper() and (not opens or _unlike_a_word(written))
    return True


def _unlike_a_word(written: str) -> bool:
    """All capitals, a capital inside, or a digit or dot: "HSBC", "NetEase", "JD.com"."""
    return (
        (len(written) > 1 and written.isupper())
        or any(ch.isupper() for ch in written[1:])
        or any(ch.isdigit() or ch == "." for ch in written)
    )
