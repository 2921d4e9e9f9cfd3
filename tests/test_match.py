"""Matching what people type to securities and sectors."""

from __future__ import annotations

import string

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from handlers.core.match import SECTOR_ALIASES, Candidate, Matcher, MatchResult, normalise
from store import open_store
from store.models import Security

HSICS_SECTORS = {
    "Conglomerates",
    "Consumer Discretionary",
    "Consumer Staples",
    "Energy",
    "Financials",
    "Healthcare",
    "Industrials",
    "Information Technology",
    "Materials",
    "Properties & Construction",
    "Telecommunications",
    "Utilities",
}

NONSENSE = [
    "xyzzy",
    "asdfgh",
    "qwerty",
    "zzzz",
    "!!!",
    "",
    "   ",
    "x" * 10_000,
    "😀",
    "🚀📈💰",
    "'; DROP TABLE closes; --",
    "\u200b\u200f",
    "\u0301",
    "lorem ipsum dolor sit amet",
]

# (query, expected outcome, expected key): for "match" the key is the one answer; for
# "ambiguous" it must be among the choices offered; for "none" it is None.
LABELLED = [
    # codes in every common form
    ("1801", "match", "1801.HK"),
    ("01801", "match", "1801.HK"),
    ("1801.HK", "match", "1801.HK"),
    ("1801.hk", "match", "1801.HK"),
    ("HK:1801", "match", "1801.HK"),
    ("１８０１", "match", "1801.HK"),
    ("$700", "match", "0700.HK"),
    ("700", "match", "0700.HK"),
    ("5", "match", "0005.HK"),
    ("hsi", "match", "HSI"),
    ("^HSI", "match", "HSI"),
    # names and aliases as written
    ("innovent", "match", "1801.HK"),
    ("Innovent Biologics", "match", "1801.HK"),
    ("TENCENT", "match", "0700.HK"),
    ("xiaomi corp", "match", "1810.HK"),
    ("popmart", "match", "9992.HK"),
    ("pop mart", "match", "9992.HK"),
    ("Pop-Mart", "match", "9992.HK"),
    ("wuxi bio", "match", "2269.HK"),
    ("wuxi biologics", "match", "2269.HK"),
    ("wuxi apptec", "match", "2359.HK"),
    ("hang seng", "match", "HSI"),
    ("hang seng bank", "match", "0011.HK"),
    ("Hang Seng Index", "match", "HSI"),
    ("sun hung kai", "match", "0016.HK"),
    ("china mobile", "match", "0941.HK"),
    ("hsbc", "match", "0005.HK"),
    ("hkex", "match", "0388.HK"),
    ("jd.com", "match", "9618.HK"),
    ("bank of china", "match", "3988.HK"),
    ("alibaba health", "match", "0241.HK"),
    ("li ning", "match", "2331.HK"),
    # typos
    ("inovent", "match", "1801.HK"),
    ("tencnet", "match", "0700.HK"),
    ("xiaomy", "match", "1810.HK"),
    ("alibba", "match", "9988.HK"),
    ("meitaun", "match", "3690.HK"),
    ("petrochna", "match", "0857.HK"),
    ("lenvo", "match", "0992.HK"),
    ("geeley", "match", "0175.HK"),
    ("netese", "match", "9999.HK"),
    ("sinopharma", "match", "1099.HK"),
    # parts of names, and names with extra words
    ("pop", "match", "9992.HK"),
    ("unicom", "match", "0762.HK"),
    ("hongqiao", "match", "1378.HK"),
    ("hutchison", "match", "0001.HK"),
    ("henderson land", "match", "0012.HK"),
    ("sunny optical", "match", "2382.HK"),
    ("mengniu dairy", "match", "2319.HK"),
    ("tencent holdings", "match", "0700.HK"),
    ("xiaomi corporation", "match", "1810.HK"),
    ("innovent biologics ltd", "match", "1801.HK"),
    # Chinese, Traditional and Simplified, whole and in part
    ("信達生物", "match", "1801.HK"),
    ("信达生物", "match", "1801.HK"),
    # Simplified 信达 is in 信達生物 (Innovent) and in 中國信達 (China Cinda), both index members
    # on the whole board: a choice, not Innovent alone.
    ("信达", "ambiguous", "1801.HK"),
    ("騰訊", "match", "0700.HK"),
    ("腾讯控股", "match", "0700.HK"),
    ("泡泡瑪特", "match", "9992.HK"),
    ("泡泡玛特", "match", "9992.HK"),
    ("小米", "match", "1810.HK"),
    ("恒指", "match", "HSI"),
    ("匯豐", "match", "0005.HK"),
    ("港交所", "match", "0388.HK"),
    ("恒生銀行", "match", "0011.HK"),
    ("比亚迪", "match", "1211.HK"),
    ("美团", "match", "3690.HK"),
    ("药明生物", "match", "2269.HK"),
    # sectors
    ("healthcare", "match", "Healthcare"),
    ("helthcare", "match", "Healthcare"),
    ("health care", "match", "Healthcare"),
    ("biotech", "match", "Healthcare"),
    ("tech", "match", "Information Technology"),
    ("Information Technology", "match", "Information Technology"),
    ("banks", "match", "Financials"),
    ("finacials", "match", "Financials"),
    ("real estate", "match", "Properties & Construction"),
    ("utilites", "match", "Utilities"),
    ("materails", "match", "Materials"),
    ("consumer staples", "match", "Consumer Staples"),
    ("醫療保健業", "match", "Healthcare"),
    ("医疗保健", "match", "Healthcare"),
    ("科技", "match", "Information Technology"),
    ("金融", "match", "Financials"),
    ("地產", "match", "Properties & Construction"),
    # more than one fits
    ("wuxi", "ambiguous", "2269.HK"),
    ("china", "ambiguous", None),
    # 阿里 is what people call Alibaba Group (store/sample/names_zh.csv), not 阿里健康
    ("阿里", "match", "9988.HK"),
    ("li", "ambiguous", None),
    ("bank", "ambiguous", None),
    ("ck", "ambiguous", "0001.HK"),
    # not in the first, 89-stock sample, so once expected to find nothing; listed on the board
    ("swire", "ambiguous", "0019.HK"),  # Swire Pacific A and B and Swire Properties all fit
    ("cathay", "ambiguous", "0293.HK"),  # Cathay Pacific and Cathay Group: both begin "Cathay"
    ("new world", "match", "0017.HK"),  # New World Development, the only "New World" listed
    ("1234", "match", "1234.HK"),  # China Lilang's code
    # the whole board's indexes, funds and other listings people ask about
    ("2800", "match", "2800.HK"),
    ("tracker fund", "match", "2800.HK"),
    ("nio", "match", "9866.HK"),
    ("hstech", "match", "HSTECH"),
    ("hang seng tech", "match", "HSTECH"),
    ("恒生科技指數", "match", "HSTECH"),
    ("恒科", "match", "HSTECH"),
    ("hscei", "match", "HSCEI"),
    ("國企指數", "match", "HSCEI"),
    ("link reit", "match", "0823.HK"),
    # an unlisted code, and nonsense
    ("1236", "none", None),
    *((query, "none", None) for query in NONSENSE),
]


def _short_id(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 30 else f"{text[:24]}...({len(text)})"


@pytest.fixture(scope="module")
def sample(sample_db) -> tuple[list[Security], list[str]]:
    store = open_store(sample_db)
    try:
        return store.market.securities(), store.market.sectors()
    finally:
        store.close()


@pytest.fixture(scope="module")
def matcher(sample: tuple[list[Security], list[str]]) -> Matcher:
    return Matcher.from_securities(*sample)


def _is_right(result: MatchResult, outcome: str, key: str | None) -> bool:
    if result.outcome != outcome:
        return False
    keys = [candidate.key for candidate in result.candidates]
    if outcome == "match":
        return keys == [key]
    return key is None or key in keys


@pytest.mark.parametrize(("query", "outcome", "key"), LABELLED, ids=_short_id)
def test_labelled_query_gets_expected_answer(
    matcher: Matcher, query: str, outcome: str, key: str | None
) -> None:
    result = matcher.match(query)
    assert _is_right(result, outcome, key), result


def test_nonsense_never_gets_a_confident_match(matcher: Matcher) -> None:
    confident = [q for q in NONSENSE if matcher.match(q).outcome == "match"]
    assert confident == []


def test_inovent_typo_matches_innovent(matcher: Matcher) -> None:
    result = matcher.match("inovent")
    assert result.outcome == "match"
    assert result.best is not None
    assert (result.best.kind, result.best.key, result.best.label) == (
        "security",
        "1801.HK",
        "Innovent Biologics (1801.HK)",
    )
    assert 0 < result.best.score < 100


def test_wuxi_offers_the_wuxi_companies(matcher: Matcher) -> None:
    result = matcher.match("wuxi")
    assert result.outcome == "ambiguous"
    assert {"2268.HK", "2269.HK", "2359.HK"} <= {c.key for c in result.candidates}


def test_swire_offers_the_swire_companies(matcher: Matcher) -> None:
    result = matcher.match("swire")
    assert result.outcome == "ambiguous"
    assert {"0019.HK", "0087.HK", "1972.HK"} <= {c.key for c in result.candidates}


def test_a_lesser_known_security_fitting_as_well_is_offered_after_an_index_member() -> None:
    matcher = Matcher.from_securities(
        [
            Security("1981.HK", "Cathay GP"),
            Security("0293.HK", "Cathay Pac Air", sector="Consumer Discretionary"),
        ],
        ["Consumer Discretionary"],
    )
    result = matcher.match("cathay")
    assert (result.outcome, [c.key for c in result.candidates]) == (
        "ambiguous",
        ["0293.HK", "1981.HK"],
    )


def test_an_index_member_fitting_a_little_worse_beats_a_lesser_known_security() -> None:
    matcher = Matcher.from_securities(
        [
            Security("1099.HK", "Sinopharm Group Co Ltd", sector="Healthcare"),
            Security("6833.HK", "Sinco Pharma"),
        ],
        ["Healthcare"],
    )
    result = matcher.match("sinopharma")
    assert (result.outcome, [c.key for c in result.candidates]) == ("match", ["1099.HK"])


def test_without_sectors_no_security_is_ranked_down() -> None:
    matcher = Matcher.from_securities(
        [Security("1099.HK", "Sinopharm Group Co Ltd"), Security("6833.HK", "Sinco Pharma")], []
    )
    assert matcher.match("sinopharma").outcome == "ambiguous"


def test_two_swapped_letters_are_one_slip() -> None:
    meituan, meitu = (
        Security("3690.HK", "Meituan", sector="Consumer Discretionary"),
        Security("1357.HK", "Meitu", sector="Consumer Discretionary"),
    )
    result = Matcher.from_securities([meituan, meitu], []).match("meitaun")
    assert (result.outcome, [c.key for c in result.candidates]) == ("match", ["3690.HK"])


def test_a_part_inside_a_word_is_weaker_than_one_starting_a_word() -> None:
    matcher = Matcher.from_securities(
        [Security("9992.HK", "Pop Mart"), Security("3158.HK", "GX Kpop Culture")], []
    )
    result = matcher.match("pop")
    assert (result.outcome, [c.key for c in result.candidates]) == ("match", ["9992.HK"])


def test_the_first_words_of_a_name_match_it_however_near_its_length() -> None:
    matcher = Matcher.from_securities([Security("0017.HK", "New World Dev")], [])
    assert matcher.match("new world").outcome == "match"


def test_hang_seng_bank_is_the_bank_not_the_index(matcher: Matcher) -> None:
    result = matcher.match("hang seng bank")
    assert result.outcome == "match"
    assert result.best is not None
    assert result.best.key == "0011.HK"


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "!!!", "\u200b"])
def test_empty_query_has_no_candidates(matcher: Matcher, query: str) -> None:
    assert matcher.match(query) == MatchResult(query=query, outcome="none", candidates=[])


def test_exact_match_scores_100(matcher: Matcher) -> None:
    best = matcher.match("innovent").best
    assert best is not None
    assert best.score == 100.0


def test_security_label_shows_name_and_ticker(matcher: Matcher) -> None:
    best = matcher.match("hsi").best
    assert best is not None
    assert best.label == "Hang Seng Index (HSI)"


def test_sector_candidate_is_keyed_and_labelled_by_sector_name(matcher: Matcher) -> None:
    assert matcher.match("biotech").best == Candidate(
        kind="sector", key="Healthcare", label="Healthcare", score=100.0
    )


def test_ambiguous_answer_offers_at_most_four_distinct_choices(matcher: Matcher) -> None:
    result = matcher.match("china")
    keys = [c.key for c in result.candidates]
    assert result.outcome == "ambiguous"
    assert 2 <= len(keys) <= 4
    assert len(set(keys)) == len(keys)


def test_candidates_are_ranked_best_first(matcher: Matcher) -> None:
    scores = [c.score for c in matcher.match("hang seng bk").candidates]
    assert scores == sorted(scores, reverse=True)


def test_none_answer_suggests_at_most_three(matcher: Matcher) -> None:
    result = matcher.match("qwerty")
    assert result.outcome == "none"
    assert len(result.candidates) <= 3


def test_sector_only_search_ignores_securities(matcher: Matcher) -> None:
    result = matcher.match("1801", kinds=("sector",))
    assert result.outcome == "none"
    assert all(c.kind == "sector" for c in matcher.match("tencent", kinds=("sector",)).candidates)


def test_sector_only_search_finds_a_misspelt_sector(matcher: Matcher) -> None:
    result = matcher.match("helthcare", kinds=("sector",))
    assert (result.outcome, [c.key for c in result.candidates]) == ("match", ["Healthcare"])


def test_security_only_search_ignores_sectors(matcher: Matcher) -> None:
    for query in ("healthcare", "biotech", "tech", "banks"):
        assert all(
            c.kind == "security" for c in matcher.match(query, kinds=("security",)).candidates
        )


def test_unlisted_stock_code_is_not_matched_to_a_name(
    sample: tuple[list[Security], list[str]], matcher: Matcher
) -> None:
    securities, _ = sample
    assert "1236.HK" not in {security.ticker for security in securities}
    assert matcher.match("1236").outcome == "none"


@pytest.mark.parametrize("digits", ["0", "00", "000000"])
def test_digits_that_make_no_stock_code_are_not_matched_to_names_holding_digits(
    matcher: Matcher, digits: str
) -> None:
    # "0" is in Guofuhee-50 and Best Mart 360, and is no code of either
    result = matcher.match(digits)
    assert (result.outcome, result.candidates) == ("none", [])


def test_very_long_query_is_not_matched(matcher: Matcher) -> None:
    assert matcher.match("tencent " * 1250).outcome == "none"


def test_sector_aliases_name_only_hsics_sectors() -> None:
    assert set(SECTOR_ALIASES.values()) <= HSICS_SECTORS


def test_sector_aliases_are_already_normalised() -> None:
    assert all(normalise(alias) == alias for alias in SECTOR_ALIASES)


def test_sector_alias_for_a_sector_not_in_the_data_is_ignored() -> None:
    matcher = Matcher.from_securities([], ["Healthcare"])
    assert matcher.match("biotech").outcome == "match"
    assert all(c.key == "Healthcare" for c in matcher.match("banks").candidates)


def test_unknown_kind_is_a_programming_error(matcher: Matcher) -> None:
    with pytest.raises(ValueError, match="securities"):
        matcher.match("tencent", kinds=("securities",))


def test_empty_index_answers_none() -> None:
    assert Matcher.from_securities([], []).match("tencent").outcome == "none"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Tencent  ", "tencent"),
        ("ＴＥＮＣＥＮＴ", "tencent"),
        ("$700", "700"),
        ("pop    mart", "pop mart"),
        ("«innovent»!", "innovent"),
        ("ten\u200bcent", "tencent"),
        ("jd.com", "jd.com"),
        ("信達生物", "信達生物"),
        ("", ""),
    ],
)
def test_normalise_folds_width_case_spacing_and_edges(text: str, expected: str) -> None:
    assert normalise(text) == expected


@settings(max_examples=100, deadline=None)
@given(query=st.text())
def test_match_never_fails_on_any_text(matcher: Matcher, query: str) -> None:
    result = matcher.match(query)
    assert result.outcome in {"match", "ambiguous", "none"}
    assert len(result.candidates) <= 4


@settings(max_examples=100, deadline=None)
@given(query=st.text(alphabet=string.ascii_letters, min_size=12))
def test_match_answers_sensibly_for_random_letters(matcher: Matcher, query: str) -> None:
    result = matcher.match(query)
    assert result.outcome in {"match", "ambiguous", "none"}
    assert len(result.candidates) <= 4
    assert len({c.key for c in result.candidates}) == len(result.candidates)


@settings(max_examples=200, deadline=None)
@given(query=st.text(alphabet="abcehiklmnopstu 信達生物中國", min_size=2, max_size=3))
def test_a_short_query_reaches_the_part_cut_off_only_in_texts_holding_its_pairs(
    matcher: Matcher, query: str
) -> None:
    from handlers.core.match import _LENGTH_RATIO, _PART_CUTOFF, KINDS, _holding_pairs

    choices = matcher._choices_for(KINDS)
    # Only texts clearly longer than the query are compared as names it is a part of.
    longer = int(np.searchsorted(choices.lengths, _LENGTH_RATIO * len(query)))
    texts = choices.texts[longer:]
    partial = process.cdist([query], texts, scorer=fuzz.partial_ratio, processor=None)[0]
    reached = set(np.flatnonzero(partial >= _PART_CUTOFF) + longer)
    assert reached <= set(_holding_pairs(query, choices, longer))


@settings(max_examples=100, deadline=None)
@given(query=st.text(alphabet="aeinorstu 1 信達生物中國-", min_size=1, max_size=14))
def test_texts_skipped_for_their_script_could_not_have_scored(matcher: Matcher, query: str) -> None:
    from handlers.core.match import KINDS

    choices = matcher._choices_for(KINDS)
    script = choices.comparable(query)
    if script is None:
        return
    skipped = np.setdiff1d(np.arange(len(choices.texts)), script.positions)
    texts = [choices.texts[i] for i in skipped]
    every = process.cdist([query], texts, scorer=fuzz.ratio, processor=None)[0]
    assert len(texts) and not every.any()  # nothing in common, nothing scored


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, 50.0, 70.0, 70.5, 90.0, 100.0]), min_size=1, max_size=300),
    st.integers(min_value=1, max_value=80),
)
def test_the_partial_ranking_equals_a_stable_sort_ties_included(scores, limit):
    from handlers.core.match import _best_first

    values = np.array(scores)
    expected = np.argsort(-values, kind="stable")[:limit]
    assert list(_best_first(values, limit=limit)[:limit]) == list(expected)
