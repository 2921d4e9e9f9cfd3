"""/movers leaves out stocks that hardly traded, says how many, and `/movers all` shows them."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app import services_from
from bot.config import ConfigError, Settings, load_settings
from handlers.commands import answer_line
from handlers.daily import push_parts
from handlers.render import html_to_text
from handlers.services import DEFAULT_MIN_TURNOVER, Services
from store import ingest
from tests.conftest import SAMPLE_EVENING

JUNE_4 = date(2025, 6, 4)
HEADER = "date,ticker,close,prev_close,volume,turnover,name,sector\n"
# +40% on HK$2 million: the kind of move a thin stock makes and nobody could have traded.
THIN = "2025-06-04,8899.HK,1.40,1.00,1428571,2000000,Thinly Traded Holdings,Industrials\n"


def said(services: Services, line: str) -> str:
    return html_to_text(answer_line(services, line).text)


def gainer_lines(text: str) -> list[str]:
    return text.split("Gainers")[1].split("Losers")[0].strip().splitlines()


@pytest.fixture
def thin(services, write_file) -> Services:
    """The sample day plus one illiquid stock that rose 40%."""
    ingest(services.store, write_file("thin.csv", HEADER + THIN), today=JUNE_4)
    return services


def turnover(quote) -> float | None:
    close = quote.close
    if close.turnover is not None:
        return close.turnover
    return close.close * close.volume if close.volume is not None else None


def test_no_sample_stock_trades_under_the_floor_on_4_june(store):
    stocks = store.quotes_on(JUNE_4)
    assert all(turnover(q) is not None and turnover(q) >= DEFAULT_MIN_TURNOVER for q in stocks)
    floored = store.movers(JUNE_4, 20, min_turnover=DEFAULT_MIN_TURNOVER)
    everything = store.movers(JUNE_4, 20)
    assert floored.left_out == 0
    assert (floored.gainers, floored.losers) == (everything.gainers, everything.losers)


def test_movers_leaves_out_the_thin_stock_and_says_how_many(thin):
    text = said(thin, "/movers")
    assert "Thinly Traded" not in text
    assert gainer_lines(text)[0].startswith("Innovent Biologics")
    assert "Left out 1 stock that traded under HK$10M; /movers all shows it." in text


def test_movers_all_lists_the_thin_stock_first(thin):
    text = said(thin, "/movers all")
    assert gainer_lines(text)[0].startswith("Thinly Traded")
    assert "+40.00%" in gainer_lines(text)[0]
    assert "Left out" not in text


def test_all_combines_with_a_count_and_a_side(thin):
    text = said(thin, "/movers all 10 losers")
    assert "Gainers" not in text and "Left out" not in text
    assert len([line for line in text.splitlines() if line.endswith("%")]) == 10


def test_the_count_left_out_follows_the_floor(store):
    floor = 1_000_000_000.0
    stocks = store.quotes_on(JUNE_4)
    under = [q for q in stocks if turnover(q) < floor]
    liquid = [q for q in stocks if turnover(q) >= floor]
    assert under and liquid
    movers = store.movers(JUNE_4, 5, min_turnover=floor)
    assert movers.left_out == len(under)
    assert movers.gainers == liquid[:5]
    services = Services(store, now=lambda: SAMPLE_EVENING, min_turnover=floor)
    text = said(services, "/movers")
    assert f"Left out {len(under)} stocks that traded under HK$1B; /movers all shows them." in text


def test_stored_turnover_counts_before_close_times_volume(services, write_file):
    rows = (
        # Big volume, but the stored turnover says it traded HK$5 million.
        "2025-06-04,8897.HK,10.00,8.00,9000000,5000000,Stored Turnover Ltd,Industrials\n"
        # Neither volume nor turnover: how much it traded is unknown, so it stays in.
        "2025-06-04,8898.HK,10.00,8.00,,,Unknown Turnover Ltd,Industrials\n"
    )
    ingest(services.store, write_file("two.csv", HEADER + rows), today=JUNE_4)
    movers = services.store.movers(JUNE_4, 5, min_turnover=DEFAULT_MIN_TURNOVER)
    names = [q.security.name for q in movers.gainers]
    assert names[0] == "Unknown Turnover Ltd"
    assert "Stored Turnover Ltd" not in names
    assert movers.left_out == 1


def test_the_push_uses_the_same_floor(thin):
    assert "Thinly Traded" not in push_parts(thin.store, JUNE_4, 1)[0]
    assert "Thinly Traded" in push_parts(thin.store, JUNE_4, 1, min_turnover=0)[0]


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
