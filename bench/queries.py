"""What people type, drawn from the market itself: names, typos, sectors, movers and dates.

Every workload is seeded, so two runs time the same questions. Each query carries the ticker
(or sector) it was made from, so the benchmarks can also say how often the answer was right.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from handlers.core.match import SECTOR_ALIASES
from store.models import Security

# Words people leave out when they name a company ("tencent", not "Tencent Holdings Ltd").
LEGAL_WORDS = frozenset({"ltd", "co", "corp", "inc", "holdings", "group", "international"})
INDEX_FORMS = ("/close", "/close hsi", "/close hang seng", "/close 恒指", "/close ^HSI")
MOVERS_FORMS = ("/movers", "/movers 10", "/movers 10 losers", "/movers 3 gainers", "/movers 20")
# Keys side by side on a QWERTY keyboard: the letters a slipping finger hits instead.
_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours() -> dict[str, str]:
    """Each letter → the letters left and right of it on its keyboard row."""
    found: dict[str, str] = {}
    for row in _KEY_ROWS:
        for i, key in enumerate(row):
            found[key] = row[max(0, i - 1) : i] + row[i + 1 : i + 2]
    return found


_NEIGHBOURS = _neighbours()


@dataclass(frozen=True)
class Query:
    """One line to answer, and what it was made from (a ticker or a sector)."""

    text: str
    intended: str


def short_name(security: Security) -> str:
    """'Golden Dragon Pharmaceutical Holdings Ltd' → 'golden dragon pharmaceutical'."""
    words = security.name.lower().split()
    while len(words) > 1 and words[-1] in LEGAL_WORDS:
        words.pop()
    return " ".join(words)


def typo(text: str, rng: np.random.Generator) -> str:
    """One slip of the fingers: a letter dropped, doubled, swapped or hit next door."""
    positions = [i for i, ch in enumerate(text) if ch in string.ascii_lowercase]
    if len(positions) < 4:
        return text
    i = int(rng.choice(positions[1:]))  # people rarely get the first letter wrong
    kind = int(rng.integers(4))
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if kind == 2 and i + 1 < len(text) and text[i + 1] != " ":
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    near = _NEIGHBOURS.get(text[i], text[i])
    return text[:i] + str(rng.choice(list(near))) + text[i + 1 :]


def stocks_of(securities: Sequence[Security]) -> list[Security]:
    return [s for s in securities if not s.is_index]


def name_forms(security: Security) -> list[str]:
    """The ways a person names a security: full name, short name, Chinese name, aliases."""
    forms = [security.name, short_name(security)]
    forms += [security.name_zh] if security.name_zh else []
    return forms + list(security.aliases)


def _owners(stocks: Sequence[Security]) -> dict[str, set[str]]:
    """Each way of naming a stock (lower-cased) → the tickers it names; acronyms repeat."""
    owners: dict[str, set[str]] = {}
    for security in stocks:
        for form in name_forms(security):
            owners.setdefault(form.lower(), set()).add(security.ticker)
    return owners


def name_queries(
    securities: Sequence[Security], count: int, rng: np.random.Generator
) -> list[Query]:
    """Names as written, in every form the market has. A form several stocks share ('gd' for
    Golden Dragon and Grand Data) has no single right answer, so its `intended` is empty."""
    stocks = stocks_of(securities)
    owners = _owners(stocks)
    picks = rng.integers(len(stocks), size=count)
    queries = []
    for pick in picks:
        security = stocks[int(pick)]
        forms = name_forms(security)
        text = forms[int(rng.integers(len(forms)))]
        queries.append(Query(text, security.ticker if len(owners[text.lower()]) == 1 else ""))
    return queries


def typo_queries(
    securities: Sequence[Security], count: int, rng: np.random.Generator
) -> list[Query]:
    """Short English names with one typo each ('golden dragon pharmaceutcal')."""
    stocks = stocks_of(securities)
    picks = rng.integers(len(stocks), size=count)
    return [Query(typo(short_name(stocks[int(p)]), rng), stocks[int(p)].ticker) for p in picks]


def sector_queries(sectors: Sequence[str], count: int, rng: np.random.Generator) -> list[Query]:
    """A sector by name, by a nickname ('banks', '醫療'), or misspelt."""
    forms = [(s.lower(), s) for s in sectors]
    forms += [(alias, s) for alias, s in SECTOR_ALIASES.items() if s in sectors]
    queries = []
    for _ in range(count):
        text, sector = forms[int(rng.integers(len(forms)))]
        if rng.random() < 0.3:
            text = typo(text, rng)
        queries.append(Query(text, sector))
    return queries


def day_text(day: date, rng: np.random.Generator) -> str:
    """A date as people write it: '2024-06-03' or '3 Jun 2024'."""
    return day.isoformat() if rng.random() < 0.6 else f"{day.day} {day:%b %Y}"


def dated_queries(
    securities: Sequence[Security],
    first: date,
    last: date,
    count: int,
    rng: np.random.Generator,
) -> list[Query]:
    """A name or code with a past date, weekends included (answered with the nearest session)."""
    stocks = stocks_of(securities)
    span = (last - first).days
    queries = []
    for _ in range(count):
        security = stocks[int(rng.integers(len(stocks)))]
        who = security.ticker[:4] if rng.random() < 0.5 else short_name(security)
        day = first + timedelta(days=int(rng.integers(span + 1)))
        queries.append(Query(f"{who} {day_text(day, rng)}", security.ticker))
    return queries


# Plain questions as people send them (issue 17): about one stock, and about the market.
PLAIN_ABOUT_A_STOCK = (
    "how did {name} close today?",
    "what did {code} finish at on {day_month}",
    "how did {name} do on {day_month}",
    "{name} 3 months",
    "{name} yesterday",
    "{zh}今日收市幾多",
    "{zh}尋日點",
    "{zh}今天收盘",
)
PLAIN_ABOUT_THE_MARKET = (
    "biggest gainers",
    "why did the market rise",
    "how's the market",
    "what happened to bank stocks",
    "升幅最大",
    "點解今日升",
    "大市點",
    "內銀股今日點",
)


def plain_queries(
    securities: Sequence[Security],
    first: date,
    last: date,
    count: int,
    rng: np.random.Generator,
) -> list[Query]:
    """Plain questions, three in four about one stock (by its short name, code or Chinese
    name, with a day written day first), the rest about the market."""
    stocks = stocks_of(securities)
    span = (last - first).days
    queries = []
    for _ in range(count):
        if rng.random() < 0.25:
            text = PLAIN_ABOUT_THE_MARKET[int(rng.integers(len(PLAIN_ABOUT_THE_MARKET)))]
            queries.append(Query(text, ""))
            continue
        security = stocks[int(rng.integers(len(stocks)))]
        template = PLAIN_ABOUT_A_STOCK[int(rng.integers(len(PLAIN_ABOUT_A_STOCK)))]
        day = first + timedelta(days=int(rng.integers(span + 1)))
        text = template.format(
            name=short_name(security),
            code=security.ticker[:4],
            zh=security.name_zh or short_name(security),
            day_month=f"{day.day}/{day.month}/{day.year}",
        )
        queries.append(Query(text, security.ticker))
    return queries


def answer_workload(
    securities: Sequence[Security],
    sectors: Sequence[str],
    first: date,
    last: date,
    count: int,
    seed: int,
) -> dict[str, list[Query]]:
    """`count` command lines of each kind the answer benchmark times. The index, asked for
    with a bare /close, is the bot's most common question, so it has a kind of its own."""
    rng = np.random.default_rng(seed)
    movers = [MOVERS_FORMS[int(i)] for i in rng.integers(len(MOVERS_FORMS), size=count)]
    index = [INDEX_FORMS[int(i)] for i in rng.integers(len(INDEX_FORMS), size=count)]
    return {
        "/close (HSI)": [Query(text, "HSI") for text in index],
        "/close NAME": [
            Query(f"/close {q.text}", q.intended) for q in name_queries(securities, count, rng)
        ],
        "/close typo": [
            Query(f"/close {q.text}", q.intended) for q in typo_queries(securities, count, rng)
        ],
        "/sector X": [
            Query(f"/sector {q.text}", q.intended) for q in sector_queries(sectors, count, rng)
        ],
        "/movers": [Query(text, "") for text in movers],
        "/close X DATE": [
            Query(f"/close {q.text}", q.intended)
            for q in dated_queries(securities, first, last, count, rng)
        ],
        "plain words": plain_queries(securities, first, last, count, rng),
    }


def part_queries(
    securities: Sequence[Security], count: int, rng: np.random.Generator
) -> list[Query]:
    """A name with a word left out ('dragon pharmaceutical'); graded only where the words are
    still in one stock's name alone."""
    stocks = stocks_of(securities)
    names = [short_name(s) for s in stocks]
    queries = []
    for pick in rng.integers(len(stocks), size=count):
        words = names[int(pick)].split()
        if len(words) > 2:
            del words[0 if rng.random() < 0.5 else -1]
        text = " ".join(words)
        unique = sum(text in name for name in names) == 1
        queries.append(Query(text, stocks[int(pick)].ticker if unique else ""))
    return queries


def match_workload(securities: Sequence[Security], count: int, seed: int) -> list[Query]:
    """What the matcher sees: names as written (40%), with a typo (40%), in part (20%)."""
    rng = np.random.default_rng(seed)
    exact = name_queries(securities, count * 2 // 5, rng)
    typos = typo_queries(securities, count * 2 // 5, rng)
    parts = part_queries(securities, count - len(exact) - len(typos), rng)
    queries = exact + typos + parts
    return [queries[int(i)] for i in rng.permutation(len(queries))]
