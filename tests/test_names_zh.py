"""The names Hong Kong investors type: HKEX's Chinese names with their markers and variant
characters, everyday short names and nicknames (store/sample/names_zh.csv), in Traditional and
Simplified Chinese. The labelled set below is what README.md's accuracy figure is measured on.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from handlers.core.match import Matcher, MatchResult
from store import open_store
from store.chinese import to_simplified
from store.ingest import IngestError, read_names
from store.sample import SAMPLE_NAMES

# (what someone types, the outcome expected, the ticker answered or among those offered)
SHORT_NAMES: list[tuple[str, str, str]] = [
    # everyday short names of banks and insurers, as HK media write them
    ("建行", "match", "0939.HK"),
    ("工行", "match", "1398.HK"),
    ("中行", "match", "3988.HK"),
    ("農行", "match", "1288.HK"),
    ("招行", "match", "3968.HK"),
    ("交行", "match", "3328.HK"),
    ("匯控", "match", "0005.HK"),
    ("滙控", "match", "0005.HK"),
    ("大笨象", "match", "0005.HK"),
    ("平保", "match", "2318.HK"),
    ("國壽", "match", "2628.HK"),
    ("友邦", "match", "1299.HK"),
    ("渣打", "match", "2888.HK"),
    ("中金", "match", "3908.HK"),
    # property, utilities, conglomerates
    ("新地", "match", "0016.HK"),
    ("長實", "match", "1113.HK"),
    ("恒地", "match", "0012.HK"),
    ("恆地", "match", "0012.HK"),
    ("九倉", "match", "0004.HK"),
    ("領展", "match", "0823.HK"),
    ("中海外", "match", "0688.HK"),
    ("中電", "match", "0002.HK"),
    ("煤氣", "match", "0003.HK"),
    ("長建", "match", "1038.HK"),
    ("港鐵", "match", "0066.HK"),
    ("國泰", "match", "0293.HK"),
    ("銀娛", "match", "0027.HK"),
    # energy, materials, telecoms
    ("中海油", "match", "0883.HK"),
    ("中石油", "match", "0857.HK"),
    ("中石化", "match", "0386.HK"),
    ("神華", "match", "1088.HK"),
    ("紫金", "match", "2899.HK"),
    ("中移動", "match", "0941.HK"),
    ("中電信", "match", "0728.HK"),
    ("中聯通", "match", "0762.HK"),
    # technology and consumer names
    ("騰訊", "match", "0700.HK"),
    ("阿里", "match", "9988.HK"),
    ("美團", "match", "3690.HK"),
    ("小米", "match", "1810.HK"),
    ("京東", "match", "9618.HK"),
    ("百度", "match", "9888.HK"),
    ("中芯", "match", "0981.HK"),
    ("比亞迪", "match", "1211.HK"),
    ("B站", "match", "9626.HK"),
    ("安踏", "match", "2020.HK"),
    ("港交所", "match", "0388.HK"),
    ("盈富", "match", "2800.HK"),
    ("恒指", "match", "HSI"),
    ("國指", "match", "HSCEI"),
    ("恒科", "match", "HSTECH"),
    # the same names in Simplified Chinese
    ("建行", "match", "0939.HK"),
    ("汇控", "match", "0005.HK"),
    ("农行", "match", "1288.HK"),
    ("国寿", "match", "2628.HK"),
    ("长实", "match", "1113.HK"),
    ("领展", "match", "0823.HK"),
    ("中移动", "match", "0941.HK"),
    ("腾讯", "match", "0700.HK"),
    ("美团", "match", "3690.HK"),
    ("港交所", "match", "0388.HK"),
    ("中联通", "match", "0762.HK"),
    ("京东", "match", "9618.HK"),
    # HKEX's official names, with their markers and as people write them
    ("建設銀行", "match", "0939.HK"),
    ("建设银行", "match", "0939.HK"),
    ("滙豐控股", "match", "0005.HK"),
    ("匯豐控股", "match", "0005.HK"),
    ("汇丰", "match", "0005.HK"),
    ("恒生銀行", "match", "0011.HK"),
    ("恆生銀行", "match", "0011.HK"),
    ("恆生指數", "match", "HSI"),
    ("小米集團－Ｗ", "match", "1810.HK"),
    ("小米集團-W", "match", "1810.HK"),
    ("京東集團－ＳＷ", "match", "9618.HK"),
    ("美團－Ｗ", "match", "3690.HK"),
    ("阿里巴巴", "match", "9988.HK"),
    ("騰訊控股", "match", "0700.HK"),
    ("中國平安", "match", "2318.HK"),
    ("友邦保險", "match", "1299.HK"),
    ("中銀香港", "match", "2388.HK"),
    ("華潤置地", "match", "1109.HK"),
    ("港燈", "match", "2638.HK"),
    ("海底撈", "match", "6862.HK"),
    # shortened the way people shorten them, without a row of their own
    ("長城汽車", "match", "2333.HK"),
    ("中國移動", "match", "0941.HK"),
    # names that fit more than one: offered as choices, never one guessed
    ("藥明", "ambiguous", "2269.HK"),
    ("藥明", "ambiguous", "2359.HK"),
    ("信達", "ambiguous", "1801.HK"),
    ("恒隆", "ambiguous", "0101.HK"),
    ("中信", "ambiguous", "0998.HK"),
    ("中廣核", "ambiguous", "1816.HK"),
]


def _is_right(result: MatchResult, outcome: str, key: str) -> bool:
    keys = [c.key for c in result.candidates]
    if result.outcome != outcome:
        return False
    return keys == [key] if outcome == "match" else key in keys


def short_name_accuracy(matcher: Matcher) -> tuple[int, int, list[str]]:
    """(right, asked, the queries answered wrongly): the figure in README.md."""
    wrong = [q for q, o, k in SHORT_NAMES if not _is_right(matcher.match(q), o, k)]
    return len(SHORT_NAMES) - len(wrong), len(SHORT_NAMES), wrong


@pytest.fixture(scope="module")
def matcher(sample_db: Path) -> Matcher:
    store = open_store(sample_db)
    try:
        return Matcher.from_securities(store.market.securities(), store.market.sectors())
    finally:
        store.close()


def test_at_least_95_percent_of_the_chinese_short_names_are_answered_right(matcher):
    right, asked, wrong = short_name_accuracy(matcher)
    assert right / asked >= 0.95, wrong


def test_every_everyday_name_in_the_file_answers_its_own_security(matcher):
    for row in read_names(SAMPLE_NAMES):
        for form in (row.name, to_simplified(row.name)):
            result = matcher.match(form, kinds=("security",))
            assert result.outcome == "match", (form, result)
            assert result.best is not None and result.best.key == row.ticker, (form, result)


def test_every_everyday_name_says_where_people_use_it():
    with SAMPLE_NAMES.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) >= 100
    for row in rows:
        source = row["source"]
        assert source.startswith("https://") or "https://" in source or "(" in source, row


def test_a_name_given_to_two_securities_is_refused_and_nothing_is_loaded(store, write_file):
    path = write_file("names.csv", "ticker,name,source\n0939.HK,建行,a\n1398.HK,建行,b\n")
    with pytest.raises(IngestError, match="row 2, column 'name': the same name is given to two"):
        read_names(path)


def test_a_name_without_a_source_is_refused(write_file):
    path = write_file("names.csv", "ticker,name,source\n0939.HK,建行,\n")
    with pytest.raises(IngestError, match="row 1, column 'source': say where people use"):
        read_names(path)


def test_a_name_for_a_security_not_in_the_store_loads_nothing(store, write_file):
    from datetime import date

    from store import ingest

    before = store.market.security("0939.HK")
    path = write_file("names.csv", "ticker,name,source\n0939.HK,建建,a\n4444.HK,無此股,b\n")
    with pytest.raises(IngestError, match="row 2, column 'ticker': unknown security"):
        ingest(store, names=path, today=date(2025, 6, 4))
    assert store.market.security("0939.HK") == before
