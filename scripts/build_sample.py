"""Rebuild the bundled sample (store/sample/*.csv) from the public data files.

    python scripts/build_sample.py DATA_DIR

DATA_DIR holds the files read below (their sources are in store/sample/README.md): HKEX's list
of securities with English and Chinese names, the printed daily prices of the Hang Seng
Composite Index stocks for the year to 5 June 2025, unadjusted yfinance downloads of the Hang
Seng Index members (for their printed volumes), the Hang Seng Index and Hang Seng TECH Index
levels, the index members and Hang Seng Indexes' industry list.

It writes every HKEX-listed equity, REIT and exchange-traded product that trades in Hong Kong
dollars, with names people type as aliases; four sessions (30 May – 4 June 2025) in closes.csv
and the year before in history.csv, at the prices HKEX printed; and the index members.
"""

from __future__ import annotations

import re
import sys
import tarfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from opencc import OpenCC

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "store" / "sample"
SESSIONS = ["2025-05-30", "2025-06-02", "2025-06-03", "2025-06-04"]
FIRST_DAY, LAST_DAY = "2024-06-03", SESSIONS[-1]
HSI_AS_OF, HSCI_AS_OF = "2025-06-04", "2025-11-21"

SECURITIES = "hk_securities_2025-07-11_en_zh.csv"
PRINTED = "hk_daily_2024-06-03_to_2025-06-05_unadjusted.csv"
HSI_MEMBERS = "hsi_constituents_2025-06-04.csv"
INDUSTRIES = "hsci_constituents_industry_2025-11-21.csv"
HSI_LEVELS = "hsi_daily_2024-06-03_to_2025-06-05_yfinance.csv"
HSTECH_LEVELS = "hstech_daily_close_2024-06-03_to_2025-06-05_sina.csv"
UNADJUSTED_DOWNLOADS = (
    "raw/CCF0001_Forriz-Pair-Trading_cd7bb5a_yfinance_history_2020-01-02_to_2025-06-06.tar.gz"
)
FIVE_SESSIONS = "hk_daily_2025-05-30_to_06-05_yfinance_autoadjust.csv"

CATEGORIES = {
    "Equity": "equity",
    "Real Estate Investment Trusts": "reit",
    "Exchange Traded Products": "etp",
}
SECURITY_COLUMNS = [
    "ticker", "name", "name_zh", "sector", "kind", "category", "board_lot", "aliases",
]  # fmt: skip
CLOSE_COLUMNS = ["date", "ticker", "open", "high", "low", "close", "prev_close", "volume"]

# The data's flag for the rows of a stock before its 10-into-1 share consolidation, shown at
# the price printed then (0788 China Tower, 2038 FIH).
FOLDED = "share_event_x10_folded"
CONSOLIDATION = 10
# On a half day the source shows no volume for all but a stock or two: the figure is unknown.
HALF_DAY_ZERO_SHARE = 0.9
# A price this close to a price step (in steps) is the step, off by the rounding of the factor
# the printed prices were rebuilt with; further off, it is not a price HKEX printed.
STEP_SNAP = 0.1

# HSCEI has no year of levels in the data; its closes for the sample week are quoted in the
# data's README ("Added later", notes: 2 Jun 8,359.26; 3 Jun 8,519.86; 4 Jun 8,576.75).
HSCEI_CLOSES = {"2025-06-02": 8359.26, "2025-06-03": 8519.86, "2025-06-04": 8576.75}

# Chinese names of the sample's five non-members of the Hang Seng Index, missing from its list.
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

INDEXES = [
    {
        "ticker": "HSI",
        "name": "Hang Seng Index",
        "name_zh": "恒生指數",
        "aliases": "hang seng|hs index|^hsi|恒指",
    },
    {
        "ticker": "HSTECH",
        "name": "Hang Seng TECH Index",
        "name_zh": "恒生科技指數",
        "aliases": "hstech|hang seng tech|hs tech|hang seng technology|恒科|恒生科技",
    },
    {
        "ticker": "HSCEI",
        "name": "Hang Seng China Enterprises Index",
        "name_zh": "恒生中國企業指數",
        "aliases": "hscei|h shares|china enterprises|國企指數|國指",
    },
    {
        "ticker": "HSCI",
        "name": "Hang Seng Composite Index",
        "name_zh": "恒生綜合指數",
        "aliases": "hsci|hang seng composite|綜合指數",
    },
]

# HKEX's markers after a hyphen: -W weighted voting rights, -S/-SW secondary listings,
# -B pre-revenue biotech, -T trading only, and the like; always one or two capitals.
MARKER = re.compile(r"-([A-Z]{1,2})$")
WORD = re.compile(r"[A-Za-z0-9']+")
VOWELS = set("aeiouAEIOU")
# A one-word short name this long or shorter is an acronym or a ticker-like brand.
ACRONYM_LENGTH = 4
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    # `python scripts/build_sample.py` puts scripts/ first on the path; the packages live above.
    if Path(sys.path[0]).resolve() == ROOT / "scripts":
        sys.path[0] = str(ROOT)
    build(Path(sys.argv[1]))


def build(data: Path) -> None:
    """Write every sample file but summary.md, and say what went in and what was left out."""
    securities = build_securities(data)
    stocks = stock_closes(data)
    closes = pd.concat([stocks, index_closes(data)]).sort_values(["date", "ticker"])
    closes = closes[CLOSE_COLUMNS]
    members = build_members(data, set(securities["ticker"]))
    missing = set(closes["ticker"]) - set(securities["ticker"])
    if missing:
        sys.exit(f"closes for securities not in securities.csv: {sorted(missing)}")

    securities.to_csv(OUT / "securities.csv", index=False)
    days = closes[closes["date"].isin(SESSIONS)]
    history = closes[closes["date"] < SESSIONS[0]]
    days.to_csv(OUT / "closes.csv", index=False)
    history.to_csv(OUT / "history.csv", index=False)
    members.to_csv(OUT / "members.csv", index=False)

    counts = securities["category"].value_counts()
    by_category = ", ".join(f"{counts[c]} {c}" for c in ("equity", "reit", "etp", "index"))
    by_index = ", ".join(f"{n} {i}" for i, n in members["index"].value_counts().items())
    print(
        f"{len(securities)} securities ({by_category}), {len(days)} closes, "
        f"{len(history)} history rows, {len(members)} members ({by_index})"
    )


# --- securities ---------------------------------------------------------------------------


@dataclass
class Naming:
    """What names a security: the first sample's names, their spellings, a Simplified converter."""

    names: dict[str, str]
    names_zh: dict[str, str]
    spellings: dict[str, str]
    to_simplified: OpenCC


def build_securities(data: Path) -> pd.DataFrame:
    """HKEX's HKD-traded equities, REITs and ETPs, any HSCI stock it lacks, and the indexes."""
    listed = listed_securities(data)
    industries = pd.read_csv(data / INDUSTRIES, dtype=str).set_index("yahoo_symbol")["industry"]
    names, names_zh = curated(data)
    naming = Naming(names, names_zh, spellings(names.values()), OpenCC("t2s"))
    stocks = [
        stock_row(ticker, row, naming, industries.get(ticker, ""))
        for ticker, row in listed.sort_index().iterrows()
    ]
    indexes = [
        index
        | {
            "sector": "",
            "kind": "index",
            "category": "index",
            "board_lot": None,
            "aliases": "|".join(
                sample_aliases(index["aliases"], index["name_zh"], naming.to_simplified)
            ),
        }
        for index in INDEXES
    ]
    securities = pd.DataFrame(indexes + stocks, columns=SECURITY_COLUMNS)
    securities["board_lot"] = pd.to_numeric(securities["board_lot"]).astype("Int64")
    return securities


def stock_row(ticker: str, listed: pd.Series, naming: Naming, sector: str) -> dict[str, object]:
    """One listed security's row: the first sample's names where it has them, else HKEX's."""
    name = naming.names.get(ticker) or display_name(listed["name_en"], naming.spellings)
    listed_zh = chinese_name(listed.get("name_zh_hant"))
    name_zh = naming.names_zh.get(ticker, listed_zh)
    aliases = sample_aliases(ALIASES.get(ticker, ""), name_zh, naming.to_simplified)
    extras = [MARKER.sub("", listed["name_en"]).lower(), listed_zh, without_marker(listed_zh)]
    extras += [naming.to_simplified.convert(text) for text in extras]
    return {
        "ticker": ticker,
        "name": name,
        "name_zh": name_zh,
        "sector": sector,
        "kind": "stock",
        "category": CATEGORIES[listed["category"]],
        "board_lot": listed.get("board_lot"),
        "aliases": "|".join(merged(aliases, extras, (name, name_zh))),
    }


def listed_securities(data: Path) -> pd.DataFrame:
    """HKEX's list by ticker, without warrants and without the RMB and USD counters, and any
    HSCI stock with closes that the list lacks, under the index list's name.

    A stock's RMB counter repeats its HKD line under another code; the bot quotes HKD prices.
    """
    listed = pd.read_csv(data / SECURITIES, dtype=str)
    keep = listed["category"].isin(CATEGORIES) & listed["trading_currency"].eq("HKD")
    listed = listed[keep]
    listed.index = listed["code"].map(ticker_of)
    listed = listed[["name_en", "name_zh_hant", "category", "board_lot"]]
    hsci = pd.read_csv(data / INDUSTRIES, dtype=str).set_index("yahoo_symbol")
    traded = pd.read_csv(data / PRINTED, usecols=["symbol"])["symbol"].unique()
    unlisted = hsci.index.difference(listed.index).intersection(traded)
    extra = hsci.loc[unlisted, ["name"]].rename(columns={"name": "name_en"})
    return pd.concat([listed, extra.assign(category="Equity")])


def ticker_of(code: str) -> str:
    """HKEX's five-digit code as the store's ticker: `02800` is 2800.HK, `87001` stays."""
    return f"{int(code):04d}.HK"


def curated(data: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The English and Chinese names the first sample gave its 88 stocks, kept as they were.

    English names are Yahoo's (as the Hang Seng Index list spells them where it has them),
    Chinese names the index list's, which writes HSBC 滙豐 as the press does.
    """
    five = pd.read_csv(data / FIVE_SESSIONS).drop_duplicates("symbol").set_index("symbol")
    members = pd.read_csv(data / HSI_MEMBERS, dtype=str).set_index("yahoo_symbol")
    names = five["name"].str.replace(r"\s*\(.*\)$", "", regex=True)
    names.update(members["name_en"])
    names_zh = members["name_zh_hant"].to_dict() | EXTRA_NAMES_ZH
    return names.to_dict(), names_zh


def spellings(names: Iterable[str]) -> dict[str, str]:
    """How the curated names spell each of their words (Ltd, AIA, CSPC, WuXi, of), by casefold.

    Where two names spell a word differently (Wuxi, WuXi), the one that is not plain
    Capitalised wins: it says something a rule could not guess.
    """
    words: dict[str, str] = {}
    for name in names:
        for word in WORD.findall(name):
            if word != word.capitalize():
                words[word.casefold()] = word
            else:
                words.setdefault(word.casefold(), word)
    return words


def display_name(short_name: str, known: dict[str, str]) -> str:
    """HKEX's upper-case short name made readable: `TRACKER FUND` → `Tracker Fund`.

    Words a curated name spells keep that spelling (Ltd, AIA, CSPC, WuXi). A name of one word
    of up to four letters is letters to spell out (NIO, TME, CMOC, ZTE), and so is any word
    without a vowel (BYD, HK, HSBC) or with a digit (3SBIO): those stay upper case, as does the
    marker after a final hyphen (`NIO-SW`). Other words are Capitalised (`Tracker Fund`); a
    few brands read as words come out upper case by the one-word rule (KEEP, LENS).
    """
    marker = MARKER.search(short_name)
    body = short_name[: marker.start()] if marker else short_name
    acronym = len(body) <= ACRONYM_LENGTH and body.isalpha()

    def spell(match: re.Match[str]) -> str:
        word = match.group()
        if word.casefold() in known:
            return known[word.casefold()]
        if acronym or any(c.isdigit() for c in word) or not VOWELS & set(word):
            return word.upper()
        return word.capitalize()

    return WORD.sub(spell, body) + (marker.group() if marker else "")


def chinese_name(listed: object) -> str:
    """HKEX's Traditional Chinese name with full-width letters, digits and signs made ASCII.

    `蔚來－ＳＷ` becomes `蔚來-SW`, as people type it. HKEX repeats the English name where it has
    no Chinese one: that is no Chinese name.
    """
    if not isinstance(listed, str) or not CJK.search(listed):
        return ""
    return "".join(
        unicodedata.normalize("NFKC", c) if "\uff01" <= c <= "\uff5e" or c == "\u3000" else c
        for c in listed
    ).strip()


def without_marker(name_zh: str) -> str:
    return MARKER.sub("", name_zh)


def sample_aliases(curated_aliases: str, name_zh: str, to_simplified: OpenCC) -> list[str]:
    """The curated aliases and the Chinese name's forms, as the first sample built them."""
    aliases = [a for a in curated_aliases.split("|") if a]
    bare_zh = without_marker(name_zh)
    for form in (bare_zh, to_simplified.convert(name_zh), to_simplified.convert(bare_zh)):
        if form and form != name_zh and form not in aliases:
            aliases.append(form)
    for alias in list(aliases):
        simplified = to_simplified.convert(alias)
        if simplified not in aliases:
            aliases.append(simplified)
    return aliases


def merged(aliases: list[str], extras: Iterable[str], names: Iterable[str]) -> list[str]:
    """The aliases as they are, then each extra that reads differently from them and the names.

    Texts are compared as the matcher compares them, case and width folded: `tracker fund`
    adds nothing to the name Tracker Fund.
    """
    seen = {_folded(text) for text in (*names, *aliases)}
    out = list(aliases)
    for text in extras:
        if text and _folded(text) not in seen:
            seen.add(_folded(text))
            out.append(text)
    return out


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


# --- closes -------------------------------------------------------------------------------


def stock_closes(data: Path) -> pd.DataFrame:
    """Every HSCI stock's printed prices and volumes, junk left out, with previous closes."""
    printed = pd.read_csv(data / PRINTED, dtype={"volume": float})
    printed = printed.rename(columns={"symbol": "ticker"})
    printed = printed[printed["date"].between(FIRST_DAY, LAST_DAY)].reset_index(drop=True)
    printed["folded"] = printed["method"].str.contains(FOLDED)
    printed = with_printed_volumes(printed, data)
    printed = without_implausible(printed)
    printed = on_price_steps_only(printed)
    printed["prev_close"] = previous_closes(printed)
    for column in ("open", "high", "low", "close", "prev_close"):
        printed[column] = printed[column].round(3)
    printed["volume"] = printed["volume"].astype("Int64")
    return printed


def with_printed_volumes(printed: pd.DataFrame, data: Path) -> pd.DataFrame:
    """Volumes as traded on the day, as far as the data allows.

    The source's volumes are scaled for later splits and bonus issues (BYD's by three): the
    Hang Seng Index members' are replaced by unadjusted downloads made on 6 June 2025. Before a
    consolidation the source divided volumes by ten, undone here. On half days the source shows
    no volume at all: unknown, not zero.
    """
    downloaded = downloaded_volumes(data)
    keys = pd.MultiIndex.from_frame(printed[["ticker", "date"]])
    from_download = downloaded.reindex(keys).to_numpy()
    printed["volume"] = printed["volume"].where(pd.isna(from_download), from_download)
    printed.loc[printed["folded"], "volume"] *= CONSOLIDATION
    zero_share = printed["volume"].eq(0).groupby(printed["date"]).mean()
    half_days = zero_share.index[zero_share >= HALF_DAY_ZERO_SHARE]
    unknown = printed["date"].isin(half_days) & printed["volume"].eq(0)
    printed.loc[unknown, "volume"] = float("nan")
    print(f"half days, volume unknown: {', '.join(half_days)}")
    return printed


def downloaded_volumes(data: Path) -> pd.Series:
    """Each HSI member's volume by (ticker, date) from the unadjusted yfinance downloads."""
    members = set(pd.read_csv(data / HSI_MEMBERS, dtype=str)["yahoo_symbol"])
    frames = []
    with tarfile.open(data / UNADJUSTED_DOWNLOADS) as archive:
        for ticker in sorted(members):
            source = archive.extractfile(f"data/{ticker}.csv")
            if source is None:
                sys.exit(f"{UNADJUSTED_DOWNLOADS}: no data/{ticker}.csv")
            frame = pd.read_csv(source, usecols=["Date", "Volume"])
            frames.append(
                pd.DataFrame(
                    {"ticker": ticker, "date": frame["Date"].str[:10], "volume": frame["Volume"]}
                )
            )
    volumes = pd.concat(frames).set_index(["ticker", "date"])["volume"]
    return volumes.astype(float)


def without_implausible(printed: pd.DataFrame) -> pd.DataFrame:
    """The rows but those no real close can be, each one left out said with its reason."""
    from store.quality import implausible_closes

    frame = printed[["ticker", "close", "volume"]].assign(
        date=pd.to_datetime(printed["date"]).dt.date, candidate=True
    )
    flagged = implausible_closes(frame)
    for label, reason in flagged.items():
        print(f"dropped {printed.at[label, 'ticker']} {printed.at[label, 'date']}: {reason}")
    return printed.drop(index=flagged.index)


def on_price_steps_only(printed: pd.DataFrame) -> pd.DataFrame:
    """Prices on HKEX's steps: a hair off is put on the step, further off is not a price.

    The printed prices were rebuilt by a factor from adjusted ones, and a few rows missed the
    steps. Where every price of a row is within a tenth of a step, the factor's rounding is to
    blame; otherwise the row's off-step open, high and low are left blank, and a row whose close
    is off its step is dropped.
    """
    from store.quality import on_price_steps, price_step

    prices = printed[["open", "high", "low", "close"]]
    steps = prices.apply(price_step)
    nearest = (prices / steps).round() * steps
    off = ~prices.apply(on_price_steps)
    near = ((prices - nearest).abs() <= STEP_SNAP * steps).all(axis=1)
    for label in printed.index[off.any(axis=1)]:
        where = f"{printed.at[label, 'ticker']} {printed.at[label, 'date']}"
        if near[label]:
            print(f"put on the price steps {where}: {_prices(prices.loc[label])}")
            printed.loc[label, prices.columns] = nearest.loc[label]
        elif off.at[label, "close"]:
            print(f"dropped {where}: close {printed.at[label, 'close']} is off the price steps")
        else:
            blank = [c for c in ("open", "high", "low") if off.at[label, c]]
            print(f"blanked {'/'.join(blank)} of {where}: off the price steps")
            printed.loc[label, blank] = float("nan")
    return printed[~(off["close"] & ~near)]


def _prices(row: pd.Series) -> str:
    return ", ".join(f"{column} {value}" for column, value in row.items())


def previous_closes(printed: pd.DataFrame) -> pd.Series:
    """Each row's previous stored close, as HKEX prints it after a 10-into-1 consolidation.

    On the first day after a consolidation HKEX shows the previous close multiplied by ten, so
    the day's change is the real one and not a tenfold jump.
    """
    ordered = printed.sort_values(["ticker", "date"])
    by_ticker = ordered.groupby("ticker")
    previous = by_ticker["close"].shift(1)
    after_fold = by_ticker["folded"].shift(1, fill_value=False) & ~ordered["folded"]
    previous[after_fold] *= CONSOLIDATION
    return previous.reindex(printed.index)


def index_closes(data: Path) -> pd.DataFrame:
    """The index levels: HSI with its day's range, HSTECH and HSCEI closes only."""
    hsi = pd.read_csv(data / HSI_LEVELS).rename(columns={"index": "ticker"})
    hstech = pd.read_csv(data / HSTECH_LEVELS).rename(columns={"index": "ticker"})
    hscei = pd.DataFrame(
        {"date": list(HSCEI_CLOSES), "ticker": "HSCEI", "close": list(HSCEI_CLOSES.values())}
    )
    levels = pd.concat([hsi[["date", "ticker", "open", "high", "low", "close"]], hstech, hscei])
    levels = levels[levels["date"].between(FIRST_DAY, LAST_DAY)].sort_values(["ticker", "date"])
    levels["prev_close"] = levels.groupby("ticker")["close"].shift(1)
    for column in ("open", "high", "low", "close", "prev_close"):
        levels[column] = levels[column].round(2)
    levels = levels.reindex(columns=CLOSE_COLUMNS)
    levels["volume"] = levels["volume"].astype("Int64")
    return levels


# --- members ------------------------------------------------------------------------------


def build_members(data: Path, known: set[str]) -> pd.DataFrame:
    """HSI members on the sample day and HSCI members of November 2025 that are in the sample."""
    hsi = pd.read_csv(data / HSI_MEMBERS, dtype=str)["yahoo_symbol"]
    hsci = pd.read_csv(data / INDUSTRIES, dtype=str)["yahoo_symbol"]
    members = pd.concat(
        [
            pd.DataFrame({"index": "HSI", "ticker": hsi, "as_of": HSI_AS_OF}),
            pd.DataFrame({"index": "HSCI", "ticker": hsci[hsci.isin(known)], "as_of": HSCI_AS_OF}),
        ]
    )
    return members.sort_values(["index", "ticker"])


if __name__ == "__main__":
    main()
