"""Work out which security or sector a person means from what they typed.

A `Matcher` is built once from the store's securities and sectors. `match()` answers with one
of three outcomes for the caller to act on: one clear match (answer it), a short list (offer
buttons), or nothing close (say so, with a few suggestions if any are near).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import fuzz, process

from store.models import Security
from store.tickers import canonical_ticker, stock_code

SECURITY = "security"
SECTOR = "sector"
KINDS = (SECURITY, SECTOR)

MATCH = "match"
AMBIGUOUS = "ambiguous"
NONE = "none"

# Thresholds tuned on the labelled queries in tests/test_match.py.
HIGH = 82.0  # a best score at least this high, clear of the runner-up, is one match
MARGIN = 8.0  # how far the best must lead the runner-up to be clear
LOW = 68.0  # below this nothing is close enough to offer as a choice
SUGGESTION_FLOOR = 50.0  # weaker than this is not worth suggesting at all
AMBIGUOUS_LIMIT = 4
SUGGESTION_LIMIT = 3

# No name is anywhere near this long; longer text is not a name and is not worth scoring.
MAX_QUERY_LENGTH = 80
# Raw text longer than this is refused before normalising, which costs time per character.
MAX_INPUT_LENGTH = 1_000
# Part and whole scoring apply only when one side is clearly longer than the other.
_LENGTH_RATIO = 1.5
# Word order matters little: "mart pop" is still Pop Mart.
_WORD_ORDER_WEIGHT = 0.95
# A part of a longer name ("pop" in "pop mart") is good evidence, but not as good as all of it;
# a near part is weak evidence ("qwerty" is 80% like "perty"), so typos in a part cost more.
_PART_WEIGHT = 0.9
_PART_TYPO_COST = 1.5
# Parts this poor cannot reach the suggestion floor, so rapidfuzz may skip them early.
_PART_CUTOFF = 70.0
# Very short parts ("li") appear inside too many names to mean much on their own.
_SHORT_PART_WEIGHT = 0.7
# A whole name inside a longer query ("xiaomi" in "xiaomi shares") is good evidence too,
# less so the more of the query it leaves unexplained ("tencent music" is another company).
_WHOLE_WEIGHT = 0.9
_UNEXPLAINED_PENALTY = 0.2
_COMMON_WORD = 200  # a word in more names than this does not pick any out
_RANKED_POOL = 64  # best choices looked at to find the few distinct candidates offered
_PAIR_SHARE = 0.3  # of the query's character pairs a text must hold for a partial comparison
_PREFILTER_FROM = 1_000  # below this many longer texts, comparing them all is cheaper
_PREFILTER_LENGTH = 10  # shorter queries are compared with every longer text
_WHOLE_MIN_LENGTH = 3  # "it" inside "bit it" must not mean Information Technology

SECTOR_ALIASES: dict[str, str] = {
    # Healthcare
    "health care": "Healthcare",
    "health": "Healthcare",
    "biotech": "Healthcare",
    "biotechnology": "Healthcare",
    "pharma": "Healthcare",
    "pharmaceuticals": "Healthcare",
    "medical": "Healthcare",
    "drugs": "Healthcare",
    "醫療保健業": "Healthcare",
    "醫療保健": "Healthcare",
    "医疗保健业": "Healthcare",
    "医疗保健": "Healthcare",
    "醫療": "Healthcare",
    "医疗": "Healthcare",
    "醫藥": "Healthcare",
    "医药": "Healthcare",
    "生物科技": "Healthcare",
    # Information Technology
    "tech": "Information Technology",
    "it": "Information Technology",
    "technology": "Information Technology",
    "internet": "Information Technology",
    "software": "Information Technology",
    "semiconductors": "Information Technology",
    "chips": "Information Technology",
    "資訊科技業": "Information Technology",
    "資訊科技": "Information Technology",
    "资讯科技业": "Information Technology",
    "资讯科技": "Information Technology",
    "信息技术": "Information Technology",
    "科技": "Information Technology",
    # Financials
    "banks": "Financials",
    "banking": "Financials",
    "finance": "Financials",
    "financial": "Financials",
    "insurance": "Financials",
    "insurers": "Financials",
    "金融業": "Financials",
    "金融业": "Financials",
    "金融": "Financials",
    "銀行": "Financials",
    "银行": "Financials",
    "保險": "Financials",
    "保险": "Financials",
    # Properties & Construction
    "property": "Properties & Construction",
    "properties": "Properties & Construction",
    "real estate": "Properties & Construction",
    "developers": "Properties & Construction",
    "construction": "Properties & Construction",
    "地產建築業": "Properties & Construction",
    "地产建筑业": "Properties & Construction",
    "地產": "Properties & Construction",
    "地产": "Properties & Construction",
    "房地產": "Properties & Construction",
    "房地产": "Properties & Construction",
    # Consumer Discretionary
    "consumer": "Consumer Discretionary",
    "discretionary": "Consumer Discretionary",
    "retail": "Consumer Discretionary",
    "autos": "Consumer Discretionary",
    "cars": "Consumer Discretionary",
    "ev": "Consumer Discretionary",
    "gaming": "Consumer Discretionary",
    "casinos": "Consumer Discretionary",
    "非必需性消費": "Consumer Discretionary",
    "非必需性消费": "Consumer Discretionary",
    "非必需消費": "Consumer Discretionary",
    "非必需消费": "Consumer Discretionary",
    # Consumer Staples
    "staples": "Consumer Staples",
    "food": "Consumer Staples",
    "beverages": "Consumer Staples",
    "必需性消費": "Consumer Staples",
    "必需性消费": "Consumer Staples",
    "必需消費": "Consumer Staples",
    "必需消费": "Consumer Staples",
    # Energy
    "oil": "Energy",
    "gas": "Energy",
    "energy": "Energy",
    "coal": "Energy",
    "能源業": "Energy",
    "能源业": "Energy",
    "能源": "Energy",
    # Materials
    "materials": "Materials",
    "mining": "Materials",
    "metals": "Materials",
    "gold": "Materials",
    "原材料業": "Materials",
    "原材料业": "Materials",
    "原材料": "Materials",
    # Industrials
    "industrials": "Industrials",
    "logistics": "Industrials",
    "shipping": "Industrials",
    "工業": "Industrials",
    "工业": "Industrials",
    # Telecommunications
    "telecom": "Telecommunications",
    "telecoms": "Telecommunications",
    "telcos": "Telecommunications",
    "電訊業": "Telecommunications",
    "电讯业": "Telecommunications",
    "電訊": "Telecommunications",
    "电讯": "Telecommunications",
    "電信": "Telecommunications",
    "电信": "Telecommunications",
    # Utilities
    "utilities": "Utilities",
    "power": "Utilities",
    "electricity": "Utilities",
    "公用事業": "Utilities",
    "公用事业": "Utilities",
    # Conglomerates
    "conglomerates": "Conglomerates",
    "綜合企業": "Conglomerates",
    "综合企业": "Conglomerates",
}

# Words that end company names but say nothing about which company it is.
_LEGAL_WORDS = frozenset(
    {
        "ltd",
        "limited",
        "co",
        "corp",
        "corporation",
        "inc",
        "plc",
        "holdings",
        "holding",
        "group",
        "cayman",
        "islands",
        "international",
    }
)
# The same for Chinese names, plus the HKEX share-class markers (-W, -SW, -S).
_ZH_SUFFIXES = ("有限公司", "控股", "集團", "集团", "股份")
_SHARE_CLASS = re.compile(r"\s(?:w|sw|s)$")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Candidate:
    """One security or sector that a query might mean."""

    kind: str  # "security" or "sector"
    key: str  # ticker ("1801.HK", "HSI") or sector name ("Healthcare")
    label: str  # what a person reads on a button
    score: float  # 0..100


@dataclass(frozen=True)
class MatchResult:
    """The answer to one query: a match, a few choices, or nothing close."""

    query: str
    outcome: str  # "match" | "ambiguous" | "none"
    candidates: list[Candidate]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True)
class _Choices:
    """Folded strings to score, shortest first, each with the candidate it stands for."""

    texts: list[str]
    words_sorted: list[str]  # each text with its words in alphabetical order
    lengths: list[int]
    owners: list[Candidate]
    by_word: dict[str, list[int]]  # word -> positions of the texts that contain it
    by_pair: dict[str, np.ndarray]  # two-character pair -> positions of the texts holding it

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, Candidate]]) -> _Choices:
        ordered = sorted(pairs, key=lambda pair: len(pair[0]))
        texts = [text for text, _ in ordered]
        by_word: dict[str, list[int]] = {}
        by_pair: dict[str, list[int]] = {}
        for index, text in enumerate(texts):
            for word in set(text.split()):
                by_word.setdefault(word, []).append(index)
            for pair in _pairs(text):
                by_pair.setdefault(pair, []).append(index)
        return cls(
            texts=texts,
            words_sorted=[_words_sorted(text) for text in texts],
            lengths=[len(text) for text in texts],
            owners=[owner for _, owner in ordered],
            by_word=by_word,
            by_pair={pair: np.array(where, dtype=np.int64) for pair, where in by_pair.items()},
        )


def normalise(text: str) -> str:
    """Text as compared: full-width folded, casefolded, trimmed of punctuation and spaces."""
    text = unicodedata.normalize("NFKC", text)
    # Zero-width and direction marks are invisible to the person typing; drop them.
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = unicodedata.normalize("NFKC", text.casefold())
    text = " ".join(text.split())
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return text[start:end]


def _fold(normalised: str) -> str:
    """Normalised text with inner punctuation as spaces, so 'pop-mart' meets 'pop mart'."""
    return " ".join(_NOT_WORD.sub(" ", normalised).split())


def _short_forms(text: str) -> set[str]:
    """A folded name as people shorten it: 'tencent holdings ltd' → 'tencent', '騰訊控股' → '騰訊'.

    Short forms are scored, never looked up exactly, so a real name or alias always wins.
    """
    words = text.split()
    while len(words) > 1 and words[-1] in _LEGAL_WORDS:
        words.pop()
    forms = {" ".join(words)}
    if text.isascii():
        return forms - {text}
    zh = _SHARE_CLASS.sub("", text)
    stripped = True
    while stripped:
        stripped = False
        for suffix in _ZH_SUFFIXES:
            if zh.endswith(suffix) and len(zh) - len(suffix) >= 2:
                zh = zh[: -len(suffix)].rstrip()
                stripped = True
    forms.add(zh)
    return forms - {text}


def _words_sorted(text: str) -> str:
    return " ".join(sorted(text.split()))


def _scores(query: str, choices: _Choices) -> np.ndarray:
    """How well the folded query fits each choice, 0..100, fair to short queries."""
    # Below the suggestion floor a score changes nothing, so the scorer may stop early there.
    scores = _cdist(fuzz.ratio, query, choices.texts, score_cutoff=SUGGESTION_FLOOR)
    if " " in query:
        by_words = _cdist(
            fuzz.ratio, _words_sorted(query), choices.words_sorted, score_cutoff=SUGGESTION_FLOOR
        )
        np.maximum(scores, _WORD_ORDER_WEIGHT * by_words, out=scores)
    # Choices are shortest first, so the clearly longer and clearly shorter ones are slices.
    longer = bisect.bisect_left(choices.lengths, _LENGTH_RATIO * len(query))
    shorter = bisect.bisect_right(choices.lengths, len(query) / _LENGTH_RATIO)
    shortest = bisect.bisect_left(choices.lengths, _WHOLE_MIN_LENGTH)
    if longer < len(choices.texts):
        if len(choices.texts) - longer > _PREFILTER_FROM and len(query) >= _PREFILTER_LENGTH:
            worth = _sharing_pairs(query, choices, longer)
            part = _part_scores(query, [choices.texts[i] for i in worth])
            np.maximum(scores[worth], part, out=part)
            scores[worth] = part
        else:
            part = _part_scores(query, choices.texts[longer:])
            np.maximum(scores[longer:], part, out=scores[longer:])
    for index, whole in _whole_scores(query, choices, shortest, shorter):
        scores[index] = max(scores[index], whole)
    return scores


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _sharing_pairs(query: str, choices: _Choices, start: int) -> np.ndarray:
    """Positions from `start` on of the texts holding enough of the query's character pairs to
    be worth a partial comparison. Typos break pairs, so this is only used for long queries,
    where a text sharing under a third of them does not come near the partial cut-off."""
    pairs = [choices.by_pair[p] for p in _pairs(query) if p in choices.by_pair]
    if not pairs:
        return np.empty(0, dtype=np.int64)
    hits = np.bincount(np.concatenate(pairs), minlength=len(choices.texts))[start:]
    return np.flatnonzero(hits >= _PAIR_SHARE * len(_pairs(query))) + start


def _best_first(scores: np.ndarray, *, limit: int) -> np.ndarray:
    """Positions of the `limit` best scores, best first, ties in position order: the same
    ranking as a stable sort, by a partial one, since a whole board has ten thousand choices
    and only a handful are ever offered."""
    if len(scores) <= limit:
        return np.argsort(-scores, kind="stable")
    kth = -np.partition(-scores, limit - 1)[limit - 1]  # the limit-th best score
    better = np.flatnonzero(scores > kth)
    ties = np.flatnonzero(scores == kth)[: limit - len(better)]
    top = np.concatenate([better, ties])
    return top[np.lexsort((top, -scores[top]))]


def _part_scores(query: str, longer: list[str]) -> np.ndarray:
    """The query as a part of longer names: 'pop' in 'pop mart', '信达' in '信达生物'."""
    partial = _cdist(fuzz.partial_ratio, query, longer, score_cutoff=_PART_CUTOFF)
    sharpened = np.clip(100 - _PART_TYPO_COST * (100 - partial), 0, 100)
    # Chinese characters carry a word's worth each, so two are already specific.
    specific = len(query) >= 3 or (len(query) == 2 and not query.isascii())
    return sharpened * (_PART_WEIGHT if specific else _SHORT_PART_WEIGHT)


def _whole_scores(
    query: str, choices: _Choices, start: int, stop: int
) -> Iterator[tuple[int, float]]:
    """Shorter names found as whole words of the query: 'xiaomi' in 'xiaomi shares'."""
    # Without a word in common this scores no better than word order does, so skip those.
    # A word shared by hundreds of names ("china", "holdings") says nothing about which one.
    shared = {
        index
        for word in set(query.split())
        if len(texts := choices.by_word.get(word, ())) <= _COMMON_WORD
        for index in texts
        if start <= index < stop
    }
    # Legal words explain themselves: "xiaomi corporation" is all about Xiaomi.
    meaningful = " ".join(w for w in query.split() if w not in _LEGAL_WORDS) or query
    for index in shared:
        coverage = min(1.0, choices.lengths[index] / len(meaningful))
        weight = _WHOLE_WEIGHT - _UNEXPLAINED_PENALTY * (1 - coverage)
        yield index, weight * fuzz.token_set_ratio(query, choices.texts[index])


def _cdist(
    scorer: Callable[..., float], query: str, texts: list[str], **kwargs: float
) -> np.ndarray:
    return process.cdist([query], texts, scorer=scorer, processor=None, **kwargs)[0]


def _security_candidate(security: Security) -> Candidate:
    label = f"{security.name} ({security.ticker})"
    return Candidate(kind=SECURITY, key=security.ticker, label=label, score=100.0)


def _sector_candidate(sector: str) -> Candidate:
    return Candidate(kind=SECTOR, key=sector, label=sector, score=100.0)


class Matcher:
    """A fuzzy index over securities (codes, names, Chinese names, aliases) and sectors."""

    def __init__(
        self,
        codes: dict[str, Candidate],
        exact: dict[str, list[Candidate]],
        choices: list[tuple[str, Candidate]],
    ) -> None:
        self._codes = codes
        self._exact = exact
        self._choices = choices
        self._choices_by_kinds: dict[frozenset[str], _Choices] = {}
        for kinds in ((SECURITY,), (SECTOR,), KINDS):
            self._choices_for(kinds)

    @classmethod
    def from_securities(cls, securities: Iterable[Security], sectors: Iterable[str]) -> Matcher:
        """Build the index once; rebuild it after an ingest changes the securities."""
        codes: dict[str, Candidate] = {}
        exact: dict[str, list[Candidate]] = {}
        choices: dict[tuple[str, Candidate], None] = {}  # an ordered set

        def add(text: str | None, candidate: Candidate) -> None:
            folded = _fold(normalise(text or ""))
            if not folded:
                return
            entries = exact.setdefault(folded, [])
            if candidate not in entries:
                entries.append(candidate)
            choices[folded, candidate] = None
            for short in _short_forms(folded):
                choices[short, candidate] = None

        for security in securities:
            candidate = _security_candidate(security)
            codes[security.ticker.upper()] = candidate
            for text in (security.name, security.name_zh, *security.aliases):
                add(text, candidate)

        sector_names = set(sectors)
        for sector in sorted(sector_names):
            add(sector, _sector_candidate(sector))
        for alias, sector in SECTOR_ALIASES.items():
            if sector in sector_names:
                add(alias, _sector_candidate(sector))

        return cls(codes, exact, list(choices))

    def match(self, query: str, *, kinds: tuple[str, ...] = KINDS) -> MatchResult:
        """The security or sector `query` means, a few it might mean, or none."""
        if unknown := set(kinds) - set(KINDS):
            raise ValueError(f"unknown kinds {sorted(unknown)}; expected some of {KINDS}")
        if len(query) > MAX_INPUT_LENGTH:
            return MatchResult(query, NONE, [])
        plain = normalise(query)
        text = _fold(plain)
        if not text:
            return MatchResult(query, NONE, [])
        exact = self._exact_candidates(query, plain, text, kinds)
        if exact:
            return _decide(query, exact)
        # A well-formed stock code that is not listed is not a typo of a name.
        if len(text) > MAX_QUERY_LENGTH or stock_code(plain):
            return MatchResult(query, NONE, [])
        return _decide(query, self._fuzzy_candidates(text, kinds))

    def _exact_candidates(
        self, query: str, plain: str, text: str, kinds: tuple[str, ...]
    ) -> list[Candidate]:
        """A listed code in any form, or a name, alias or sector written out in full."""
        if SECURITY in kinds:
            for form in (query, plain):
                code = canonical_ticker(form)
                if code in self._codes:
                    return [self._codes[code]]
        return [c for c in self._exact.get(text, []) if c.kind in kinds]

    def _fuzzy_candidates(self, text: str, kinds: tuple[str, ...]) -> list[Candidate]:
        """The best few distinct candidates worth mentioning, best first."""
        choices = self._choices_for(kinds)
        if not choices.texts:
            return []
        scores = _scores(text, choices)
        wanted = AMBIGUOUS_LIMIT + 1  # one more than offered, to know the runner-up
        ranked: dict[tuple[str, str], Candidate] = {}
        for index in _best_first(scores, limit=_RANKED_POOL):
            score = round(float(scores[index]), 1)
            if score < SUGGESTION_FLOOR or len(ranked) == wanted:
                break
            owner = choices.owners[index]
            ranked.setdefault((owner.kind, owner.key), replace(owner, score=score))
        return list(ranked.values())

    def _choices_for(self, kinds: tuple[str, ...]) -> _Choices:
        """The choices of the wanted kinds, built once per combination."""
        wanted = frozenset(kinds)
        if wanted not in self._choices_by_kinds:
            pairs = [(text, owner) for text, owner in self._choices if owner.kind in wanted]
            self._choices_by_kinds[wanted] = _Choices.build(pairs)
        return self._choices_by_kinds[wanted]


def _decide(query: str, ranked: list[Candidate]) -> MatchResult:
    """Turn ranked candidates (best first) into one of the three outcomes."""
    if not ranked:
        return MatchResult(query, NONE, [])
    best = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    if best.score >= HIGH and best.score - runner_up >= MARGIN:
        return MatchResult(query, MATCH, [best])
    if best.score >= LOW:
        close = [c for c in ranked if c.score >= LOW]
        return MatchResult(query, AMBIGUOUS, close[:AMBIGUOUS_LIMIT])
    near = [c for c in ranked if c.score >= SUGGESTION_FLOOR]
    return MatchResult(query, NONE, near[:SUGGESTION_LIMIT])
