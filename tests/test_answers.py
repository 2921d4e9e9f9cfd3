"""What people ask after the close on 4 June 2025, and what the bot answers (no Telegram)."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from handlers.answers.render import html_to_text
from handlers.commands import answer_line
from handlers.core.dates import parse_day, split_trailing_day
from handlers.core.sessions import TradingCalendar

JUNE_4 = date(2025, 6, 4)


def ask(services, line: str):
    reply = answer_line(services, line)
    return reply, html_to_text(reply.text)


def test_close_alone_gives_the_hang_seng_index_with_the_days_story(services):
    reply, text = ask(services, "/close")
    assert "Hang Seng Index" in text
    assert "Wed 4 Jun 2025" in text
    assert "23,654.03" in text
    assert "▲ +141.54 (+0.60%)" in text
    assert "Hang Seng gains 0.6%" in text
    assert "The Hang Seng Index added 141.54 points" in text
    assert "/summary" in text
    assert reply.buttons == ()


@pytest.mark.parametrize(
    "query", ["innovent", "1801", "01801.hk", "01801.HK", "信達生物", "信达生物", "inovent"]
)
def test_close_finds_innovent_however_it_is_typed(services, query):
    _, text = ask(services, f"/close {query}")
    assert "Innovent Biologics" in text
    assert "1801.HK" in text
    assert "HK$74.25" in text
    assert "+14.14%" in text
    assert "Previous close HK$65.05" in text
    assert "Healthcare" in text


@pytest.mark.parametrize("query", ["popmart", "pop mart", "泡泡瑪特", "9992"])
def test_close_finds_pop_mart(services, query):
    _, text = ask(services, f"/close {query}")
    assert "Pop Mart" in text
    assert "HK$246.00" in text
    assert "+5.13%" in text


WUXI_COMPANIES = {"2268.HK", "2269.HK", "2359.HK"}  # WuXi XDC, WuXi Biologics, WuXi AppTec


def test_close_wuxi_offers_the_three_wuxi_companies_as_buttons(services):
    reply, text = ask(services, "/close wuxi")
    assert "Did you mean" in text
    commands = {b.command for b in reply.button_list}
    assert {f"/close {ticker}" for ticker in WUXI_COMPANIES} <= commands
    assert all("wuxi" in b.text.lower() for b in reply.button_list)


def test_pressing_a_did_you_mean_button_answers_for_that_security(services):
    reply, _ = ask(services, "/close wuxi")
    chosen = next(b for b in reply.button_list if "2269" in b.command)
    _, text = ask(services, chosen.command)
    assert "Wuxi Biologics" in text
    assert "+2.02%" in text


def test_close_xyzzy_says_nothing_matches_closely_and_offers_guesses_as_guesses(services):
    reply, text = ask(services, "/close xyzzy")
    # Never "No security matches" followed by names: the names it offers are questions.
    assert "Nothing is a close match for ‘xyzzy’. Did you mean one of these?" in text
    assert "No security matches" not in text
    assert "/close 700" in text
    assert len(reply.button_list) <= 3
    assert "HK$" not in text


def test_close_hsi_on_3_june_gives_23512_49(services):
    _, text = ask(services, "/close hsi 2025-06-03")
    assert "23,512.49" in text
    assert "Tue 3 Jun 2025" in text


@pytest.mark.parametrize("typed", ["3 Jun", "june 3", "3 June 2025", "2025/06/03"])
def test_close_understands_dates_written_in_words(services, typed):
    _, text = ask(services, f"/close 700 {typed}")
    assert "Tencent" in text
    assert "Tue 3 Jun 2025" in text


@pytest.mark.parametrize(
    "line",
    [
        "/close 700 2025-02-30",
        "/close 700 31/2",
        "/close 700 13/13",
        "/close 0d",
        "/chart 2800 9999d",
    ],
)
def test_a_date_or_period_that_names_none_is_said_to_be_unreadable_not_an_unknown_name(
    services, line
):
    reply, text = ask(services, line)
    word = line.split()[-1]
    assert text.startswith(f"‘{word}’ is not a day or a period I can read")
    assert "2025-06-03" in text and not reply.buttons


def test_a_decimal_number_after_a_name_is_still_looked_for_as_part_of_it(services):
    _, text = ask(services, "/close 700 1.5")
    assert "is not a day" not in text


def test_a_day_without_a_session_says_so_and_answers_for_the_session_before(services):
    _, text = ask(services, "/close innovent 2025-05-31")
    assert "No session on Sat 31 May 2025" in text
    assert "the session before: Fri 30 May 2025" in text
    assert "Fri 30 May 2025" in text.splitlines()[2]


def test_a_sunday_shows_the_friday_before_not_the_monday_after(services):
    _, text = ask(services, "/close innovent 1 Jun")
    assert "No session on Sun 1 Jun 2025 (no trading that day)" in text
    assert "1801.HK · Fri 30 May 2025" in text


def test_a_weekend_has_no_session_without_loading_the_exchange_calendar():
    calendar = TradingCalendar()
    assert not calendar.is_session(date(2025, 6, 1))  # a Sunday
    loaded = {"_calendar", "_sessions"} & set(vars(calendar))
    assert not loaded  # a dated question on a weekend stays quick
    assert calendar.is_session(date(2025, 6, 4))
    assert "_calendar" not in vars(calendar)  # a trading day needs only the sessions


@pytest.mark.parametrize(
    ("day", "holiday", "before"),
    [
        ("1 May", "Labour Day", "Wed 30 Apr 2025"),
        ("2025-01-29", "Lunar New Year", "Tue 28 Jan 2025"),
        ("2025-05-05", "Buddha's Birthday", "Fri 2 May 2025"),
        ("2024-12-25", "Christmas", "Tue 24 Dec 2024"),
    ],
)
def test_a_holiday_is_named_and_the_session_before_it_shown(services, day, holiday, before):
    _, text = ask(services, f"/close hsi {day}")
    assert f"({holiday}, no trading); the session before: {before}." in text
    assert f"HSI · {before}" in text


def test_a_sector_name_given_to_close_points_to_sector(services):
    _, text = ask(services, "/close utilities")
    assert text == "Utilities is a sector: try /sector utilities."


def test_a_sector_name_in_some_fund_names_points_to_sector_and_offers_them(services):
    reply, text = ask(services, "/close healthcare")
    assert text.startswith("Healthcare is a sector: try /sector healthcare.")
    offered = {b.command for b in reply.button_list}
    assert "/close 3174.HK" in offered  # Csop Healthcare, a fund with the sector in its name
    assert "HK$" not in text


def test_sector_helthcare_lists_innovent_first_and_quotes_the_summary(services):
    reply, text = ask(services, "/sector helthcare")
    assert text.startswith("Healthcare · Wed 4 Jun 2025")
    assert "▲ +2.14% (average of 70 stocks)" in text
    assert "70 stocks: 50 up · 17 down · 3 unchanged" in text
    table = text.split("From the day's summary")[0]
    rows = [line for line in table.splitlines() if re.match(r"\s*\d+\.", line)]
    assert len(rows) == 15 and "+55 more" in table
    assert "Innovent" in rows[0] and "+14.14%" in rows[0]
    assert "Zai Lab" in rows[1] and "+12.22%" in rows[1]
    changes = [float(row.split()[-1].rstrip("%")) for row in rows]
    assert changes == sorted(changes, reverse=True)
    assert "Innovent Biologics jumped 14.14%" in text
    assert "CSPC Pharmaceutical (+2.81%)" in text
    assert "Trade worries" not in text


@pytest.mark.parametrize(
    ("query", "sector"),
    [
        ("biotech", "Healthcare"),
        ("tech", "Information Technology"),
        # a phrase that means one sector, though one of its words is another's alias
        ("drug developers", "Healthcare"),
        ("Chip-makers", "Information Technology"),
        ("property developers", "Properties & Construction"),
        ("內房股", "Properties & Construction"),
    ],
)
def test_sector_aliases_find_the_sector(services, query, sector):
    _, text = ask(services, f"/sector {query}")
    assert text.startswith(f"{sector} · ")


def test_sector_tech_quotes_the_xiaomi_sentence(services):
    _, text = ask(services, "/sector tech")
    assert "Xiaomi gained 0.47%" in text


def test_sector_alone_ranks_every_sector_best_first(services):
    _, text = ask(services, "/sector")
    lines = [line for line in text.splitlines() if re.search(r"[+-]\d+\.\d\d%$", line)]
    assert len(lines) == 12
    changes = [float(line.split()[-1].rstrip("%")) for line in lines]
    assert changes == sorted(changes, reverse=True)
    assert lines[0].split() == ["Consumer", "Staples", "+2.91%"]
    assert lines[2].split() == ["Healthcare", "+2.14%"]
    assert lines[-1].split() == ["Telecommunications", "-1.58%"]


def test_movers_puts_cgn_mining_first_and_innovent_second_among_the_gainers(services):
    _, text = ask(services, "/movers")
    gainers, losers = text.split("Losers")
    rows = [line for line in gainers.splitlines() if line.endswith("%")]
    assert rows[0].startswith("CGN Mining") and rows[0].endswith("+28.31%")
    assert rows[1].startswith("Innovent Biologics") and rows[1].endswith("+14.14%")
    assert len(rows) == 5
    assert losers.splitlines()[1].startswith("Nagacorp")
    assert "-4.52%" in losers


def test_ten_movers_reach_smoore_among_the_gainers_and_trip_com_among_the_losers(services):
    _, text = ask(services, "/movers 10")
    gainers, losers = text.split("Losers")
    assert re.search(r"Smoore International +22\.80 +\+12\.87%", gainers)
    assert re.search(r"Trip\.com +485\.60 +-3\.94%", losers)


def test_movers_can_show_ten_losers_only(services):
    _, text = ask(services, "/movers 10 losers")
    assert "Gainers" not in text
    assert len(re.findall(r"-\d+\.\d\d%", text)) == 10


@pytest.mark.parametrize("args", ["0", "50", "sideways"])
def test_movers_with_odd_arguments_explains_the_usage(services, args):
    _, text = ask(services, f"/movers {args}")
    assert "Usage: /movers" in text


def test_summary_gives_the_whole_story(services):
    _, text = ask(services, "/summary")
    assert text.startswith("Hang Seng gains 0.6%")
    assert "Trade worries kept a lid on the rally." in text


def test_summary_for_a_day_without_one_says_so(services):
    _, text = ask(services, "/summary 2025-06-03")
    assert "No summary was written for Tue 3 Jun 2025" in text


def test_summary_for_a_sunday_says_there_was_no_session_before_naming_the_friday(services):
    _, text = ask(services, "/summary 2025-06-01")
    assert text.startswith("No session on Sun 1 Jun 2025 (no trading that day)")
    assert "No summary was written for Fri 30 May 2025" in text


def test_summary_with_words_that_are_not_a_date_explains_the_usage(services):
    _, text = ask(services, "/summary banana")
    assert "‘banana’ is not a date" in text


def test_help_lists_every_command_with_an_example(services):
    from handlers.commands import COMMANDS

    _, text = ask(services, "/help")
    for command in COMMANDS:
        assert f"/{command.name} — " in text
        assert command.examples[0] in text


def test_an_unknown_command_points_to_help(services):
    _, text = ask(services, "/weather")
    assert text == "I don't know /weather. Send /help to see what I can do."


def test_plain_text_naming_a_stock_answers_as_close(services):
    _, text = ask(services, "pop mart")
    assert "HK$246.00" in text


@pytest.mark.parametrize(
    "line",
    ["hello there", "what is the weather", "what is the weather today", "what about bitcoin"],
)
def test_plain_text_that_names_nothing_gets_a_hint_not_a_stock_it_faintly_resembles(services, line):
    reply, text = ask(services, line)
    assert text.startswith("Send a stock's name or code") and "/help" in text
    assert not reply.buttons


def test_a_misspelt_name_asked_after_in_cantonese_is_offered_as_a_choice(services):
    reply, _ = ask(services, "騰迅點")
    assert any("0700.HK" in button.text for button in reply.button_list)


def test_user_text_is_escaped_in_replies(services):
    reply, _ = ask(services, "/close <b>xyzzy</b>")
    assert "&lt;b&gt;" in reply.text


def test_an_empty_store_says_no_closes_are_loaded(fresh_store):
    from handlers.services import Services

    services = Services(fresh_store)
    for line in ("/close", "/sector", "/movers", "/summary"):
        _, text = ask(services, line)
        assert "No closes are loaded yet" in text


def test_yearless_dates_mean_the_latest_such_day_up_to_the_data():
    assert parse_day("3 jun", today=date(2026, 11, 25), reference=JUNE_4) == date(2025, 6, 3)
    assert parse_day("5 jun", today=date(2026, 11, 25), reference=JUNE_4) == date(2024, 6, 5)
    assert parse_day("yesterday", today=date(2025, 6, 5)) == JUNE_4
    assert parse_day("31 feb", today=JUNE_4) is None


def test_a_trailing_date_is_split_from_the_query():
    assert split_trailing_day("china mobile 3 jun", today=JUNE_4) == (
        "china mobile",
        date(2025, 6, 3),
    )
    assert split_trailing_day("china mobile", today=JUNE_4) == ("china mobile", None)


def test_a_listing_ingested_by_another_process_is_matched_without_a_restart(tmp_path, sample_file):
    from handlers.services import Services
    from store import ingest, open_store

    # Zijin Gold International (2259) listed after HKEX's list of July 2025 that the sample
    # holds; the operator loads a newer list while the bot runs.
    path = sample_file
    bot_side = open_store(path)
    services = Services(bot_side)
    assert services.matcher.match("2259", kinds=("security",)).outcome == "none"
    before = services.matcher.match("Zijin Gold International", kinds=("security",))
    assert "2259.HK" not in [c.key for c in before.candidates]

    operator_side = open_store(path)
    securities = tmp_path / "new_listings.csv"
    securities.write_text(
        "ticker,name,name_zh,sector,kind,category\n"
        "2259.HK,Zijin Gold International,紫金黃金國際,Materials,stock,equity\n"
    )
    ingest(operator_side, securities=securities, today=JUNE_4)
    operator_side.close()

    assert services.names.refresh()  # as the running bot's minute job does
    for query in ("2259", "Zijin Gold International", "紫金黃金國際"):
        assert services.matcher.match(query, kinds=("security",)).best.key == "2259.HK"
    _, text = ask(services, "/close 2259")
    assert text == "Zijin Gold International 紫金黃金國際 (2259.HK): no closes stored for it yet."
    bot_side.close()


def test_a_yearless_day_after_the_latest_session_is_not_last_years():
    june_5 = date(2025, 6, 5)
    assert parse_day("5 jun", today=june_5, reference=JUNE_4) == june_5


def test_asking_for_today_before_its_closes_are_in_says_so(store, sample_names):
    from handlers.services import HONG_KONG, Services

    afternoon = datetime(2025, 6, 5, 15, 0, tzinfo=HONG_KONG)
    services = Services(store, now=lambda: afternoon, known_names=sample_names)
    _, text = ask(services, "/close innovent 5 jun")
    assert "No session on Thu 5 Jun 2025 (its closes are not in yet); latest: Wed 4 Jun" in text


def test_a_sector_with_its_own_index_shows_the_index_move(services, write_file):
    from store import ingest

    securities = write_file(
        "index.csv", "ticker,name,sector,kind\nHSHCI,Hang Seng Healthcare Index,Healthcare,index\n"
    )
    closes = write_file("hshci.csv", "date,ticker,close,prev_close\n2025-06-04,HSHCI,3100,3000\n")
    ingest(services.store, closes, securities=securities, today=JUNE_4)
    _, text = ask(services, "/sector healthcare")
    assert "▲ +3.33% (Hang Seng Healthcare Index)" in text
    _, innovent = ask(services, "/close innovent")
    assert "Sector: Healthcare ▲ +3.33% (Hang Seng Healthcare Index)" in innovent


def test_a_weekend_after_the_latest_session_is_no_trading_not_late_data(store, sample_names):
    from handlers.services import HONG_KONG, Services

    monday = datetime(2025, 6, 9, 9, 0, tzinfo=HONG_KONG)
    _, text = ask(Services(store, now=lambda: monday, known_names=sample_names), "/close 700 7 jun")
    assert "No session on Sat 7 Jun 2025 (no trading that day)" in text


def test_at_the_turn_of_the_year_a_yearless_day_is_this_years():
    assert parse_day("2 jan", today=date(2026, 1, 2), reference=date(2025, 12, 31)) == date(
        2026, 1, 2
    )


def test_a_near_match_with_one_candidate_is_answered_for_it_saying_what_it_was_taken_as(services):
    text = html_to_text(answer_line(services, "/close meituan dianping").text)
    assert text.startswith("Taken as Meituan (3690.HK).\nMeituan 美團-W\n3690.HK · Wed 4 Jun 2025")
    assert "Close HK$140.70" in text


def test_a_close_that_did_not_move_from_the_day_before_is_said_to_be_unchanged(services):
    from handlers.answers.render import move
    from handlers.core.locale import locale

    assert move(0.0, 0.0) == "▬ unchanged (0.00%)"
    assert move(0.0, 0.0, lang=locale("zh_Hant")) == "▬ 平（0.00%）"
    assert move(0.01, 0.01) == "▲ +0.010 (+0.01%)"  # a move too small for its percentage
    _, text = ask(services, "/close li auto")
    assert "Close HK$116.40  ▬ unchanged (0.00%)" in text


def test_the_index_named_shows_the_same_week_and_month_as_close_alone(services):
    _, alone = ask(services, "/close")
    for line in ("/close hsi", "/close 恒指", "/close hang seng index"):
        _, named = ask(services, line)
        assert "1 week: ▲ +395.72 (+1.70%)" in named and "1 month: ▲ +1,149.35" in named, line
        assert named.splitlines()[1:6] == alone.splitlines()[1:6]
