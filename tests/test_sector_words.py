"""/sector quotes the summary sentences that speak of the sector, judged by meaning."""

import pytest

from handlers.core.sector_words import (
    SectorWords,
    company_terms,
    members_by_sector,
    sector_terms,
    summary_sentences,
)
from store.ingest import read_summary
from store.models import Security
from store.sample import SAMPLE_SUMMARY

HEALTHCARE = "Healthcare"
TECH = "Information Technology"
PROPERTY = "Properties & Construction"
CONSUMER = "Consumer Discretionary"
UTILITIES = "Utilities"
INDUSTRIALS = "Industrials"

SECURITIES = [
    Security(
        "1801.HK", "Innovent Biologics", "信達生物", HEALTHCARE, aliases=("innovent", "信达生物")
    ),
    Security("1093.HK", "CSPC Pharmaceutical Group Ltd", "石藥集團", HEALTHCARE, aliases=("cspc",)),
    Security("1810.HK", "Xiaomi Corp", "小米集團-W", TECH, aliases=("xiaomi",)),
    Security("2382.HK", "Sunny Optical Technology Group Co Ltd", "舜宇光學科技", INDUSTRIALS),
    Security("6969.HK", "Smoore International", "思摩爾國際", CONSUMER, aliases=("smoore",)),
    Security("9992.HK", "Pop Mart", "泡泡瑪特", CONSUMER, aliases=("pop mart",)),
    Security("3690.HK", "Meituan", "美團-W", CONSUMER, aliases=("meituan",)),
    Security("0016.HK", "Sun Hung Kai Properties Ltd", "新鴻基地產", PROPERTY, aliases=("shkp",)),
    Security("0823.HK", "Link REIT", "領展房產基金", PROPERTY, aliases=("link reit", "link")),
    Security("0005.HK", "HSBC Holdings PLC", "滙豐控股", "Financials", aliases=("hsbc",)),
    Security("3988.HK", "Bank of China Ltd", "中國銀行", "Financials", aliases=("bank of china",)),
    Security("0941.HK", "China Mobile Ltd", "中國移動", "Telecommunications"),
    # One-word names that are ordinary words, or words in many companies' names.
    Security("0006.HK", "Power Assets Holdings Ltd", "電能實業", UTILITIES, aliases=("power",)),
    Security("1186.HK", "China Railway Construction Corp", None, INDUSTRIALS, aliases=("china",)),
    Security("0083.HK", "Sino Land Co Ltd", "信和置業", PROPERTY, aliases=("sino",)),
    Security("1177.HK", "Sino Biopharmaceutical Ltd", "中國生物製藥", HEALTHCARE),
    Security("3377.HK", "Sino-Ocean Group Holding Ltd", None, PROPERTY),
]


def words_for(securities: list[Security] = SECURITIES) -> SectorWords:
    """The index /sector builds: every sector's terms at once."""
    grouped = members_by_sector(securities)
    return SectorWords(
        term for sector, members in grouped.items() for term in sector_terms(sector, members)
    )


@pytest.fixture(scope="module")
def sample_body() -> str:
    _, body = read_summary(SAMPLE_SUMMARY)
    return body


def test_sector_property_does_not_quote_the_healthcare_sentence_about_drug_developers(
    sample_body,
):
    assert words_for().sentences_about(sample_body, PROPERTY) == []


def test_healthcare_gets_the_healthcare_sentence_and_the_innovent_and_cspc_sentences(
    sample_body,
):
    found = words_for().sentences_about(sample_body, HEALTHCARE)
    assert [s.split()[0] for s in found] == ["Healthcare", "Innovent", "CSPC"]
    assert "China's drug developers" in found[0]


def test_information_technology_gets_the_xiaomi_sentence(sample_body):
    found = words_for().sentences_about(sample_body, TECH)
    assert len(found) == 1
    assert found[0].startswith("In technology, Xiaomi gained 0.47%")


def test_consumer_discretionary_gets_the_smoore_pop_mart_and_meituan_sentence(sample_body):
    found = words_for().sentences_about(sample_body, CONSUMER)
    assert len(found) == 1
    assert all(name in found[0] for name in ("Smoore International", "Pop Mart", "Meituan"))


def test_the_trade_sentences_speak_of_no_sector(sample_body):
    words = words_for()
    trade = [s for s in summary_sentences(sample_body) if "trade" in s.lower()]
    assert trade and all(words.sectors_of(s) == set() for s in trade)


def test_quoted_sentences_keep_their_order_in_the_summary():
    text = "Meituan's rivals slipped. Then Pop Mart rose. Smoore International fell."
    assert words_for().sentences_about(text, CONSUMER) == [
        "Then Pop Mart rose.",
        "Smoore International fell.",
    ]


def test_a_sentence_about_sun_hung_kai_and_other_developers_goes_to_property():
    sentence = "Sun Hung Kai Properties and other developers fell."
    assert words_for().sectors_of(sentence) == {PROPERTY}


def test_a_sentence_may_speak_of_several_sectors():
    sentence = "Gains at Xiaomi and Meituan offset a fall at HSBC."
    assert words_for().sectors_of(sentence) == {TECH, CONSUMER, "Financials"}


@pytest.mark.parametrize(
    "sentence",
    [
        "Investors weighed the link between tariffs and earnings.",
        "Link between the two talks was unclear.",
        "Exporters lost pricing power as tariffs bit.",
        "Power cuts were not expected.",
        "Hopes for China's stimulus lifted the mood.",
        "Sino-US trade talks were expected.",
        "Consumer prices in the mainland fell again.",
        "Retail investors bought the dip.",
        "It was a quiet day.",
    ],
)
def test_an_ordinary_word_equal_to_a_one_word_name_does_not_pull_a_sentence_in(sentence):
    assert words_for().sectors_of(sentence) == set()


def test_a_one_word_name_written_as_a_name_inside_a_sentence_counts():
    assert words_for().sectors_of("Shares of Link fell 1%.") == {PROPERTY}


def test_a_one_word_name_opening_a_sentence_counts_when_no_ordinary_word_looks_like_it():
    assert words_for().sectors_of("HSBC rose 1%.") == {"Financials"}
    assert words_for().sectors_of("Link rose 1%.") == set()


def test_the_longest_term_wins_an_overlap_whatever_its_sector():
    sentence = "Sunny Optical Technology Group fell."
    assert words_for().sectors_of(sentence) == {INDUSTRIALS}


def test_a_chinese_sentence_naming_innovent_goes_to_healthcare():
    text = "恒指升0.6%。信達生物急升14%，帶動醫藥股。小米集團升0.5%。"
    assert words_for().sentences_about(text, HEALTHCARE) == ["信達生物急升14%，帶動醫藥股。"]


def test_a_chinese_company_name_claims_the_sector_word_inside_it():
    assert words_for().sectors_of("舜宇光學科技下跌。") == {INDUSTRIALS}
    assert words_for().sectors_of("科技股造好。") == {TECH}


def test_chinese_names_are_also_found_without_their_share_class_and_group_word():
    forms = {t.text for t in company_terms(SECURITIES[2], TECH)}
    assert {"小米集團", "小米", "Xiaomi"} <= forms


def test_chinese_summaries_split_into_sentences_at_the_full_stop():
    assert summary_sentences("恒指升。科技股跌！") == ["恒指升。", "科技股跌！"]
