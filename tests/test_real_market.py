"""The market as Hong Kong investors see it: printed prices, the whole board, its indexes, and
what each figure counts said in the answer."""

from __future__ import annotations

import re
from datetime import date

import pytest

from handlers.answers.render import html_to_text
from handlers.commands import answer_line
from handlers.loading import load_session
from store.models import Close
from tests.conftest import SAMPLE_EVENING

JUNE_4 = date(2025, 6, 4)


def say(services, line: str) -> str:
    return html_to_text(answer_line(services, line).text)


@pytest.mark.parametrize(
    ("query", "printed"),
    [
        ("china mobile", "HK$88.85"),
        ("ccb", "HK$7.220"),
        ("byd", "HK$406.20"),
        ("hkex", "HK$403.00"),
        ("tencent", "HK$512.00"),
    ],
)
def test_a_close_is_the_price_that_printed_not_a_dividend_adjusted_one(services, query, printed):
    assert f"Close {printed}" in say(services, f"/close {query}")


def test_a_period_change_is_the_move_of_the_printed_price(services):
    start = services.store.market.close_on_or_before("0700.HK", date(2024, 12, 31))
    assert start is not None and start.close == 419.8  # Tencent's last close of 2024
    line = next(x for x in say(services, "/close tencent ytd").splitlines() if "Year to date" in x)
    assert "(+21.96%)" in line  # 512.00 / 419.80; the dividend-adjusted series said +23.03%


def test_a_listed_security_without_closes_is_named_not_missed(services):
    reply = say(services, "/close 2800")
    assert reply == "Tracker Fund 盈富基金 (2800.HK): no closes stored for it yet."


def test_nio_is_found_by_its_short_name(services):
    assert "9866.HK" in say(services, "/close nio")


@pytest.mark.parametrize("name", ["hang seng tech", "hstech", "恒生科技指數", "恒科"])
def test_the_hang_seng_tech_index_answers_to_every_name_people_use(services, name):
    reply = say(services, f"/close {name}")
    assert reply.startswith("Hang Seng TECH Index 恒生科技指數")
    assert "Level 5,219.02  ▲ +29.53 (+0.57%)" in reply


def test_the_index_close_counts_the_breadth_of_its_own_83_members(services):
    assert "Breadth of its 83 members: 55 up · 24 down · 4 unchanged" in say(services, "/close")


def test_an_earlier_day_counts_todays_members_and_says_which_list(services):
    line = next(x for x in say(services, "/close 2025-06-03").splitlines() if "Breadth" in x)
    assert line.startswith("Breadth of its 83 members (as listed on Wed 4 Jun 2025): ")


def test_a_close_shows_the_days_range_the_year_and_the_board_lot(services):
    reply = say(services, "/close innovent")
    assert "Previous close HK$65.05 · Open HK$69.00" in reply
    assert "Day's range HK$68.55 – 76.95" in reply
    assert "52-week range HK$28.65 – 76.95" in reply
    assert "Board lot 500 shares · HK$37,125.00 a lot" in reply
    assert "Turnover ≈HK$4.53B (close × volume)" in reply


def test_a_stock_listed_within_the_year_shows_its_range_since_its_first_close(services):
    assert "Range since Wed 2 Oct 2024: HK$" in say(services, "/close midea")


def test_no_mover_of_any_day_moved_a_thousand_percent(services):
    for day in ("2024-10-02", "2025-01-10", "2025-01-13", "2025-02-20", "2025-05-20"):
        reply = say(services, f"/movers all {day}")
        assert not re.search(r"[+-]\d{4,}\.\d\d%", reply), reply


def test_movers_say_which_stocks_they_rank_and_how_many_were_left_out(services):
    movers = services.store.market.movers(JUNE_4, 5)  # every stock, no floor: the count to explain
    line = say(services, "/movers").splitlines()[-3]
    assert line.startswith("Ranked: the ")
    assert f"of {movers.counted} Hang Seng Composite Index members" in line
    assert "traded at least HK$10M" in line and "(/movers all ranks them)" in line


def test_movers_hsi_ranks_only_the_index_members(services):
    members = services.store.market.membership("HSI", JUNE_4).tickers
    reply = answer_line(services, "/movers hsi 20")
    names = {q.security.name for q in _ranked(services, "HSI")}
    assert "Ranked: all 83 Hang Seng Index members" in html_to_text(reply.text)
    assert "Innovent" not in html_to_text(reply.text)  # not a member in June 2025
    assert all(q.security.ticker in members for q in _ranked(services, "HSI"))
    assert names


def _ranked(services, among):
    from handlers.core.figures import ranked_movers

    movers = ranked_movers(services.store, JUNE_4, 20, min_turnover=0, among=among)
    return movers.gainers + movers.losers


def test_a_sector_covers_the_whole_industry_and_counts_its_moves(services):
    reply = say(services, "/sector healthcare")
    counted = services.store.market.breadth(JUNE_4, sector="Healthcare")
    assert counted.total == 70
    assert (
        f"70 stocks: {counted.advancers} up · {counted.decliners} down · "
        f"{counted.unchanged} unchanged"
    ) in reply
    assert "+55 more" in reply


def test_property_does_not_quote_the_healthcare_sentence(services):
    assert "drug developers" not in say(services, "/sector property")


def test_a_day_before_the_stored_history_says_so_not_no_trading(services):
    reply = say(services, "/close hsi 2024-01-02")
    assert reply.startswith("No closes stored before Mon 3 Jun 2024; showing Mon 3 Jun 2024.")
    assert "no trading" not in reply


def test_a_real_session_missing_from_the_store_is_not_called_a_holiday(store, services):
    store.db.execute("DELETE FROM closes WHERE date = '2025-03-03'")
    reply = say(services, "/close hsi 2025-03-03")
    assert "No session on Mon 3 Mar 2025 (its closes are not stored)" in reply


def test_a_junk_row_is_set_aside_by_name_and_the_rest_loads(store, write_file):
    junk = write_file(
        "june5.csv",
        "date,ticker,close,volume\n2025-06-05,1801.HK,72.30,31001985\n2025-06-05,0700.HK,5.16,0\n",
    )
    loaded = load_session(store, junk, now=SAMPLE_EVENING.replace(day=5))
    assert loaded.report.closes == 1
    (why,) = loaded.report.set_aside
    assert why.startswith("june5.csv, row 2, column 'close': no volume and 99.2× its previous")
    assert "set aside 1 row that cannot be real" in loaded.describe()
    assert store.market.quote("0700.HK", date(2025, 6, 5)) is None
    assert isinstance(store.market.quote("1801.HK", date(2025, 6, 5)).close, Close)


def test_the_sector_chart_is_the_average_of_all_its_stocks(services):
    reply = answer_line(services, "/chart sector healthcare 1m")
    assert reply.photo is not None
    text = html_to_text(reply.text)
    # every stock with a close at the start: two of the 70 listed later in May
    assert "Healthcare: the average of 68 stocks over 1 month to Wed 4 Jun 2025" in text
    assert "(each stock weighted equally) · Hang Seng Index ▲ +5.11%" in text


def test_a_share_consolidation_is_not_a_tenfold_gain_over_a_year(services):
    # China Tower consolidated ten shares into one on 20 Feb 2025: HK$1.21 became HK$12.10
    reply = say(services, "/close 788 1y")
    assert "1 year: ▲ +2.16 (+23.23%) since Tue 4 Jun 2024" in reply
    assert "52-week range HK$9.200 – 12.46" in reply  # the 0.92 low, on today's basis


def test_share_basis_scales_prices_before_a_consolidation_only():
    from store.market import share_basis

    days = [date(2025, 2, d) for d in (18, 19, 20, 21)]
    closes = [
        Close(days[0], "0788.HK", 1.20, prev_close=1.19),
        Close(days[1], "0788.HK", 1.21, prev_close=1.20),
        Close(days[2], "0788.HK", 11.88, prev_close=12.10),  # printed on the new basis
        Close(days[3], "0788.HK", 11.92, prev_close=11.88),
    ]
    assert share_basis(closes) == pytest.approx([10.0, 10.0, 1.0, 1.0])
