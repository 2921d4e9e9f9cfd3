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
from rapidfuzz.distance import OSA, Levenshtein

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
# A Latin-letter part found inside a word is weaker again: "pop" in "gx kpop culture".
_INSIDE_WORD_WEIGHT = 0.9
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
_PREFILTER_LENGTH = 10  # shorter queries are compared with every longer text...
_PAIRS_DECIDE_UP_TO = 3  # ...but from 2 characters to this many, pairs show the few that matter
_WHOLE_MIN_LENGTH = 3  # "it" inside "bit it" must not mean Information Technology
# Two neighbouring letters swapped ("meitaun") are one slip of the fingers, not two edits. Only
# texts this few slips from the query have their swaps counted: far off, a swap is chance
# ("innovent" holds "ne" where "internet" holds "en").
_SWAP_EDITS = 2
# The whole board shares words ("china", "hang seng", "tech") among thousands of listings, most
# of which hardly anyone asks about; the Hang Seng Composite Index's members (the securities
# with a sector) and the indexes are what people mean nearly always. So any other security
# ranks this much below its fit: it yields to a well-known one fitting a little worse
# ("sinopharma" is Sinopharm, not Sinco Pharma), while an equal fit stays a choice offered
# ("cathay": Cathay Pacific first, then Cathay Group). Less than MARGIN on purpose.
_LESSER_KNOWN_COST = 5.0

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
    "內銀": "Financials",
    "内银": "Financials",
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
# Endings a Chinese company name drops in everyday use: 小米集團 is 小米.
_ZH_SUFFIXES = ("有限公司", "控股", "集團", "集团", "股份")


def shorter_chinese_names(name: str) -> list[str]:
    """`name`, then each shorter form left by dropping a legal ending ("小米集團" → "小米"),
    never shorter than two characters."""
    forms = [name]
    stripped = True
    while stripped:
        stripped = False
        for suffix in _ZH_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                name = name[: -len(suffix)].rstrip()
                forms.append(name)
                stripped = True
    return forms


_SHARE_CLASS = re.compile(r"\s(?:w|sw|s)$")
# Characters Hong Kong writes two ways, folded to one so either finds a name: HKEX writes
# 滙豐 and 恒生, people also type 匯豐 and 恆生.
_VARIANTS = str.maketrans({"滙": "匯", "恆": "恒", "裡": "裏", "綫": "線", "衞": "衛", "啓": "啟"})
_NOT_WORD = re.compile(r"[\W_]+")
_LAST_CHARACTER = chr(0x10FFFF)  # sorts after every character a name holds


@dataclass(frozen=True)
class Candidate:
    """One security or sector that a query might mean."""

    kind: str  # "security" or "sector"
    key: str  # ticker ("1801.HK", "HSI") or sector name ("Healthcare")
    label: str  # what a person reads on a button
    score: float  # 0..100: how well it fits, a little less for a lesser-known security


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
class _Scored:
    """A candidate ranked by how likely it is meant, with how well the text fits its name."""

    candidate: Candidate  # its score: the fit, less _LESSER_KNOWN_COST for a lesser-known one
    fit: float


@dataclass(frozen=True)
class _Postings:
    """The positions of the texts holding each key (a word, a two-character pair), as slices of
    one array: tens of thousands of keys as lists or arrays of their own cost more in object
    headers than in data."""

    slots: dict[str, int]  # key -> its slice's number
    bounds: np.ndarray  # slice i is positions[bounds[i]:bounds[i + 1]]
    positions: np.ndarray

    @classmethod
    def build(cls, postings: dict[str, list[int]]) -> _Postings:
        sizes = [len(where) for where in postings.values()]
        bounds = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=bounds[1:])
        positions = np.fromiter(
            (i for where in postings.values() for i in where), dtype=np.int32, count=sum(sizes)
        )
        return cls({key: slot for slot, key in enumerate(postings)}, bounds, positions)

    def __contains__(self, key: str) -> bool:
        return key in self.slots

    def __getitem__(self, key: str) -> np.ndarray:
        slot = self.slots[key]
        return self.positions[self.bounds.item(slot) : self.bounds.item(slot + 1)]

    def get(self, key: str) -> np.ndarray:
        """The key's positions, none when no text holds it."""
        return self[key] if key in self.slots else self.positions[:0]


@dataclass(frozen=True)
class _Script:
    """The choices a query written in one script can score above nothing against: a text with
    no character in common with the query scores 0 whatever the scorer, so a Latin query
    skips the texts written only in Chinese, and a Chinese query those written only in Latin."""

    positions: np.ndarray  # where these texts are among all the choices
    texts: list[str]
    words_sorted: list[str]

    @classmethod
    def build(cls, keep: list[bool], texts: list[str], words_sorted: list[str]) -> _Script:
        positions = np.flatnonzero(np.array(keep, dtype=bool))
        return cls(positions, [texts[i] for i in positions], [words_sorted[i] for i in positions])


@dataclass(frozen=True)
class _Choices:
    """Folded strings to score, shortest first, each with the candidate it stands for."""

    texts: list[str]
    words_sorted: list[str]  # each text with its words in alphabetical order
    lengths: np.ndarray
    owners: list[Candidate]
    costs: np.ndarray  # what each text's owner gives up in the ranking for being lesser known
    by_word: _Postings  # word -> positions of the texts that contain it
    by_pair: _Postings  # two-character pair -> positions of the texts holding it
    alphabetical: list[str]  # the texts in alphabetical order, to find those a query begins
    alphabetical_positions: np.ndarray  # where each of those texts is in `texts`
    vocabulary: list[str]  # every word of the texts, in alphabetical order
    latin: _Script  # the texts holding an ASCII character
    other: _Script  # the texts holding a character that is not ASCII

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, Candidate]], lesser: frozenset[str]) -> _Choices:
        ordered = sorted(pairs, key=lambda pair: len(pair[0]))
        texts = [text for text, _ in ordered]
        by_word: dict[str, list[int]] = {}
        by_pair: dict[str, list[int]] = {}
        for index, text in enumerate(texts):
            for word in set(text.split()):
                by_word.setdefault(word, []).append(index)
            for pair in _pairs(text):
                by_pair.setdefault(pair, []).append(index)
        owners = [owner for _, owner in ordered]
        alphabetical = sorted(range(len(texts)), key=texts.__getitem__)
        # Most texts are one word or already in order: those keep the one string.
        words_sorted = [text if (w := _words_sorted(text)) == text else w for text in texts]
        all_ascii = [text.isascii() for text in texts]
        return cls(
            texts=texts,
            words_sorted=words_sorted,
            lengths=np.array([len(text) for text in texts], dtype=np.int64),
            owners=owners,
            costs=np.array(
                [_LESSER_KNOWN_COST * (o.kind == SECURITY and o.key in lesser) for o in owners]
            ),
            by_word=_Postings.build(by_word),
            by_pair=_Postings.build(by_pair),
            alphabetical=[texts[i] for i in alphabetical],
            alphabetical_positions=np.array(alphabetical, dtype=np.int64),
            vocabulary=sorted(by_word),
            latin=_Script.build(
                [ascii or _has_ascii(text) for ascii, text in zip(all_ascii, texts, strict=True)],
                texts,
                words_sorted,
            ),
            other=_Script.build([not ascii for ascii in all_ascii], texts, words_sorted),
        )

    def comparable(self, query: str) -> _Script | None:
        """The texts `query` can share a character with, or None for all of them."""
        if query.isascii():
            return self.latin
        if not _has_ascii(query):
            return self.other
        return None


def _has_ascii(text: str) -> bool:
    return any(character.isascii() for character in text)


def normalise(text: str) -> str:
    """Text as compared: full-width folded, casefolded, trimmed of punctuation and spaces."""
    text = unicodedata.normalize("NFKC", text)
    # Zero-width and direction marks are invisible to the person typing; drop them.
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
        text = text.translate(_VARIANTS)
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
    forms.add(shorter_chinese_names(_SHARE_CLASS.sub("", text))[-1])
    return forms - {text}


def _words_sorted(text: str) -> str:
    return " ".join(sorted(text.split()))


def _scores(query: str, choices: _Choices) -> np.ndarray:
    """How well the folded query fits each choice, 0..100, fair to short queries."""
    # Below the suggestion floor a score changes nothing, so the scorer may stop early there.
    script = choices.comparable(query)
    texts = choices.texts if script is None else script.texts
    scores = _spread(
        _cdist(fuzz.ratio, query, texts, score_cutoff=SUGGESTION_FLOOR), script, choices
    )
    _credit_swaps(query, choices, scores)
    if " " in query:
        words_sorted = choices.words_sorted if script is None else script.words_sorted
        by_words = _cdist(
            fuzz.ratio, _words_sorted(query), words_sorted, score_cutoff=SUGGESTION_FLOOR
        )
        np.maximum(scores, _WORD_ORDER_WEIGHT * _spread(by_words, script, choices), out=scores)
    # Choices are shortest first, so the clearly longer and clearly shorter ones are slices.
    longer = int(np.searchsorted(choices.lengths, _LENGTH_RATIO * len(query), side="left"))
    shorter = int(np.searchsorted(choices.lengths, len(query) / _LENGTH_RATIO, side="right"))
    shortest = int(np.searchsorted(choices.lengths, _WHOLE_MIN_LENGTH, side="left"))
    if longer < len(choices.texts):
        _add_part_scores(query, choices, scores, longer)
    # A name's first words, whole, are a part of it however little is left out: "new world"
    # is New World Dev, though too near its length for the part comparison above.
    leading = _leading_words(query, choices)
    scores[leading] = np.maximum(scores[leading], _part_weight(query) * 100)
    for index, whole in _whole_scores(query, choices, shortest, shorter):
        scores[index] = max(scores[index], whole)
    return scores


def _spread(scores: np.ndarray, script: _Script | None, choices: _Choices) -> np.ndarray:
    """Scores of a script's texts placed among all the choices (0 for the rest)."""
    if script is None:
        return scores
    every = np.zeros(len(choices.texts), dtype=scores.dtype)
    every[script.positions] = scores
    return every


def _add_part_scores(query: str, choices: _Choices, scores: np.ndarray, longer: int) -> None:
    """Raise the scores of the texts from `longer` on that the query is a part of."""
    worth = _worth_a_partial(query, choices, longer)
    if isinstance(worth, slice):
        part = _part_scores(query, choices.texts[worth])
    else:
        part = _part_scores(query, [choices.texts[i] for i in worth])
    # Chinese names run their words together, so only Latin letters have words to start.
    if query.isascii() and _specific(query):
        part[~_starts_a_word(query, choices)[worth]] *= _INSIDE_WORD_WEIGHT
    scores[worth] = np.maximum(scores[worth], part)


def _credit_swaps(query: str, choices: _Choices, scores: np.ndarray) -> None:
    """Count two swapped neighbours as one slip, as a missing letter is, not as the two
    edits the ratio sees: "meitaun" is Meituan, not Meitu."""
    near = np.flatnonzero(scores)  # the ratio is cut off below the suggestion floor
    if not len(near):
        return
    texts = [choices.texts[i] for i in near]
    # Beyond the cut-off both distances read as one more than it, so their difference never
    # finds more swaps than there are, and none in a text that far.
    levenshtein = _cdist(Levenshtein.distance, query, texts, score_cutoff=_SWAP_EDITS)
    swaps = levenshtein - _cdist(OSA.distance, query, texts, score_cutoff=_SWAP_EDITS)
    scores[near] += 100 * swaps / (len(query) + choices.lengths[near])


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _worth_a_partial(query: str, choices: _Choices, start: int) -> np.ndarray | slice:
    """Positions from `start` on of the texts worth a partial comparison, or all of them."""
    if 2 <= len(query) <= _PAIRS_DECIDE_UP_TO:
        return _holding_pairs(query, choices, start)
    if len(choices.texts) - start > _PREFILTER_FROM and len(query) >= _PREFILTER_LENGTH:
        return _sharing_pairs(query, choices, start)
    return slice(start, None)


def _holding_pairs(query: str, choices: _Choices, start: int) -> np.ndarray:
    """Positions from `start` on of the texts a query of two or three characters can reach
    the partial cut-off in.

    At a cut-off of 70, two characters must be there whole; three must be there whole or two
    of them at the text's edge ("po" ending "expo"). So only texts holding those pairs are
    compared, for the same scores in a fraction of the time: short queries meet nearly every
    text. tests/test_match.py checks this against the full comparison.
    """
    pairs = {query} if len(query) == 2 else {query[:2], query[1:], query[0] + query[2]}
    found = [choices.by_pair[pair] for pair in pairs if pair in choices.by_pair]
    if not found:
        return np.empty(0, dtype=np.int64)
    where = np.unique(np.concatenate(found))
    return where[where >= start]


def _sharing_pairs(query: str, choices: _Choices, start: int) -> np.ndarray:
    """Positions from `start` on of the texts holding enough of the query's character pairs to
    be worth a partial comparison. Typos break pairs, so this is only used for long queries,
    where a text sharing under a third of them does not come near the partial cut-off."""
    pairs = [choices.by_pair[p] for p in _pairs(query) if p in choices.by_pair]
    if not pairs:
        return np.empty(0, dtype=np.int64)
    hits = np.bincount(np.concatenate(pairs), minlength=len(choices.texts))[start:]
    return np.flatnonzero(hits >= _PAIR_SHARE * len(_pairs(query))) + start


def _starts_a_word(query: str, choices: _Choices) -> np.ndarray:
    """Whether each text has a word beginning with the query's first word."""
    words = choices.vocabulary[_beginning_with(choices.vocabulary, query.split()[0])]
    starts = np.zeros(len(choices.texts), dtype=bool)
    if words:
        starts[np.concatenate([choices.by_word[word] for word in words])] = True
    return starts


def _leading_words(query: str, choices: _Choices) -> np.ndarray:
    """Positions of the texts that begin with the query's words, whole: "new world" in "new
    world dev", not in "new worldwide"."""
    return choices.alphabetical_positions[_beginning_with(choices.alphabetical, query + " ")]


def _beginning_with(alphabetical: list[str], prefix: str) -> slice:
    """Where the strings beginning with `prefix` lie in an alphabetical list."""
    start = bisect.bisect_left(alphabetical, prefix)
    return slice(start, bisect.bisect_left(alphabetical, prefix + _LAST_CHARACTER, start))


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
    return sharpened * _part_weight(query)


def _part_weight(query: str) -> float:
    """How much a query found whole inside a longer name says about it."""
    return _PART_WEIGHT if _specific(query) else _SHORT_PART_WEIGHT


def _specific(query: str) -> bool:
    """Whether a query is long enough to pick out names it is a part of."""
    # Chinese characters carry a word's worth each, so two are already specific.
    return len(query) >= 3 or (len(query) == 2 and not query.isascii())


def _whole_scores(
    query: str, choices: _Choices, start: int, stop: int
) -> Iterator[tuple[int, float]]:
    """Shorter names found as whole words of the query: 'xiaomi' in 'xiaomi shares'."""
    # Without a word in common this scores no better than word order does, so skip those.
    # A word shared by hundreds of names ("china", "holdings") says nothing about which one.
    shared = {
        index
        for word in set(query.split())
        if len(texts := choices.by_word.get(word)) <= _COMMON_WORD
        for index in texts.tolist()
        if start <= index < stop
    }
    # Legal words explain themselves: "xiaomi corporation" is all about Xiaomi.
    meaningful = " ".join(w for w in query.split() if w not in _LEGAL_WORDS) or query
    for index in shared:
        coverage = min(1.0, choices.lengths[index] / len(meaningful))
        weight = _WHOLE_WEIGHT - _UNEXPLAINED_PENALTY * (1 - coverage)
        yield index, weight * fuzz.token_set_ratio(query, choices.texts[index])


def _cdist(
    scorer: Callable[..., float], query: str, texts: list[str], *, score_cutoff: float
) -> np.ndarray:
    scores = process.cdist([query], texts, scorer=scorer, processor=None, score_cutoff=score_cutoff)
    return np.asarray(scores)[0]


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
        lesser_known: frozenset[str] = frozenset(),
    ) -> None:
        self._codes = codes
        self._exact = exact
        self._choices = choices
        self._lesser_known = lesser_known  # tickers ranked below well-known securities
        self._choices_by_kinds: dict[frozenset[str], _Choices] = {}
        for kinds in ((SECURITY,), (SECTOR,), KINDS):
            self._choices_for(kinds)
        # Chinese names and their short forms, to find one inside a sentence (Chinese runs its
        # words together, so a name in a question has no spaces around it).
        self._chinese: dict[str, list[Candidate]] = {}
        for text, owner in choices:
            if not text.isascii() and len(text) >= 2 and " " not in text:
                owners = self._chinese.setdefault(text, [])
                if owner not in owners:
                    owners.append(owner)
        self._longest_chinese = max((len(t) for t in self._chinese), default=0)

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

        securities = list(securities)
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

        return cls(codes, exact, list(choices), _lesser_known(securities))

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
            return _decide(query, [_Scored(c, c.score) for c in exact])
        # A well-formed stock code that is not listed is not a typo of a name, nor are digits
        # that make no code at all ("0").
        if len(text) > MAX_QUERY_LENGTH or stock_code(plain) or plain.strip().isdigit():
            return MatchResult(query, NONE, [])
        return _decide(query, self._fuzzy_candidates(text, kinds))

    def named_in_full(self, query: str, *, kinds: tuple[str, ...] = KINDS) -> Candidate | None:
        """What `query` names written out in full (a code, a name, an alias), without the
        fuzzy search: None unless exactly one thing is named."""
        if len(query) > MAX_INPUT_LENGTH:
            return None
        plain = normalise(query)
        text = _fold(plain)
        found = self._exact_candidates(query, plain, text, kinds) if text else []
        return found[0] if len(found) == 1 else None

    def names_in(
        self, text: str, *, kinds: tuple[str, ...] = KINDS
    ) -> tuple[str, list[Candidate]] | None:
        """The longest Chinese name (or its everyday short form) written inside `text`, leftmost
        on a tie, with what it names: "小米今日收市幾多" → ("小米", [Xiaomi]). None if there is
        none."""
        folded = _fold(normalise(text)) if len(text) <= MAX_INPUT_LENGTH else ""
        if folded.isascii():
            return None  # no Chinese in it, so no Chinese name
        best: tuple[str, list[Candidate]] | None = None
        for start in range(len(folded)):
            longest = min(self._longest_chinese, len(folded) - start)
            shortest = len(best[0]) + 1 if best else 2
            for size in range(longest, shortest - 1, -1):
                owners = self._chinese.get(folded[start : start + size])
                wanted = [c for c in owners or () if c.kind in kinds]
                if wanted:
                    best = (folded[start : start + size], wanted)
                    break
        return best

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

    def _fuzzy_candidates(self, text: str, kinds: tuple[str, ...]) -> list[_Scored]:
        """The best few distinct candidates worth mentioning, most likely first."""
        choices = self._choices_for(kinds)
        if not choices.texts:
            return []
        fits = _scores(text, choices)
        # Fits below the floor rank last, below every fit worth mentioning.
        likely = np.where(fits >= SUGGESTION_FLOOR, fits - choices.costs, -1.0)
        wanted = AMBIGUOUS_LIMIT + 1  # one more than offered, to know the runner-up
        ranked: dict[tuple[str, str], _Scored] = {}
        for index in _best_first(likely, limit=_RANKED_POOL):
            if likely[index] < 0 or len(ranked) == wanted:
                break
            owner = choices.owners[index]
            candidate = replace(owner, score=round(float(likely[index]), 1))
            ranked.setdefault((owner.kind, owner.key), _Scored(candidate, float(fits[index])))
        return list(ranked.values())

    def _choices_for(self, kinds: tuple[str, ...]) -> _Choices:
        """The choices of the wanted kinds, built once per combination."""
        wanted = frozenset(kinds)
        if wanted not in self._choices_by_kinds:
            pairs = [(text, owner) for text, owner in self._choices if owner.kind in wanted]
            self._choices_by_kinds[wanted] = _Choices.build(pairs, self._lesser_known)
        return self._choices_by_kinds[wanted]


def _lesser_known(securities: list[Security]) -> frozenset[str]:
    """Tickers of the securities outside the Hang Seng Composite Index (the only ones given a
    sector) that are not indexes. None when no security has a sector: nothing then tells the
    well known from the rest."""
    if not any(security.sector for security in securities):
        return frozenset()
    return frozenset(s.ticker for s in securities if not s.sector and not s.is_index)


def _decide(query: str, ranked: list[_Scored]) -> MatchResult:
    """Turn ranked candidates (most likely first) into one of the three outcomes.

    How well the text fits a name decides whether it is near enough to answer or offer; the
    ranking, in which a lesser-known security counts a little less than its fit, decides
    whether the best is clear of the runner-up.
    """
    if not ranked:
        return MatchResult(query, NONE, [])
    best = ranked[0]
    runner_up = ranked[1].candidate.score if len(ranked) > 1 else 0.0
    if best.fit >= HIGH and best.candidate.score - runner_up >= MARGIN:
        return MatchResult(query, MATCH, [best.candidate])
    close = [s.candidate for s in ranked if s.fit >= LOW]
    if close:
        return MatchResult(query, AMBIGUOUS, close[:AMBIGUOUS_LIMIT])
    near = [s.candidate for s in ranked if s.fit >= SUGGESTION_FLOOR]
    return MatchResult(query, NONE, near[:SUGGESTION_LIMIT])
