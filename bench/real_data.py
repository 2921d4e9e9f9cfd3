"""The real daily closes (503 Hong Kong stocks, 2009–2025, from yfinance) as ingest files.

The file has `symbol,date,close_adj,volume` and no names or previous closes, so this writes a
closes CSV the ingest command reads (`date,ticker,close,volume`: the loader works out each
previous close itself, the path a real feed without `prev_close` takes) and a securities CSV
naming each ticker (the sample's name where it has one).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from bench.make_market import Market
from store.sample import SAMPLE_SECURITIES

# The real daily closes and volumes of 503 Hang Seng Composite stocks, 2009–2025 (yfinance);
# set CLOSEBOT_REAL_CLOSES to where that file is kept.
REAL_CLOSES = Path(
    os.environ.get(
        "CLOSEBOT_REAL_CLOSES",
        "data/hk_daily_2009-01-02_to_2025-10-30_close_volume_yfinance_autoadjust.csv.gz",
    )
)


def real_market(cache: Path, source: Path = REAL_CLOSES) -> Market:
    """The converted files under `cache/real`, written on first use."""
    out = cache / "real"
    closes, securities = out / "closes.csv", out / "securities.csv"
    if not (closes.exists() and securities.exists()):
        out.mkdir(parents=True, exist_ok=True)
        frame = pd.read_csv(source, dtype={"symbol": str, "date": str})
        frame = frame.rename(columns={"symbol": "ticker", "close_adj": "close"})
        frame[["date", "ticker", "close", "volume"]].to_csv(closes, index=False)
        _securities(frame["ticker"].unique()).to_csv(securities, index=False)
    dates = pd.read_csv(closes, usecols=["date"], dtype=str)["date"]
    return Market(
        closes=closes,
        securities=securities,
        summary=None,
        stocks=int(pd.read_csv(securities).shape[0]),
        sessions=int(dates.nunique()),
        rows=len(dates),
        first_day=pd.Timestamp(dates.min()).date(),
        last_day=pd.Timestamp(dates.max()).date(),
        seed=0,
    )


def _securities(tickers: list[str]) -> pd.DataFrame:
    known = pd.read_csv(SAMPLE_SECURITIES, dtype=str, keep_default_na=False).set_index("ticker")
    rows = []
    for ticker in sorted(tickers):
        if ticker in known.index:
            rows.append({"ticker": ticker, **known.loc[ticker].to_dict()})
        else:
            rows.append({"ticker": ticker, "name": f"HK stock {ticker}", "kind": "stock"})
    return pd.DataFrame(rows).fillna("")
