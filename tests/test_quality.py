"""Which closes are set aside as impossible, and which real oddities are left alone."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from store.quality import implausible_closes, on_price_steps, price_step

UNKNOWN = math.nan


def closes(*rows: tuple, candidate: bool = True) -> pd.DataFrame:
    """Rows of (ticker, ISO date, close, volume), all candidates or all context."""
    frame = pd.DataFrame(rows, columns=["ticker", "date", "close", "volume"])
    frame["date"] = frame["date"].map(date.fromisoformat)
    frame["volume"] = frame["volume"].astype(float)
    frame["candidate"] = candidate
    return frame


SPIKE = closes(
    ("1969.HK", "2025-01-08", 4.27, 605_000),
    ("1969.HK", "2025-01-09", 4.24, 670_000),
    ("1969.HK", "2025-01-10", 423.00, 643_000),
    ("1969.HK", "2025-01-13", 4.28, 903_000),
    ("1969.HK", "2025-01-14", 4.20, 993_000),
)
BEFORE_LISTING = closes(
    ("0300.HK", "2024-07-05", 2.49, 0),
    ("0300.HK", "2024-10-02", 93.30, 31_989_628),
    ("0300.HK", "2024-10-03", 85.00, 22_114_277),
)


def test_a_one_day_spike_out_and_back_is_flagged_with_its_neighbours() -> None:
    flagged = implausible_closes(SPIKE)
    assert flagged.to_dict() == {
        2: "423.00 is 99.8× its neighbours (4.24 on 2025-01-09, 4.28 on 2025-01-13)"
    }


def test_a_dip_out_and_back_is_flagged_too() -> None:
    frame = closes(
        ("0001.HK", "2025-03-03", 45.00, 100), ("0001.HK", "2025-03-04", 0.45, 100),
        ("0001.HK", "2025-03-05", 45.10, 100),
    )  # fmt: skip
    assert list(implausible_closes(frame).index) == [1]


def test_a_quote_with_no_volume_months_before_the_listing_is_flagged() -> None:
    flagged = implausible_closes(BEFORE_LISTING)
    assert flagged.to_dict() == {0: "no volume and 37.5× its next close (93.30 on 2024-10-02)"}


def test_a_lone_quote_of_unknown_volume_is_flagged_as_such() -> None:
    frame = BEFORE_LISTING.assign(volume=UNKNOWN)
    assert implausible_closes(frame)[0].startswith("unknown volume and 37.5× its next close")


def test_a_stray_quote_after_the_last_real_close_is_measured_from_the_previous_one() -> None:
    frame = closes(
        ("0002.HK", "2025-05-29", 64.00, 5_000_000), ("0002.HK", "2025-05-30", 64.50, 4_000_000),
        ("0002.HK", "2025-09-01", 0.64, 0),
    )  # fmt: skip
    assert implausible_closes(frame).to_dict() == {
        2: "no volume and 100.8× its previous close (64.50 on 2025-05-30)"
    }


def test_a_lone_far_close_that_traded_is_kept() -> None:
    frame = BEFORE_LISTING.assign(volume=1_000.0)
    assert implausible_closes(frame).empty


def test_a_share_consolidation_that_stays_at_its_new_level_is_kept() -> None:
    frame = closes(
        ("0788.HK", "2025-02-17", 1.20, 25_991_542), ("0788.HK", "2025-02-18", 1.21, 23_009_778),
        ("0788.HK", "2025-02-19", 1.21, 26_474_264), ("0788.HK", "2025-02-20", 11.88, 13_094_575),
        ("0788.HK", "2025-02-21", 11.92, 21_876_587), ("0788.HK", "2025-02-24", 12.10, 38_516_143),
    )  # fmt: skip
    assert implausible_closes(frame).empty


def test_a_consolidation_after_a_day_without_trades_is_kept() -> None:
    frame = closes(
        ("2038.HK", "2025-05-15", 0.85, 573_600), ("2038.HK", "2025-05-16", 0.86, 440_900),
        ("2038.HK", "2025-05-19", 0.86, 0), ("2038.HK", "2025-05-20", 8.72, 6_398_493),
        ("2038.HK", "2025-05-21", 8.40, 1_417_700),
    )  # fmt: skip
    assert implausible_closes(frame).empty


def test_half_day_sessions_without_volume_are_kept() -> None:
    frame = closes(
        ("0700.HK", "2024-12-23", 409.0, 12_000_000), ("0700.HK", "2024-12-24", 415.6, 0),
        ("0700.HK", "2024-12-27", 417.4, 9_000_000), ("0700.HK", "2024-12-30", 413.2, 8_000_000),
        ("0700.HK", "2024-12-31", 412.0, UNKNOWN), ("0700.HK", "2025-01-02", 406.0, 15_000_000),
    )  # fmt: skip
    assert implausible_closes(frame).empty


def test_two_jumps_in_a_row_are_not_a_spike() -> None:
    frame = closes(
        ("0003.HK", "2025-04-01", 1.0, 100), ("0003.HK", "2025-04-02", 10.0, 100),
        ("0003.HK", "2025-04-03", 100.0, 100),
    )  # fmt: skip
    assert implausible_closes(frame).empty


@pytest.mark.parametrize(("spike", "flagged"), [(40.0, True), (0.4, True), (39.6, False)])
def test_ten_times_exactly_is_far_enough(spike: float, flagged: bool) -> None:
    frame = closes(
        ("0005.HK", "2025-04-01", 4.0, 100), ("0005.HK", "2025-04-02", spike, 100),
        ("0005.HK", "2025-04-03", 4.0, 100),
    )  # fmt: skip
    assert (not implausible_closes(frame).empty) is flagged


def test_a_ticker_with_one_close_has_no_neighbours_to_defy() -> None:
    assert implausible_closes(closes(("9999.HK", "2025-06-04", 0.01, 0))).empty


def test_a_context_row_is_never_reported() -> None:
    frame = SPIKE.assign(candidate=False)
    assert implausible_closes(frame).empty


def test_context_rows_serve_as_neighbours() -> None:
    stored = SPIKE.drop(index=2).assign(candidate=False)
    new = SPIKE.loc[[2]]
    flagged = implausible_closes(pd.concat([stored, new]))
    assert list(flagged.index) == [2]
    assert "4.24 on 2025-01-09, 4.28 on 2025-01-13" in flagged[2]


def test_a_candidate_is_judged_against_stored_neighbours_only_when_they_exist() -> None:
    stored = BEFORE_LISTING.drop(index=0).assign(candidate=False)
    new = BEFORE_LISTING.loc[[0]]
    assert list(implausible_closes(pd.concat([new, stored])).index) == [0]
    assert implausible_closes(new).empty


def test_rows_in_any_order_with_any_labels_are_reported_by_their_labels() -> None:
    frame = pd.concat([SPIKE, BEFORE_LISTING]).iloc[::-1]
    frame.index = [f"row {n}" for n in range(len(frame))]
    flagged = implausible_closes(frame)
    assert set(flagged.index) == {"row 2", "row 5"}
    assert flagged["row 5"].startswith("423.00")


def test_other_tickers_are_not_neighbours() -> None:
    other = closes(("0300.HK", "2024-07-08", 2.50, 1_000), ("0300.HK", "2024-07-09", 2.51, 900))
    other["ticker"] = "0301.HK"
    assert list(implausible_closes(pd.concat([BEFORE_LISTING, other], ignore_index=True))) == [
        "no volume and 37.5× its next close (93.30 on 2024-10-02)"
    ]


def test_an_empty_frame_flags_nothing() -> None:
    flagged = implausible_closes(closes())
    assert flagged.empty
    assert flagged.dtype == object


def test_planted_junk_is_found_among_many_tickers_in_shuffled_order() -> None:
    rng = np.random.default_rng(7)
    tickers = [f"{n:04d}.HK" for n in range(1, 401)]
    days = [date(2024, 6, 3) + timedelta(days=n) for n in range(250)]
    frame = pd.DataFrame(
        {
            "ticker": np.repeat(tickers, len(days)),
            "date": days * len(tickers),
            "close": np.exp(rng.normal(0, 0.01, len(tickers) * len(days)).cumsum()) * 5,
            "volume": 1_000.0,
            "candidate": True,
        }
    )
    frame.loc[[1_001, 50_123], "close"] *= 100
    shuffled = frame.sample(frac=1.0, random_state=3)
    assert sorted(implausible_closes(shuffled).index) == [1_001, 50_123]


@pytest.mark.parametrize(
    ("price", "step"),
    [
        (0.01, 0.001), (0.25, 0.001), (0.255, 0.005), (0.50, 0.005), (0.51, 0.01), (10.0, 0.01),
        (10.02, 0.02), (20.0, 0.02), (20.05, 0.05), (100.0, 0.05), (100.1, 0.1), (200.0, 0.1),
        (200.2, 0.2), (500.0, 0.2), (500.5, 0.5), (1000.0, 0.5), (1001.0, 1.0), (2000.0, 1.0),
        (2002.0, 2.0), (5000.0, 2.0), (5005.0, 5.0), (9995.0, 5.0),
    ],
)  # fmt: skip
def test_each_price_has_the_step_of_its_band_and_a_band_edge_belongs_below(
    price: float, step: float
) -> None:
    assert price_step(pd.Series([price]))[0] == step


@pytest.mark.parametrize("price", [0.005, 9996.0, UNKNOWN])
def test_prices_outside_the_spread_table_have_no_step(price: float) -> None:
    assert math.isnan(price_step(pd.Series([price]))[0])


@pytest.mark.parametrize(
    ("price", "printable"),
    [
        (0.249, True), (0.252, False), (0.255, True), (0.257, False), (7.22, True),
        (7.225, False), (10.0, True), (10.01, False), (19.98, True), (74.25, True),
        (74.27, False), (88.85, True), (406.2, True), (406.3, False), (512.0, True),
        (512.2, False), (9995.0, True), (9996.0, False),
    ],
)  # fmt: skip
def test_a_printed_price_is_a_whole_number_of_steps(price: float, printable: bool) -> None:
    assert bool(on_price_steps(pd.Series([price]))[0]) is printable
