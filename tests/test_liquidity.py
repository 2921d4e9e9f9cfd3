"""/movers leaves out stocks that hardly traded, says how many, and `/movers all` ranks them."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app import services_from
from bot.config import ConfigError, Settings, load_settings
from handlers.answers.daily import push_parts
from handlers.answers.render import html_to_text
from handlers.commands import answer_line
from handlers.core.figures import ranked_movers, short_name
from handlers.core.locale import ENGLISH_LOCALE
from handlers.services import DEFAULT_MIN_TURNOVER, Services
from store import ingest
from store.tickers import BOARD
from tests.conftest import SAMPLE_EVENING

JUNE_4 = date(2025, 6, 4)
HEADER = "date,ticker,close,prev_close,volume,turnover,name,sector\n"
# Dah Sing Banking fell 4.97% on 4 June 2025, the worst move among the Composite Index's
# members, on 1,162,028 shares at HK$8.41: HK$9.8 million, just under the HK$10M floor.
THIN = "2356.HK"
# The Composite Index's members with a close that day, and how many traded under HK$10M.
MEMBERS_TRADED = 493
UNDER_THE_FLOOR = 46


def said(services: Services, line: str) -> str:
    return html_to_text(answer_line(services, line).text)


def gainer_lines(text: str) -> list[str]:
    return text.split("Gainers")[1].split("Losers")[0].strip().splitlines()


def loser_lines(text: str) -> list[str]:
    return text.split("Losers")[1].split("Ranked")[0].strip().splitlines()


def member_quotes(store, day: date) -> list:
    """The day's quotes of the Hang Seng Composite Index's members, best first."""
    members = store.market.membership(BOARD, day).tickers
    return [q for q in store.market.quotes_on(day) if q.security.ticker in members]


def turnover(quote) -> float | None:
    close = quote.close
    if close.turnover is not None:
        return close.turnover
    return close.close * close.volume if close.volume is not None else None


def test_46_composite_members_trade_under_the_floor_on_4_june_and_are_not_ranked(store):
    stocks = member_quotes(store, JUNE_4)
    under = [q for q in stocks if turnover(q) < DEFAULT_MIN_TURNOVER]
    assert all(turnover(q) is not None for q in stocks)  # every one has a volume
    assert (len(stocks), len(under)) == (MEMBERS_TRADED, UNDER_THE_FLOOR)
    thin = next(q for q in stocks if q.security.ticker == THIN)
    assert turnover(thin) == pytest.approx(9_772_655.48)
    floored = ranked_movers(store, JUNE_4, 20, min_turnover=DEFAULT_MIN_TURNOVER)
    everything = ranked_movers(store, JUNE_4, 20, min_turnover=0)
    assert (floored.counted, floored.left_out) == (MEMBERS_TRADED, UNDER_THE_FLOOR)
    assert (everything.counted, everything.left_out) == (MEMBERS_TRADED, 0)
    liquid = [q for q in stocks if q not in under]
    gainers = [q for q in liquid if q.close.pct_change > 0]
    losers = sorted(
        (q for q in liquid if q.close.pct_change < 0),
        key=lambda q: (q.close.pct_change, q.security.ticker),
    )
    assert floored.gainers == gainers[:20]
    assert floored.losers == losers[:20]
    assert everything.losers[0].security.ticker == THIN
    assert floored.losers != everything.losers


def test_movers_leaves_out_dah_sing_banking_which_traded_under_the_floor_and_says_how_many(
    services,
):
    text = said(services, "/movers")
    # As tables name it.
    assert short_name(services.store.market.security(THIN)) == "Dahsing Banking"
    assert "Dahsing Banking" not in text
    assert loser_lines(text)[0].startswith("Nagacorp")  # -4.52%, the worst that traded HK$10M
    assert gainer_lines(text)[0].startswith("CGN Mining")
    assert (
        f"Ranked: the {MEMBERS_TRADED - UNDER_THE_FLOOR} of {MEMBERS_TRADED} Hang Seng Composite "
        "Index members (as listed on Fri 21 Nov 2025) with a close that traded at least HK$10M; "
        f"{UNDER_THE_FLOOR} left out (/movers all ranks them)."
    ) in text.splitlines()


def test_movers_all_lists_dah_sing_banking_as_the_worst_loser(services):
    text = said(services, "/movers all")
    assert loser_lines(text)[0].startswith("Dahsing Banking")
    assert "-4.97%" in loser_lines(text)[0]
    assert "left out" not in text
    assert (
        f"Ranked: all {MEMBERS_TRADED} Hang Seng Composite Index members (as listed on "
        "Fri 21 Nov 2025) with a close."
    ) in text.splitlines()


def test_all_combines_with_a_count_and_a_side(services):
    text = said(services, "/movers all 10 losers")
    assert "Gainers" not in text and "left out" not in text
    assert len([line for line in text.splitlines() if line.endswith("%")]) == 10
    assert loser_lines(text)[0].startswith("Dahsing Banking")


def test_the_count_left_out_follows_the_floor(store, sample_names):
    floor = 1_000_000_000.0
    stocks = member_quotes(store, JUNE_4)
    under = [q for q in stocks if turnover(q) < floor]
    liquid = [q for q in stocks if turnover(q) >= floor]
    assert under and liquid
    movers = ranked_movers(store, JUNE_4, 5, min_turnover=floor)
    assert movers.left_out == len(under)
    assert movers.gainers == liquid[:5]
    services = Services(
        store, now=lambda: SAMPLE_EVENING, min_turnover=floor, known_names=sample_names
    )
    text = said(services, "/movers")
    assert (
        f"Ranked: the {len(liquid)} of {len(stocks)} Hang Seng Composite Index members (as "
        "listed on Fri 21 Nov 2025) with a close that traded at least HK$1B; "
        f"{len(under)} left out (/movers all ranks them)."
    ) in text.splitlines()


def test_stored_turnover_counts_before_close_times_volume(services, write_file):
    before = services.store.market.movers(JUNE_4, 5, min_turnover=DEFAULT_MIN_TURNOVER)
    rows = (
        # Big volume, but the stored turnover says it traded HK$5 million.
        "2025-06-04,8897.HK,12.00,8.00,9000000,5000000,Stored Turnover Ltd,Industrials\n"
        # Neither volume nor turnover: how much it traded is unknown, so it stays in.
        "2025-06-04,8898.HK,12.00,8.00,,,Unknown Turnover Ltd,Industrials\n"
    )
    ingest(services.store, write_file("two.csv", HEADER + rows), today=JUNE_4)
    movers = services.store.market.movers(JUNE_4, 5, min_turnover=DEFAULT_MIN_TURNOVER)
    names = [q.security.name for q in movers.gainers]
    assert names[0] == "Unknown Turnover Ltd"  # +50%, ahead of CGN Mining's +28.31%
    assert "Stored Turnover Ltd" not in names
    assert movers.left_out == before.left_out + 1


def test_the_push_uses_the_same_floor(store):
    assert "Dahsing Banking" not in push_parts(store, JUNE_4, 1, lang=ENGLISH_LOCALE)[0]
    assert "Dahsing Banking" in push_parts(store, JUNE_4, 1, min_turnover=0, lang=ENGLISH_LOCALE)[0]


# --- the setting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "floor"),
    [
        ("", 10_000_000),
        ("10000000", 10_000_000),
        ("10_000_000", 10_000_000),
        ("10,000,000", 10_000_000),
        ("10m", 10_000_000),
        ("2.5M", 2_500_000),
        ("HK$1b", 1_000_000_000),
        ("500k", 500_000),
        ("0", 0),
    ],
)
def test_the_floor_setting_reads_amounts_as_people_write_them(value, floor):
    settings = load_settings({"CLOSEBOT_MOVERS_MIN_TURNOVER": value})
    assert settings.movers_min_turnover == floor


@pytest.mark.parametrize("value", ["ten million", "-5", "1e7", "10x", "1,0", "10__000"])
def test_a_floor_setting_that_is_not_an_amount_is_refused_clearly(value):
    with pytest.raises(ConfigError) as refused:
        load_settings({"CLOSEBOT_MOVERS_MIN_TURNOVER": value})
    message = str(refused.value)
    assert message.startswith("CLOSEBOT_MOVERS_MIN_TURNOVER must be an amount in HK dollars")
    assert repr(value) in message


def test_the_setting_reaches_the_services(tmp_path):
    settings = Settings(db_path=str(tmp_path / "closebot.db"), movers_min_turnover=2e6)
    services = services_from(settings)
    try:
        assert services.min_turnover == 2e6
    finally:
        services.store.close()
