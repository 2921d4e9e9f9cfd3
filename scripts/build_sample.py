"""Rebuild the bundled sample (store/sample/*.csv) from the real data files.

    python scripts/build_sample.py DATA_DIR

DATA_DIR holds the public files read below: the yfinance daily closes of the sample stocks
(five sessions and the year before), the Hang Seng Index daily levels, the index members with
their Chinese names, and Hang Seng Indexes' industry list (sources in store/sample/README.md).

Sessions 30 May – 4 June 2025 for the 88 stocks and the Hang Seng Index, with previous closes
taken from the session before each (29 May for the first), and the year of real sessions
before them (history.csv, for period changes and charts), industries from the Hang Seng
Industry Classification, Chinese names (Traditional from the data, Simplified derived) and the
common short names people type.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
from opencc import OpenCC

SESSIONS = ["2025-05-30", "2025-06-02", "2025-06-03", "2025-06-04"]
OUT = Path(__file__).resolve().parent.parent / "store" / "sample"

EXTRA_NAMES_ZH = {
    "1801.HK": "信達生物",
    "6969.HK": "思摩爾國際",
    "9992.HK": "泡泡瑪特",
    "0300.HK": "美的集團",
    "2057.HK": "中通快遞-W",
}

# What people actually type for the best-known names.
ALIASES = {
    "0001.HK": "ckh|ck hutchison|長和",
    "0002.HK": "clp",
    "0003.HK": "towngas|hk gas",
    "0005.HK": "hsbc|匯豐",
    "0006.HK": "power assets",
    "0011.HK": "hang seng bank",
    "0016.HK": "shkp|sun hung kai",
    "0027.HK": "galaxy",
    "0066.HK": "mtr",
    "0175.HK": "geely",
    "0241.HK": "alibaba health",
    "0285.HK": "byd electronic",
    "0288.HK": "wh group",
    "0291.HK": "cr beer",
    "0300.HK": "midea",
    "0386.HK": "sinopec",
    "0388.HK": "hkex|港交所",
    "0669.HK": "techtronic|tti",
    "0700.HK": "tencent",
    "0823.HK": "link reit|link",
    "0857.HK": "petrochina",
    "0883.HK": "cnooc",
    "0939.HK": "ccb|china construction bank",
    "0941.HK": "china mobile",
    "0981.HK": "smic",
    "0992.HK": "lenovo",
    "1024.HK": "kuaishou",
    "1093.HK": "cspc",
    "1177.HK": "sino biopharm",
    "1211.HK": "byd",
    "1299.HK": "aia",
    "1398.HK": "icbc",
    "1801.HK": "innovent|innovent bio",
    "1810.HK": "xiaomi",
    "1876.HK": "budweiser apac|bud apac",
    "1928.HK": "sands china",
    "1929.HK": "chow tai fook|ctf",
    "2015.HK": "li auto",
    "2020.HK": "anta",
    "2057.HK": "zto",
    "2269.HK": "wuxi bio|wuxi biologics",
    "2318.HK": "ping an",
    "2319.HK": "mengniu",
    "2331.HK": "li ning",
    "2359.HK": "wuxi apptec",
    "2388.HK": "bochk|boc hong kong",
    "2628.HK": "china life",
    "2899.HK": "zijin",
    "3690.HK": "meituan",
    "3692.HK": "hansoh",
    "3968.HK": "cmb|china merchants bank",
    "3988.HK": "boc|bank of china",
    "6618.HK": "jd health",
    "6862.HK": "haidilao",
    "6969.HK": "smoore",
    "9618.HK": "jd|jd.com",
    "9633.HK": "nongfu",
    "9888.HK": "baidu",
    "9901.HK": "new oriental",
    "9961.HK": "trip.com|ctrip",
    "9988.HK": "alibaba|baba",
    "9992.HK": "pop mart|popmart",
    "9999.HK": "netease",
}

HSI = {
    "ticker": "HSI",
    "name": "Hang Seng Index",
    "name_zh": "恒生指數",
    "sector": "",
    "kind": "index",
    "aliases": "hang seng|hs index|^hsi|恒指|恒生指数",
}


def _aliases(ticker: str, name_zh: str, to_simplified: OpenCC) -> str:
    aliases = [a for a in ALIASES.get(ticker, "").split("|") if a]
    bare_zh = re.sub(r"-(W|S|SW)$", "", name_zh)
    for form in (bare_zh, to_simplified.convert(name_zh), to_simplified.convert(bare_zh)):
        if form != name_zh and form not in aliases:
            aliases.append(form)
    for alias in list(aliases):
        simplified = to_simplified.convert(alias)
        if simplified not in aliases:
            aliases.append(simplified)
    return "|".join(aliases)


def build(data: Path) -> None:
    to_simplified = OpenCC("t2s")
    daily = pd.read_csv(data / "hk_daily_2025-05-30_to_06-05_yfinance_autoadjust.csv")
    members = pd.read_csv(data / "hsi_constituents_2025-06-04.csv", dtype=str)
    industry = pd.read_csv(data / "hsci_constituents_industry_2025-11-21.csv", dtype=str)
    year = pd.read_csv(data / "hk_daily_2024-06-03_to_2025-06-05_yfinance_autoadjust.csv")
    hsi = pd.read_csv(data / "hsi_daily_2024-06-03_to_2025-06-05_yfinance.csv")

    names = daily.drop_duplicates("symbol").set_index("symbol")["name"]
    names = names.str.replace(r"\s*\(.*\)$", "", regex=True)
    names.update(members.set_index("yahoo_symbol")["name_en"])
    names_zh = members.set_index("yahoo_symbol")["name_zh_hant"].to_dict() | EXTRA_NAMES_ZH
    sectors = industry.set_index("yahoo_symbol")["industry"]

    securities = [HSI] + [
        {
            "ticker": ticker,
            "name": names[ticker],
            "name_zh": names_zh[ticker],
            "sector": sectors[ticker],
            "kind": "stock",
            "aliases": _aliases(ticker, names_zh[ticker], to_simplified),
        }
        for ticker in sorted(names.index)
    ]
    pd.DataFrame(securities).to_csv(OUT / "securities.csv", index=False)

    stocks = year.rename(columns={"symbol": "ticker", "close_adj": "close"})
    stocks = stocks[stocks["ticker"].isin(names.index)][["date", "ticker", "close", "volume"]]
    index = hsi.rename(columns={"index": "ticker"})[["date", "ticker", "close"]]
    closes = pd.concat([index, stocks]).sort_values(["ticker", "date"])
    closes["prev_close"] = closes.groupby("ticker")["close"].shift(1)
    closes["close"] = closes["close"].round(4)
    closes["prev_close"] = closes["prev_close"].round(4)
    closes["volume"] = closes["volume"].astype("Int64")
    closes = closes[["date", "ticker", "close", "prev_close", "volume"]].sort_values(
        ["date", "ticker"]
    )
    days = closes[closes["date"].isin(SESSIONS)]
    days.to_csv(OUT / "closes.csv", index=False)
    history = closes[closes["date"] < SESSIONS[0]]
    history.to_csv(OUT / "history.csv", index=False)
    print(f"{len(securities)} securities, {len(days)} closes, {len(history)} earlier closes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build(Path(sys.argv[1]))
