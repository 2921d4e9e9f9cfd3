"""A synthetic Hong Kong market at full size, written as the CSV files `python -m bot ingest` reads.

The sample day has ~90 securities; the benchmarks need the whole main board (~2,700 securities)
and ten years of sessions (~7M closes). Real names and prices at that size are not ours to ship,
so this builds a plausible stand-in: English and Chinese names from parallel word lists (so
"Golden Dragon Pharmaceutical" is 金龍醫藥), acronym and Simplified-Chinese aliases, the twelve
Hang Seng industries, and correlated random-walk prices. Everything follows from the seed, so a
run can be repeated exactly.

    python bench/make_market.py --securities 2700 --years 10 --out bench/.cache/market --seed 7
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_END = date(2025, 10, 31)  # a Friday and an XHKG session, safely in the past
DEFAULT_SEED = 7
TRADING_DAYS_PER_YEAR = 261  # weekdays; the synthetic market ignores holidays
DAYS_PER_CHUNK = 100  # ~270k rows per to_csv call at full size: bounded memory, few calls

# English word → Chinese rendering, so both names of a security say the same thing.
PLACES: dict[str, str] = {
    "China": "中國",
    "Hong Kong": "香港",
    "Pacific": "太平洋",
    "Asia": "亞洲",
    "Sino": "華",
    "Greater Bay": "大灣區",
    "Pearl River": "珠江",
    "Kowloon": "九龍",
    "Victoria": "維港",
    "Shenzhen": "深圳",
    "Shanghai": "上海",
    "Beijing": "北京",
    "Guangzhou": "廣州",
    "Macau": "澳門",
    "Tianjin": "天津",
    "Zhejiang": "浙江",
    "Jiangsu": "江蘇",
    "Sichuan": "四川",
    "Fujian": "福建",
    "Hainan": "海南",
    "Wuhan": "武漢",
    "Shandong": "山東",
    "Yunnan": "雲南",
    "Anhui": "安徽",
    "Hunan": "湖南",
    "Chongqing": "重慶",
    "Xiamen": "廈門",
    "Qingdao": "青島",
    "Dalian": "大連",
    "Orient": "東方",
    "Southern": "南方",
    "Northern": "北方",
    "Western": "西部",
    "Central": "中環",
    "Global": "環球",
    "Overseas": "海外",
    "Great Wall": "長城",
    "Yangtze": "長江",
}
EPITHETS: dict[str, str] = {
    "Dragon": "龍",
    "Golden": "金",
    "Jade": "玉",
    "Lotus": "蓮花",
    "Phoenix": "鳳凰",
    "Silver": "銀",
    "Evergreen": "長青",
    "Fortune": "富",
    "Prosperity": "興",
    "Sun": "日",
    "Star": "星",
    "Peak": "峰",
    "Summit": "頂峰",
    "Grand": "宏",
    "Imperial": "御",
    "Royal": "皇",
    "New": "新",
    "Bright": "明",
    "Harmony": "和諧",
    "Unity": "合",
    "Everbright": "光大",
    "Rising": "昇",
    "Crown": "冠",
    "Pearl": "明珠",
    "Lucky": "吉",
    "Noble": "貴",
    "Ocean": "海洋",
    "Sky": "天",
    "Mountain": "山",
    "Horizon": "遠景",
    "Heritage": "傳承",
    "Pioneer": "先鋒",
    "Vision": "遠見",
    "Wisdom": "智",
    "Crystal": "晶",
    "Rainbow": "彩虹",
    "Treasure": "寶",
    "Eagle": "鷹",
    "Tiger": "虎",
    "Panda": "熊貓",
    "Crane": "鶴",
    "Bamboo": "竹",
    "Plum": "梅",
    "Orchid": "蘭",
    "Maple": "楓",
    "Willow": "柳",
    "Cedar": "杉",
    "Jasper": "碧",
    "Ruby": "紅寶",
    "Sapphire": "藍寶",
}
# The twelve Hang Seng industries (HSICS), with their share of the board and industry words.
SECTORS: dict[str, tuple[float, dict[str, str]]] = {
    "Conglomerates": (
        0.05,
        {
            "Investment": "投資",
            "Enterprises": "企業",
            "Industries": "實業",
            "Resources": "資源",
            "Ventures": "創投",
            "Capital": "資本",
        },
    ),
    "Consumer Discretionary": (
        0.16,
        {
            "Automobile": "汽車",
            "Entertainment": "娛樂",
            "Retail": "零售",
            "Apparel": "服飾",
            "Hotels": "酒店",
            "Education": "教育",
            "Sportswear": "體育",
            "Jewellery": "珠寶",
            "Travel": "旅遊",
            "Home Furnishings": "家居",
        },
    ),
    "Consumer Staples": (
        0.07,
        {
            "Foods": "食品",
            "Dairy": "乳業",
            "Beverages": "飲品",
            "Brewery": "啤酒",
            "Agriculture": "農業",
            "Tea": "茶業",
            "Supermarkets": "超市",
            "Personal Care": "個護",
        },
    ),
    "Energy": (
        0.04,
        {
            "Petroleum": "石油",
            "Oil & Gas": "油氣",
            "Coal": "煤業",
            "Natural Gas": "燃氣",
            "Oilfield Services": "油服",
        },
    ),
    "Financials": (
        0.10,
        {
            "Bank": "銀行",
            "Securities": "證券",
            "Insurance": "保險",
            "Finance": "金融",
            "Asset Management": "資管",
            "Leasing": "租賃",
            "Credit": "信貸",
        },
    ),
    "Healthcare": (
        0.09,
        {
            "Pharmaceutical": "醫藥",
            "Biologics": "生物",
            "Medical": "醫療",
            "Biotech": "生物科技",
            "Medicine": "藥業",
            "Hospital": "醫院",
            "Diagnostics": "診斷",
            "Life Sciences": "生命科學",
        },
    ),
    "Industrials": (
        0.12,
        {
            "Machinery": "機械",
            "Logistics": "物流",
            "Shipping": "航運",
            "Engineering": "工程",
            "Environmental": "環保",
            "Aviation": "航空",
            "Railway": "鐵路",
            "Ports": "港口",
        },
    ),
    "Information Technology": (
        0.10,
        {
            "Technology": "科技",
            "Software": "軟件",
            "Semiconductor": "半導體",
            "Electronics": "電子",
            "Digital": "數碼",
            "Data": "數據",
            "Internet": "網絡",
            "Optical": "光學",
            "Cloud": "雲",
        },
    ),
    "Materials": (
        0.07,
        {
            "Mining": "礦業",
            "Steel": "鋼鐵",
            "Cement": "水泥",
            "Chemical": "化工",
            "Paper": "紙業",
            "Aluminium": "鋁業",
            "Gold Mining": "金礦",
            "Glass": "玻璃",
        },
    ),
    "Properties & Construction": (
        0.14,
        {
            "Properties": "地產",
            "Land": "置地",
            "Real Estate": "置業",
            "Development": "發展",
            "Construction": "建設",
            "Building Materials": "建材",
            "Property Services": "物業",
            "Estates": "置產",
        },
    ),
    "Telecommunications": (
        0.02,
        {
            "Telecom": "電訊",
            "Communications": "通訊",
            "Broadband": "寬頻",
            "Networks": "網通",
            "Satellite": "衛星",
        },
    ),
    "Utilities": (
        0.04,
        {
            "Power": "電力",
            "Water": "水務",
            "Gas": "煤氣",
            "Electric": "電能",
            "Clean Energy": "清潔能源",
            "New Energy": "新能源",
        },
    ),
}
# English legal ending → the Chinese one it usually carries ("" for none).
SUFFIXES: dict[str, str] = {
    "Holdings Ltd": "控股",
    "Group Ltd": "集團",
    "Co Ltd": "",
    "Ltd": "",
    "International Holdings Ltd": "國際",
    "Corp": "",
    "Group Holdings Ltd": "集團",
    "Inc": "",
}
# Enough Traditional → Simplified pairs for every character above that has a simplified form.
SIMPLIFIED = str.maketrans(
    dict(
        zip(
            "國灣區維廣門蘇漢東雲慶廈島連環長龍蓮鳳銀興諧貴遠傳鋒鷹貓鶴蘭楓紅藍資創車娛飾體寶遊"
            "飲個護氣證險貸醫藥療診學機鐵運航軟導電網數據礦鋼鋁紙築設發業產訊頻衛務潔團際實寬"
            "華頂碼農賃斷絡亞見樂",
            "国湾区维广门苏汉东云庆厦岛连环长龙莲凤银兴谐贵远传锋鹰猫鹤兰枫红蓝资创车娱饰体宝游"
            "饮个护气证险贷医药疗诊学机铁运航软导电网数据矿钢铝纸筑设发业产讯频卫务洁团际实宽"
            "华顶码农赁断络亚见乐",
            strict=True,
        )
    )
)
INDEX = {
    "ticker": "HSI",
    "name": "Hang Seng Index",
    "name_zh": "恒生指數",
    "sector": "",
    "kind": "index",
    "aliases": "hang seng|hs index|恒指|恒生指数",
}
CLOSES_COLUMNS = ["date", "ticker", "close", "prev_close", "volume", "turnover"]
SECURITIES_COLUMNS = ["ticker", "name", "name_zh", "sector", "kind", "aliases"]


@dataclass(frozen=True)
class Market:
    """Where a generated market lives and what it holds (also saved as `market.json`)."""

    closes: Path
    securities: Path
    summary: Path | None  # the last session's story, if the market has one
    stocks: int
    sessions: int
    rows: int
    first_day: date
    last_day: date
    seed: int

    def to_json(self) -> dict[str, object]:
        return {
            key: str(value) if isinstance(value, Path | date) else value
            for key, value in asdict(self).items()
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Market:
        return cls(
            closes=Path(str(data["closes"])),
            securities=Path(str(data["securities"])),
            summary=Path(str(data["summary"])) if data.get("summary") else None,
            stocks=int(str(data["stocks"])),
            sessions=int(str(data["sessions"])),
            rows=int(str(data["rows"])),
            first_day=date.fromisoformat(str(data["first_day"])),
            last_day=date.fromisoformat(str(data["last_day"])),
            seed=int(str(data["seed"])),
        )


# --- securities ---------------------------------------------------------------------------------


def _acronym(words: Sequence[str]) -> str:
    """'Golden Dragon Pharmaceutical' → 'gdp': how HK traders shorten names (ccb, smic, shkp)."""
    return "".join(w[0] for w in " ".join(words).split() if w[0].isalpha()).lower()


def _one_security(rng: np.random.Generator, sector: str) -> tuple[list[str], str, str]:
    """(English core words, Chinese name, English suffix) for one made-up company."""
    industries = SECTORS[sector][1]
    industry = str(rng.choice(list(industries)))
    form = rng.choice(3, p=[0.25, 0.35, 0.40])  # place + industry, epithet + ..., both + ...
    place = str(rng.choice(list(PLACES))) if form in (0, 2) else ""
    epithet = str(rng.choice(list(EPITHETS))) if form in (1, 2) else ""
    suffix = str(rng.choice(list(SUFFIXES)))
    core = [w for w in (place, epithet, industry) if w]
    zh_parts = [PLACES.get(place, ""), EPITHETS.get(epithet, ""), industries[industry]]
    zh = "".join(zh_parts) + SUFFIXES[suffix]
    if len(zh) > 6:  # Chinese short names run 2–6 characters: drop the ending, then the place
        zh = "".join(zh_parts)
    if len(zh) > 6:
        zh = "".join(zh_parts[1:])
    return core, zh, suffix


def _codes(rng: np.random.Generator, count: int) -> list[str]:
    if count > 9_999:
        raise ValueError(f"at most 9,999 four-digit codes, not {count}")
    numbers = np.sort(rng.choice(np.arange(1, 10_000), size=count, replace=False))
    return [f"{n:04d}.HK" for n in numbers]


def make_securities(count: int, rng: np.random.Generator) -> pd.DataFrame:
    """`count` stocks with unique names and codes, plus the Hang Seng Index row (kind index)."""
    names = list(SECTORS)
    weights = np.array([SECTORS[s][0] for s in names])
    sectors = rng.choice(names, size=count, p=weights / weights.sum())
    seen_en: set[str] = set()
    seen_zh: set[str] = set()
    rows = []
    for ticker, sector in zip(_codes(rng, count), sectors, strict=True):
        while True:
            core, zh, suffix = _one_security(rng, str(sector))
            key = " ".join(core)
            if key not in seen_en and zh not in seen_zh:
                break
        seen_en.add(key)
        seen_zh.add(zh)
        simplified = zh.translate(SIMPLIFIED)
        aliases = [_acronym(core)] + ([simplified] if simplified != zh else [])
        rows.append(
            {
                "ticker": ticker,
                "name": f"{key} {suffix}",
                "name_zh": zh,
                "sector": str(sector),
                "kind": "stock",
                "aliases": "|".join(aliases),
            }
        )
    return pd.DataFrame([INDEX, *rows], columns=SECURITIES_COLUMNS)


# --- prices -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prices:
    """Closes of every security (columns) on every session (rows), and the day before the first."""

    closes: np.ndarray
    first_prev: np.ndarray
    volumes: np.ndarray


def _random_walks(rng: np.random.Generator, sessions: int, sectors: np.ndarray) -> _Prices:
    """Correlated walks: a market factor, a sector factor and each stock's own noise."""
    stocks = len(sectors)
    market = rng.normal(0.0002, 0.011, size=(sessions + 1, 1))
    codes, sector_ids = np.unique(sectors, return_inverse=True)
    sector_moves = rng.normal(0.0, 0.006, size=(sessions + 1, len(codes)))[:, sector_ids]
    beta = rng.uniform(0.5, 1.5, size=stocks)
    own = rng.uniform(0.008, 0.035, size=stocks) * rng.standard_normal((sessions + 1, stocks))
    log_returns = beta * market + sector_moves + own
    start = np.exp(rng.normal(1.6, 1.3, size=stocks)).clip(0.1, 600)
    prices = start * np.exp(np.cumsum(log_returns, axis=0))
    # HKEX prices have at most three decimals; penny stocks stop at a cent.
    prices = np.round(prices, 3).clip(0.01, None)
    base_volume = np.exp(rng.normal(15.0, 1.5, size=stocks))
    volumes = (base_volume * rng.lognormal(0.0, 0.5, size=(sessions, stocks))).astype(np.int64)
    return _Prices(closes=prices[1:], first_prev=prices[0], volumes=volumes)


def _index_levels(rng: np.random.Generator, sessions: int) -> np.ndarray:
    walk = np.cumsum(rng.normal(0.0001, 0.012, size=sessions + 1))
    return np.round(22_000.0 * np.exp(walk), 2)


def trading_days(end: date, years: float) -> pd.DatetimeIndex:
    """Weekdays up to `end`: about 261 a year (holidays are not modelled)."""
    count = max(1, round(years * TRADING_DAYS_PER_YEAR))
    return pd.bdate_range(end=pd.Timestamp(end), periods=count)


def _closes_chunk(
    days: Sequence[str],
    tickers: np.ndarray,
    closes: np.ndarray,
    prev: np.ndarray,
    volumes: np.ndarray | None,
) -> pd.DataFrame:
    """Rows for a block of sessions, day by day, in the order a daily feed would list them."""
    n_days, n_tickers = closes.shape
    frame = pd.DataFrame(
        {
            "date": np.repeat(np.asarray(days, dtype=object), n_tickers),
            "ticker": np.tile(tickers, n_days),
            "close": closes.ravel(),
            "prev_close": prev.ravel(),
        }
    )
    if volumes is None:  # an index has no volume or turnover, as in the real feed
        frame["volume"] = ""
        frame["turnover"] = ""
    else:
        frame["volume"] = volumes.ravel()
        frame["turnover"] = np.round(volumes.ravel() * closes.ravel()).astype(np.int64)
    return frame


def write_closes(
    path: Path, days: pd.DatetimeIndex, securities: pd.DataFrame, rng: np.random.Generator
) -> int:
    """Write every close in chunks of sessions (to keep memory flat); returns the row count."""
    stocks = securities[securities["kind"] == "stock"]
    tickers = stocks["ticker"].to_numpy(dtype=object)
    prices = _random_walks(rng, len(days), stocks["sector"].to_numpy())
    index = _index_levels(rng, len(days))
    prev = np.vstack([prices.first_prev, prices.closes[:-1]])
    labels = days.strftime("%Y-%m-%d").tolist()
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(CLOSES_COLUMNS) + "\n")
        for start in range(0, len(days), DAYS_PER_CHUNK):
            block = slice(start, start + DAYS_PER_CHUNK)
            chunk = pd.concat(
                [
                    _closes_chunk(
                        labels[block],
                        tickers,
                        prices.closes[block],
                        prev[block],
                        prices.volumes[block],
                    ),
                    _closes_chunk(
                        labels[block],
                        np.array(["HSI"], dtype=object),
                        index[1:][block, None],
                        index[:-1][block, None],
                        None,
                    ),
                ]
            ).sort_values("date", kind="stable")
            chunk.to_csv(out, header=False, index=False, lineterminator="\n")
            rows += len(chunk)
    return rows


# --- the day's story ----------------------------------------------------------------------------


def write_summary(path: Path, closes: Path, securities: pd.DataFrame, day: date) -> None:
    """A short market story for the last session that names its best sector and stocks, so
    `/sector` and `/close` answers quote it as they would on a real day."""
    last = _last_day_rows(closes, day.isoformat())
    last["pct"] = (last["close"] / last["prev_close"] - 1) * 100
    index = last[last["ticker"] == "HSI"].iloc[0]
    stocks = last.merge(securities, on="ticker")
    stocks = stocks[stocks["kind"] == "stock"]
    by_sector = stocks.groupby("sector")["pct"].mean().sort_values(ascending=False)
    best_sector, worst_sector = by_sector.index[0], by_sector.index[-1]
    leaders = stocks[stocks["sector"] == best_sector].nlargest(3, "pct")
    verb = "gains" if index["pct"] >= 0 else "loses"
    named = ", ".join(f"{r.name} ({r.pct:+.2f}%)" for r in leaders.itertuples())
    path.write_text(
        f"Hang Seng {verb} {abs(index['pct']):.2f}% as {best_sector.lower()} leads\n\n"
        f"The Hang Seng Index finished at {index['close']:,.2f}, a move of "
        f"{index['pct']:+.2f}%.\n\n"
        f"{best_sector} was the strongest sector, up {by_sector.iloc[0]:.2f}% on average. "
        f"{named} led the way.\n\n"
        f"{worst_sector} lagged, with an average move of {by_sector.iloc[-1]:+.2f}%.\n",
        encoding="utf-8",
    )


def _last_day_rows(closes: Path, day: str) -> pd.DataFrame:
    """The closes of `day`, read from the end of the file (the days are in order)."""
    size = closes.stat().st_size
    with closes.open("rb") as f:
        f.seek(max(0, size - 2_000_000))
        tail = f.read().decode("utf-8").splitlines()[1:]
    rows = [line.split(",") for line in tail if line.startswith(day)]
    frame = pd.DataFrame(rows, columns=CLOSES_COLUMNS)
    frame[["close", "prev_close"]] = frame[["close", "prev_close"]].astype(float)
    return frame


# --- the whole market ---------------------------------------------------------------------------


def make_market(
    out_dir: str | Path,
    *,
    securities: int = 2_700,
    years: float = 10.0,
    seed: int = DEFAULT_SEED,
    end: date = DEFAULT_END,
) -> Market:
    """Write closes.csv, securities.csv and summary.md under `out_dir`; the same seed, the same
    files. Returns the paths and sizes (also written to `market.json`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    table = make_securities(securities, rng)
    securities_path = out / "securities.csv"
    table.to_csv(securities_path, index=False, lineterminator="\n")
    days = trading_days(end, years)
    closes_path = out / "closes.csv"
    rows = write_closes(closes_path, days, table, rng)
    summary_path = out / "summary.md"
    write_summary(summary_path, closes_path, table, days[-1].date())
    market = Market(
        closes=closes_path,
        securities=securities_path,
        summary=summary_path,
        stocks=securities,
        sessions=len(days),
        rows=rows,
        first_day=days[0].date(),
        last_day=days[-1].date(),
        seed=seed,
    )
    (out / "market.json").write_text(json.dumps(market.to_json(), indent=2), encoding="utf-8")
    return market


def cached_market(
    cache: str | Path, *, securities: int, years: float, seed: int = DEFAULT_SEED
) -> Market:
    """The market for these settings from `cache`, generated on first use."""
    out = Path(cache) / f"market-{securities}x{years:g}y-seed{seed}"
    manifest = out / "market.json"
    if manifest.exists():
        return Market.from_json(json.loads(manifest.read_text(encoding="utf-8")))
    return make_market(out, securities=securities, years=years, seed=seed)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--securities", type=int, default=2_700, help="stocks (plus the HSI)")
    parser.add_argument("--years", type=float, default=10.0, help="years of weekday sessions")
    parser.add_argument("--out", default="bench/.cache/market", help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    market = make_market(args.out, securities=args.securities, years=args.years, seed=args.seed)
    elapsed = time.perf_counter() - started
    print(
        f"{market.rows:,} closes of {market.stocks:,} stocks + HSI over {market.sessions:,} "
        f"sessions ({market.first_day} – {market.last_day}) in {elapsed:.1f}s → {market.closes}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
