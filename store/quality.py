"""Prices that cannot be real, found by comparing each close with its neighbours.

Public price files carry the odd junk row: a quote from months before a company listed, a
price with its decimal point one day out of place. Such a row would make a stock's day the
biggest mover on the board, so it is better set aside than shown. Real prices can jump ten
times too, in a share consolidation, but then they stay at the new level; and a half-day
session shows no volume for every stock while its prices are fine. The rules below tell the
junk from both.

Also here: HKEX's price steps, which every printed price sits on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

# A close this many times above or below a neighbour is no ordinary day's move.
FAR = 10.0
# Two neighbours this close to each other describe one price level, with the row between
# them out of line: a spike out and back.
AGREE = 2.0

# HKEX's spread table: each band's upper edge and its price step. A price on a band's edge
# belongs to the lower band, and is a whole number of the upper band's steps as well.
STEP_EDGES = (0.25, 0.50, 10.0, 20.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 9995.0)
STEPS = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
LOWEST_PRICE = 0.01
# Prices read from files carry float noise; this far from a step (in steps) is still on it.
_STEP_TOLERANCE = 1e-6


def implausible_closes(frame: pd.DataFrame) -> pd.Series:
    """Why each candidate close cannot be a real price, by the labels of the rows flagged.

    `frame` has `ticker`, `date`, `close`, `volume` (NaN when unknown) and `candidate`: rows
    being checked are True, rows already stored are False and serve only as neighbours. A
    close is flagged when it is at least ten times away from every neighbour it has, and
    either both neighbours agree with each other (a one-day spike out and back) or it has one
    neighbour only and traded no shares (a stray quote before a listing or after a delisting).
    """
    if frame.empty:
        return pd.Series(dtype=object)
    rows = _with_neighbours(frame)
    flags = flag_implausible(
        rows["close"].to_numpy(),
        rows["previous_close"].to_numpy(dtype=float),
        rows["next_close"].to_numpy(dtype=float),
        rows["volume"].to_numpy(),
    )
    flagged = rows[rows["candidate"].to_numpy() & flags].sort_values("position")
    reasons = [_reason(row) for row in flagged.itertuples(index=False)]
    labels = frame.index[flagged["position"].to_numpy()]
    return pd.Series(reasons, index=labels, dtype=object)


def flag_implausible(
    close: np.ndarray, previous: np.ndarray, following: np.ndarray, volume: np.ndarray
) -> np.ndarray:
    """The rule of `implausible_closes` on arrays: each close with its neighbours' closes (NaN
    where it has none) and its volume (NaN when unknown); True where it cannot be real."""
    with np.errstate(divide="ignore", invalid="ignore"):
        far_previous = _far(close, previous)
        far_next = _far(close, following)
        agree = _agree(previous, following)
    has_previous = ~np.isnan(previous)
    has_next = ~np.isnan(following)
    spike = far_previous & far_next & agree
    no_trades = np.isnan(volume) | (volume == 0)
    lonely = no_trades & ((far_previous & ~has_next) | (far_next & ~has_previous))
    return spike | lonely


@dataclass(frozen=True)
class Neighbours:
    """One close set aside, and what it was judged against (NaN and None where missing)."""

    close: float
    volume: float
    previous_close: float
    previous_day: date | None
    next_close: float
    next_day: date | None


def reason(row: Neighbours) -> str:
    """What an operator reads about a row set aside: the price and the neighbours it defies."""
    return _reason(row)


def price_step(prices: pd.Series) -> pd.Series:
    """HKEX's price step at each price (NaN outside the table: below 0.01 or above 9,995)."""
    values = prices.to_numpy(dtype=float)
    # Above the top edge (or NaN) the band is one past the table: no step.
    steps = np.append(STEPS, np.nan)[np.searchsorted(STEP_EDGES, values, side="left")]
    steps[~(values >= LOWEST_PRICE)] = np.nan
    return pd.Series(steps, index=prices.index)


def on_price_steps(prices: pd.Series) -> pd.Series:
    """Whether each price is one HKEX could print: a whole number of its band's steps."""
    units = prices / price_step(prices)
    return (units - units.round()).abs() < _STEP_TOLERANCE


def _with_neighbours(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows in ticker and date order, each with its previous and next row's close and day."""
    rows = pd.DataFrame(
        {
            "position": np.arange(len(frame)),
            "ticker": frame["ticker"].to_numpy(),
            "day": pd.to_datetime(frame["date"]).to_numpy(),
            "close": frame["close"].to_numpy(dtype=float),
            "volume": frame["volume"].to_numpy(dtype=float),
            "candidate": frame["candidate"].to_numpy(dtype=bool),
        }
    )
    rows = rows.sort_values(["ticker", "day"], kind="stable", ignore_index=True)
    by_ticker = rows.groupby("ticker", sort=False)
    for side, shift in (("previous", 1), ("next", -1)):
        rows[f"{side}_close"] = by_ticker["close"].shift(shift)
        rows[f"{side}_day"] = by_ticker["day"].shift(shift)
    return rows


def _far(close: np.ndarray, neighbour: np.ndarray) -> np.ndarray:
    ratio = close / neighbour
    return (ratio >= FAR) | (ratio <= 1 / FAR)


def _agree(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    ratio = first / second
    return (ratio <= AGREE) & (ratio >= 1 / AGREE)


def _reason(row: Any) -> str:
    """What an operator reads about a row set aside: the price and the neighbours it defies."""
    if pd.notna(row.previous_close) and pd.notna(row.next_close):
        return _spike_reason(row)
    return _lonely_reason(row)


def _spike_reason(row: Any) -> str:
    return (
        f"{_price(row.close)} is {_times(row.close, row.previous_close)}× its neighbours "
        f"({_price(row.previous_close)} on {row.previous_day:%Y-%m-%d}, "
        f"{_price(row.next_close)} on {row.next_day:%Y-%m-%d})"
    )


def _lonely_reason(row: Any) -> str:
    side = "previous" if pd.notna(row.previous_close) else "next"
    neighbour, day = getattr(row, f"{side}_close"), getattr(row, f"{side}_day")
    volume = "unknown volume" if pd.isna(row.volume) else "no volume"
    return (
        f"{volume} and {_times(row.close, neighbour)}× its {side} close "
        f"({_price(neighbour)} on {day:%Y-%m-%d})"
    )


def _times(close: float, neighbour: float) -> str:
    """How many times apart two prices are, whichever is the larger: 37.5, not 0.0267."""
    low, high = sorted((close, neighbour))
    return f"{high / low:.1f}" if low > 0 else "∞"


def _price(value: float) -> str:
    """A price as quoted: two decimals at least, more only when the price has them."""
    text = f"{value:.4f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"
