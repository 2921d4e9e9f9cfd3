"""The bundled sample files hold prices HKEX could have printed, read straight from the CSVs."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from store.quality import implausible_closes, on_price_steps

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "store" / "sample"

PRICES = ["open", "high", "low", "close"]
LAST_SESSION = "2025-06-04"
SESSIONS = ["2025-05-30", "2025-06-02", "2025-06-03", LAST_SESSION]
# The first sample's stocks beyond the HSI members: Innovent, Smoore, Pop Mart, Midea, ZTO.
FIRST_SAMPLE_EXTRAS = {"1801.HK", "6969.HK", "9992.HK", "0300.HK", "2057.HK"}


def _read_closes(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DIR / name, dtype={"date": str, "ticker": str})


@pytest.fixture(scope="module")
def closes() -> pd.DataFrame:
    return _read_closes("closes.csv")


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return _read_closes("history.csv")


@pytest.fixture(scope="module")
def every_close(closes: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([history, closes], ignore_index=True)


@pytest.fixture(scope="module")
def stocks(every_close: pd.DataFrame) -> pd.DataFrame:
    return every_close[every_close["ticker"].str.endswith(".HK")]


@pytest.fixture(scope="module")
def securities() -> pd.DataFrame:
    frame = pd.read_csv(SAMPLE_DIR / "securities.csv", dtype=str, keep_default_na=False)
    return frame.set_index("ticker")


@pytest.fixture(scope="module")
def members() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DIR / "members.csv", dtype=str)


def _on(closes: pd.DataFrame, ticker: str, day: str = LAST_SESSION) -> pd.Series:
    rows = closes[(closes["ticker"] == ticker) & (closes["date"] == day)]
    assert len(rows) == 1, f"{ticker} on {day}: {len(rows)} rows"
    return rows.iloc[0]


@pytest.mark.parametrize("column", [*PRICES, "prev_close"])
def test_every_stock_price_sits_on_hkex_price_steps(stocks: pd.DataFrame, column: str) -> None:
    prices = stocks[column].dropna()
    off = stocks.loc[prices.index[~on_price_steps(prices)], ["date", "ticker", column]]
    assert off.empty, off.head().to_string()


def test_each_day_s_low_is_at_most_its_high(every_close: pd.DataFrame) -> None:
    """(The open may sit outside the continuous session's range: it is set by the opening
    auction, and the data keeps it as printed.)"""
    given = every_close[["low", "high"]].dropna()
    assert (given["low"] <= given["high"]).all()


@pytest.mark.parametrize(
    ("ticker", "close"),
    [
        ("0941.HK", 88.85), ("0939.HK", 7.22), ("1211.HK", 406.20), ("0700.HK", 512.00),
        ("1801.HK", 74.25), ("HSI", 23654.03), ("HSTECH", 5219.02), ("HSCEI", 8576.75),
    ],
)  # fmt: skip
def test_the_closes_of_4_june_are_the_printed_ones(
    closes: pd.DataFrame, ticker: str, close: float
) -> None:
    assert _on(closes, ticker)["close"] == close


def test_innovent_s_day_ran_from_68_55_to_76_95(closes: pd.DataFrame) -> None:
    day = _on(closes, "1801.HK")
    assert (day["low"], day["high"]) == (68.55, 76.95)


def test_every_hsci_stock_that_traded_has_a_close_on_4_june(closes: pd.DataFrame) -> None:
    last = closes[closes["date"] == LAST_SESSION]
    assert last["ticker"].str.endswith(".HK").sum() == 493


def test_closes_hold_the_four_sample_sessions_and_history_the_year_before(
    closes: pd.DataFrame, history: pd.DataFrame
) -> None:
    assert sorted(closes["date"].unique()) == SESSIONS
    assert history["date"].min() == "2024-06-03"
    assert history["date"].max() < SESSIONS[0]


def test_no_date_is_after_the_sample_day(every_close: pd.DataFrame) -> None:
    assert every_close["date"].max() == LAST_SESSION


def test_no_close_is_implausible(every_close: pd.DataFrame) -> None:
    frame = every_close.assign(date=every_close["date"].map(date.fromisoformat), candidate=True)
    assert implausible_closes(frame).empty


def test_the_two_junk_rows_of_the_source_are_left_out(history: pd.DataFrame) -> None:
    keys = set(zip(history["ticker"], history["date"], strict=True))
    assert ("0300.HK", "2024-07-05") not in keys
    assert ("1969.HK", "2025-01-10") not in keys


def test_each_ticker_has_one_row_a_day(every_close: pd.DataFrame) -> None:
    assert not every_close.duplicated(["date", "ticker"]).any()


def test_rows_are_in_date_then_ticker_order(closes: pd.DataFrame, history: pd.DataFrame) -> None:
    for frame in (closes, history):
        ordered = frame.sort_values(["date", "ticker"], ignore_index=True)
        assert frame[["date", "ticker"]].equals(ordered[["date", "ticker"]])


def test_the_previous_close_after_a_consolidation_is_ten_times_the_old_price(
    history: pd.DataFrame,
) -> None:
    assert _on(history, "0788.HK", "2025-02-20")["prev_close"] == 12.10
    assert _on(history, "2038.HK", "2025-05-20")["prev_close"] == 8.60


def test_half_days_have_unknown_volume_not_zero(history: pd.DataFrame) -> None:
    half_day = history[(history["date"] == "2024-12-24") & history["ticker"].str.endswith(".HK")]
    assert half_day["volume"].isna().mean() > 0.9
    assert not (half_day["volume"] == 0).any()


def test_byd_shows_the_volume_printed_on_the_day(closes: pd.DataFrame) -> None:
    assert _on(closes, "1211.HK")["volume"] == 13_927_041


@pytest.mark.parametrize("name", ["closes.csv", "history.csv"])
def test_prices_are_written_without_float_noise(name: str) -> None:
    assert not re.search(r"\.\d{4,}", (SAMPLE_DIR / name).read_text())


def test_index_levels_have_two_decimals_at_most(every_close: pd.DataFrame) -> None:
    levels = every_close.loc[~every_close["ticker"].str.endswith(".HK"), [*PRICES, "prev_close"]]
    given = levels.stack().dropna()
    assert given.round(2).eq(given).all()


def test_every_close_is_of_a_known_security(
    every_close: pd.DataFrame, securities: pd.DataFrame
) -> None:
    assert set(every_close["ticker"]) <= set(securities.index)


def test_the_tracker_fund_and_nio_are_listed(securities: pd.DataFrame) -> None:
    tracker = securities.loc["2800.HK"]
    assert (tracker["name"], tracker["name_zh"], tracker["board_lot"]) == (
        "Tracker Fund",
        "盈富基金",
        "500",
    )
    assert tracker["category"] == "etp"
    assert securities.loc["9866.HK", "name_zh"] == "蔚來-SW"


def test_the_four_indexes_are_indexes(securities: pd.DataFrame) -> None:
    indexes = securities[securities["kind"] == "index"]
    assert sorted(indexes.index) == ["HSCEI", "HSCI", "HSI", "HSTECH"]
    assert (indexes["category"] == "index").all()
    assert (indexes["board_lot"] == "").all()


def test_every_listed_security_has_a_category_and_a_board_lot(securities: pd.DataFrame) -> None:
    listed = securities[securities["kind"] == "stock"]
    assert set(listed["category"]) == {"equity", "reit", "etp"}
    assert listed["board_lot"].str.fullmatch(r"[1-9]\d*").all()


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def test_no_security_has_the_same_alias_twice(securities: pd.DataFrame) -> None:
    for ticker, row in securities.iterrows():
        aliases = [_folded(a) for a in row["aliases"].split("|") if a]
        assert len(aliases) == len(set(aliases)), ticker


def test_no_alias_only_repeats_the_name_beyond_the_first_sample_s_curated_ones(
    securities: pd.DataFrame, members: pd.DataFrame
) -> None:
    # The first sample's 88 stocks (and the HSI) keep their aliases as they were ("meituan").
    curated = set(members.loc[members["index"] == "HSI", "ticker"]) | FIRST_SAMPLE_EXTRAS
    for ticker, row in securities.drop(index=[*curated, "HSI"]).iterrows():
        aliases = {_folded(a) for a in row["aliases"].split("|") if a}
        assert not aliases & {_folded(row["name"]), _folded(row["name_zh"])}, ticker


def test_hkex_short_names_and_simplified_forms_are_aliases(securities: pd.DataFrame) -> None:
    assert {"nio", "蔚來", "蔚来"} <= set(securities.loc["9866.HK", "aliases"].split("|"))
    assert "匯豐控股" in securities.loc["0005.HK", "aliases"].split("|")
    assert securities.loc["2800.HK", "aliases"] == ""


def test_the_hang_seng_index_has_83_members_all_known(
    members: pd.DataFrame, securities: pd.DataFrame
) -> None:
    hsi = members[members["index"] == "HSI"]
    assert len(hsi) == 83
    assert set(hsi["ticker"]) <= set(securities.index)
    assert (hsi["as_of"] == LAST_SESSION).all()


def test_every_member_is_a_known_security(members: pd.DataFrame, securities: pd.DataFrame) -> None:
    assert set(members["ticker"]) <= set(securities.index)
    assert set(members["index"]) <= set(securities.index)


# Who each figure of the hand-written summary is about: the summary's own words for them.
SUMMARY_FIGURES = {
    "Innovent Biologics": "1801.HK",
    "CSPC Pharmaceutical": "1093.HK",
    "Hansoh Pharmaceutical": "3692.HK",
    "WuXi Biologics": "2269.HK",
    "Xiaomi": "1810.HK",
    "Smoore International": "6969.HK",
    "Pop Mart": "9992.HK",
    "Meituan": "3690.HK",
}
_A_MOVE = re.compile(r"\(?\+?(\d+\.\d\d)%")


def _named_moves(text: str, names: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Ticker → (sign as written, figure) of the first move written after each name."""
    moves = {}
    for name, ticker in names.items():
        found = re.search(re.escape(name) + r"[^\d+\-]{0,30}?([+\-]?)(\d+\.\d\d)%", text)
        assert found, f"the summary gives no figure for {name}"
        moves[ticker] = (found[1], found[2])
    return moves


def _day_moves(closes: pd.DataFrame) -> dict[str, float]:
    day = closes[closes["date"] == LAST_SESSION].set_index("ticker")
    return (day["close"] / day["prev_close"] - 1).mul(100).to_dict()


def test_every_move_the_summary_names_is_the_close_in_the_data(closes: pd.DataFrame):
    text = (SAMPLE_DIR / "summary.md").read_text(encoding="utf-8")
    moves = _day_moves(closes)
    named = _named_moves(text, SUMMARY_FIGURES)
    for ticker, (sign, figure) in named.items():
        assert figure == f"{abs(moves[ticker]):.2f}", ticker
        if sign:
            assert (sign == "-") == (moves[ticker] < 0), ticker
    told = {figure for _, figure in named.values()}
    for move in _A_MOVE.finditer(text):  # every other two-decimal move is the index's
        if move[1] not in told:
            assert move[1] == f"{moves['HSI']:.2f}", move[0]


# The companies of the summary as the Chinese texts write them (in Traditional characters).
SUMMARY_FIGURES_ZH = {
    "信達生物": "1801.HK",
    "石藥集團": "1093.HK",
    "翰森製藥": "3692.HK",
    "藥明生物": "2269.HK",
    "思摩爾國際": "6969.HK",
    "泡泡瑪特": "9992.HK",
    "美團": "3690.HK",
}


@pytest.mark.parametrize("name", ["summary.zh-hant.md", "summary.zh-hans.md"])
def test_the_summary_in_chinese_gives_each_company_its_move_in_the_data(
    closes: pd.DataFrame, name: str
):
    from opencc import OpenCC

    text = (SAMPLE_DIR / name).read_text(encoding="utf-8")
    if name.endswith("hans.md"):
        text = OpenCC("s2hk").convert(text)  # in Traditional, to find the names above
    moves = _day_moves(closes)
    for ticker, (_, figure) in _named_moves(text, SUMMARY_FIGURES_ZH).items():
        assert figure == f"{abs(moves[ticker]):.2f}", (name, ticker)
    assert f"{moves['HSI']:.2f}%" in text and "141.54" in text and "23,654.03" in text
    xiaomi = re.search(r"小米.{0,60}?(\d+\.\d\d)%", text)
    assert xiaomi and xiaomi[1] == f"{moves['1810.HK']:.2f}"
