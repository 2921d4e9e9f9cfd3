"""Questions in plain words, in English, Cantonese, Traditional and Simplified Chinese: each is
read into one request, and answered as its command would answer it."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.answers.render import html_to_text
from handlers.commands import answer_line, parse_line
from handlers.core.dates import find_day, parse_day
from handlers.core.locale import TRADITIONAL, locale
from handlers.core.periods import find_period, parse_period, period_name, period_start
from handlers.core.request import Request
from handlers.core.script import question_language
from tests.questions import HELD_OUT, LABELLED, Row

JUNE_4 = date(2025, 6, 4)
OLD_DATA_TODAY = date(2026, 12, 1)  # long after the sample ends: "today" is its last session


def read(request: Request) -> tuple[object, ...]:
    """A request as the labelled rows write it."""
    target = request.target.key if request.target and request.what != "summary" else None
    day = request.day.isoformat() if request.day else None
    return (request.what, target, day, request.period, request.side, request.language)


def misses(services, rows: list[Row]) -> list[str]:
    found = []
    for question, *expected in rows:
        got = read(parse_line(services, question))
        if got != tuple(expected):
            found.append(f"{question!r}: read as {got}, labelled {tuple(expected)}")
    return found


def test_the_labelled_questions_are_read_as_labelled(services):
    assert len(LABELLED) >= 90
    missed = misses(services, LABELLED)
    accuracy = 1 - len(missed) / len(LABELLED)
    assert accuracy >= 0.95, "\n".join(missed)


def test_questions_written_apart_from_the_rules_are_read_as_labelled(services):
    missed = misses(services, HELD_OUT)
    assert 1 - len(missed) / len(HELD_OUT) >= 0.9, "\n".join(missed)


def test_the_labelled_set_asks_every_kind_of_question_in_every_way_of_writing():
    kinds = {(row[1], row[6]) for row in LABELLED}
    for what in ("close", "sector", "movers", "summary", "chart"):
        for language in ("en", "zh-Hant", "zh-Hans"):
            assert (what, language) in kinds, (what, language)


# --- each intent, in each language ------------------------------------------------------------


@pytest.mark.parametrize(
    "row",
    [
        ("what moved most today", "movers", None, "2025-06-04", None, None, "en"),
        ("what moved the market", "summary", None, None, None, None, "en"),
        ("which sector moved most", "sector", None, None, None, None, "en"),
        ("今天哪个板块最好", "sector", None, "2025-06-04", None, None, "zh-Hans"),
        ("哪个板块涨得最多", "sector", None, None, None, "gainers", "zh-Hans"),
        ("邊個板塊升得最勁", "sector", None, None, None, "gainers", "zh-Hant"),
        ("大盘怎么样", "close", "HSI", None, None, None, "zh-Hans"),
        ("what is the weather", "unclear", None, None, None, None, "en"),
        # a long message asking several things, one of them about a sector: the stock it names
        (
            "我想知道騰訊控股今日嘅收市價同埋成交量，另外醫療保健板塊係咪全部都升晒",
            "close",
            "0700.HK",
            "2025-06-04",
            None,
            None,
            "zh-Hant",
        ),
    ],
)
def test_each_of_these_questions_is_read_as_labelled(services, row):
    assert misses(services, [row]) == []


@pytest.mark.parametrize(
    ("question", "what", "target"),
    [
        ("how did xiaomi close today?", "close", "1810.HK"),
        ("小米今日收市幾多", "close", "1810.HK"),  # Cantonese
        ("小米今日收市價", "close", "1810.HK"),  # written Traditional
        ("小米今天收盘", "close", "1810.HK"),  # Simplified
        ("what happened to bank stocks", "sector", "Financials"),
        ("內銀股今日點", "sector", "Financials"),
        ("銀行股表現", "sector", "Financials"),
        ("银行股今天表现", "sector", "Financials"),
        ("biggest gainers", "movers", None),
        ("今日邊隻升得最多", "movers", None),
        ("升幅榜", "movers", None),
        ("涨幅榜", "movers", None),
        ("why did the market rise", "summary", None),
        ("點解今日升", "summary", None),
        ("為什麼今日大市下跌", "summary", None),
        ("为什么今天大盘跌了", "summary", None),
        ("show me a chart of meituan", "chart", "3690.HK"),
        ("美團走勢", "chart", "3690.HK"),
        ("美團走勢圖", "chart", "3690.HK"),
        ("美团走势图", "chart", "3690.HK"),
        ("my watchlist", "watch", None),
        ("我的自選股", "watch", None),
        ("我的自选股", "watch", None),
        ("my alerts", "alerts", None),
        ("我的提醒", "alerts", None),
        ("what can you do", "help", None),
        ("你識做咩", "help", None),
        ("怎么用", "help", None),
    ],
)
def test_each_kind_of_question_is_understood_in_each_language(services, question, what, target):
    request = parse_line(services, question)
    assert request.what == what
    assert (request.target.key if request.target else None) == target or what == "summary"


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("how did xiaomi close today?", "en"),
        ("how did 小米 close", "en"),
        ("小米今日收市幾多", "zh-Hant"),
        ("內銀股今日點", "zh-Hant"),
        ("恒指收市", "zh-Hant"),  # the same in both scripts: Hong Kong writes Traditional
        ("小米今天收盘", "zh-Hans"),
        ("点解跌", "zh-Hans"),
        ("今天跌幅榜", "zh-Hans"),  # no telling character, but 今天 is the mainland's word
    ],
)
def test_the_question_carries_the_language_it_was_written_in(services, question, language):
    assert question_language(question) == language
    assert parse_line(services, question).language == language


def test_the_answer_is_in_the_chats_language_when_one_is_set_else_the_questions():
    from handlers.core.script import answer_language

    assert answer_language("zh-Hant") == "zh-Hant"
    assert answer_language("zh-Hant", "en") == "en"
    assert answer_language("en", "zh-Hans") == "zh-Hans"
    assert answer_language("zh-Hans", "klingon") == "zh-Hans"


def test_a_command_is_english_whatever_name_it_carries(services):
    assert parse_line(services, "/close 信達生物").language == "en"


# --- dates, as people write them -------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("today", "2025-06-04"),
        ("yesterday", "2025-06-03"),
        ("the day before yesterday", "2025-06-02"),
        ("last friday", "2025-05-30"),
        ("monday", "2025-06-02"),
        ("2025-06-03", "2025-06-03"),
        ("4 Jun", "2025-06-04"),
        ("4th June 2025", "2025-06-04"),
        ("June 4", "2025-06-04"),
        ("June 3rd, 2025", "2025-06-03"),
        ("4/6", "2025-06-04"),  # day first, as Hong Kong writes it
        ("3/6/2025", "2025-06-03"),
        ("3/6/25", "2025-06-03"),
        ("今日", "2025-06-04"),
        ("今天", "2025-06-04"),
        ("尋日", "2025-06-03"),
        ("琴日", "2025-06-03"),
        ("昨日", "2025-06-03"),
        ("昨天", "2025-06-03"),
        ("前日", "2025-06-02"),
        ("前天", "2025-06-02"),
        ("上星期五", "2025-05-30"),
        ("上週五", "2025-05-30"),
        ("上周五", "2025-05-30"),
        ("星期一", "2025-06-02"),
        ("6月4日", "2025-06-04"),
        ("6月3號", "2025-06-03"),
        ("2025年6月3日", "2025-06-03"),
        ("六月三日", "2025-06-03"),
        ("2 weeks ago", "2025-05-21"),
        ("a month ago", "2025-05-04"),
        ("三日前", "2025-06-01"),
        ("兩個星期前", "2025-05-21"),
    ],
)
def test_each_way_of_writing_a_day_is_read(written, day):
    assert parse_day(written, today=JUNE_4, reference=JUNE_4) == date.fromisoformat(day)


@pytest.mark.parametrize("written", ["31/2", "2025-02-30", "32 Jun", "7", "700", "2m"])
def test_what_is_no_day_is_not_read_as_one(written):
    assert parse_day(written, today=JUNE_4, reference=JUNE_4) is None


def test_today_is_the_latest_stored_session_when_the_data_ended_long_ago():
    for written in ("today", "今日", "今天"):
        assert parse_day(written, today=OLD_DATA_TODAY, reference=JUNE_4) == JUNE_4
    assert parse_day("yesterday", today=OLD_DATA_TODAY, reference=JUNE_4) == date(2025, 6, 3)
    assert parse_day("3/6", today=OLD_DATA_TODAY, reference=JUNE_4) == date(2025, 6, 3)


@pytest.mark.parametrize(
    ("sentence", "rest", "day"),
    [
        ("how did xiaomi do on 3/6", "how did xiaomi do on", "2025-06-03"),
        ("what did 9988 finish at last friday", "what did 9988 finish at", "2025-05-30"),
        ("小米今日收市幾多", "小米 收市幾多", "2025-06-04"),
        ("港交所6月3日收市", "港交所 收市", "2025-06-03"),
        ("汇丰上周五收盘价", "汇丰 收盘价", "2025-05-30"),
    ],
)
def test_a_day_is_found_inside_a_sentence_in_each_language(sentence, rest, day):
    assert find_day(sentence, today=JUNE_4, reference=JUNE_4) == (rest, date.fromisoformat(day))


# --- periods, as people write them -----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "period"),
    [
        ("1w", "1w"),
        ("2w", "2w"),
        ("1m", "1m"),
        ("3m", "3m"),
        ("6m", "6m"),
        ("ytd", "ytd"),
        ("1y", "1y"),
        ("5y", "5y"),
        ("30d", "30d"),
        ("12m", "1y"),
        ("1 month", "1m"),
        ("3 months", "3m"),
        ("two weeks", "2w"),
        ("this year", "ytd"),
        ("year to date", "ytd"),
        ("一個月", "1m"),
        ("一个月", "1m"),
        ("三個月", "3m"),
        ("三个月", "3m"),
        ("兩星期", "2w"),
        ("一年", "1y"),
        ("半年", "6m"),
        ("年初至今", "ytd"),
        ("今年", "ytd"),
        ("今年以来", "ytd"),
        ("30天", "30d"),
        ("this week", "1w"),
        ("last month", "1m"),
        ("本週", "1w"),
        ("上個月", "1m"),
        ("这个月", "1m"),
    ],
)
def test_each_way_of_writing_a_period_is_read(written, period):
    assert parse_period(written) == period


@pytest.mark.parametrize("written", ["3 jun", "700", "0m", "99y", "6月4日", "last week of may"])
def test_what_is_no_period_is_not_read_as_one(written):
    assert parse_period(written) is None


@pytest.mark.parametrize(
    ("sentence", "rest", "period"),
    [
        ("xiaomi 3 months", "xiaomi", "3m"),
        ("tencent over the past year", "tencent", "1y"),
        ("美團三個月升咗幾多", "美團 升咗幾多", "3m"),
        ("中國移動年初至今表現", "中國移動 表現", "ytd"),
        ("泡泡玛特一个月涨了多少", "泡泡玛特 涨了多少", "1m"),
    ],
)
def test_a_period_is_found_inside_a_sentence_in_each_language(sentence, rest, period):
    assert find_period(sentence) == (rest, period)


def test_new_periods_are_measured_back_from_the_day_and_named_in_words():
    assert period_start(JUNE_4, "30d") == date(2025, 5, 5)
    assert period_start(JUNE_4, "2w") == date(2025, 5, 21)
    assert period_start(JUNE_4, "5y") == date(2020, 6, 4)
    assert [period_name(p) for p in ("30d", "2w", "1y", "5y", "ytd")] == [
        "30 days",
        "2 weeks",
        "1 year",
        "5 years",
        "year to date",
    ]


# --- the answers ------------------------------------------------------------------------------


def say(services, line: str) -> str:
    return html_to_text(answer_line(services, line).text)


def say_in(services, code: str, line: str) -> str:
    """The answer in a chat that chose `code` (a command is answered in the chat's language)."""
    return say(services.speaking(locale(code), chosen=True), line)


def test_how_did_xiaomi_do_on_3_6_gives_its_close_of_tuesday_3_june(services):
    text = say(services, "how did xiaomi do on 3/6")
    assert text.startswith("Xiaomi Corp 小米集團-W\n1810.HK · Tue 3 Jun 2025\nClose HK$53.20")
    assert text == say(services, "/close 1810 2025-06-03")


def test_the_biggest_gain_in_chinese_gives_the_gainers_in_chinese(services):
    text = say(services, "升幅最大")
    assert "升跌榜 · 2025年6月4日（三）" in text
    assert "▲ 升幅榜" in text and "▼ 跌幅榜" not in text


def test_why_did_it_rise_in_cantonese_gives_the_days_story(services):
    assert say(services, "點解今日升") == say_in(services, TRADITIONAL, "/summary 2025-06-04")
    assert say(services, "why did the market rise") == say(services, "/summary")


def test_hows_the_market_gives_the_index_close(services):
    assert say(services, "how's the market") == say(services, "/close")
    assert say(services, "大市點") == say_in(services, TRADITIONAL, "/close")


def test_a_sector_word_gives_the_sector(services):
    assert say(services, "內銀股今日點") == say_in(
        services, TRADITIONAL, "/sector financials 2025-06-04"
    )
    assert say(services, "what happened to bank stocks").startswith("Financials · Wed 4 Jun")


def test_a_command_without_its_slash_is_answered_as_the_command(services):
    assert say(services, "close 9988") == say(services, "/close 9988")


def test_a_name_with_a_period_adds_the_change_over_it(services):
    text = say(services, "xiaomi 3 months")
    assert "3 months: ▲" in text or "3 months: ▼" in text


def test_a_guess_says_what_it_was_taken_as(services):
    text = say(services, "how did xaiomi close")
    assert text.startswith("Taken as Xiaomi Corp (1810.HK).\nXiaomi Corp")


def test_a_guessed_name_with_an_ampersand_is_escaped_once(services):
    reply = answer_line(services, "how did hong kong and china gas close")
    assert reply.text.startswith("<i>Taken as Hong Kong &amp; China Gas Co Ltd (0003.HK).</i>")


def test_a_name_written_in_full_is_answered_without_a_note(services):
    assert not say(services, "how did xiaomi close").startswith("Taken as")


def test_a_name_in_full_among_unknown_words_is_still_found(services):
    request = parse_line(services, "xiaomi since january")
    assert (request.what, request.target.key) == ("close", "1810.HK")


def test_two_names_in_one_question_are_offered_as_a_choice(services):
    reply = answer_line(services, "compare tencent and alibaba")
    assert [b.command for b in reply.button_list] == ["/close 0700.HK", "/close 9988.HK"]


def test_a_real_tie_offers_buttons_that_keep_the_day(services):
    reply = answer_line(services, "藥明尋日點")
    commands = [b.command for b in reply.button_list]
    assert "/close 2269.HK 2025-06-03" in commands
    assert "/close 2359.HK 2025-06-03" in commands


def test_a_stock_without_closes_says_exactly_that(services):
    assert say(services, "how did tracker fund close yesterday") == (
        "Tracker Fund 盈富基金 (2800.HK): no closes stored for it yet."
    )


def test_a_period_beyond_the_stored_history_says_exactly_that(services):
    text = say(services, "恒指五年")
    assert "5年：儲存的歷史數據不足（其收市數據由2024年6月3日（一）開始）" in text
    text = say(services, "hsi 5 years")
    assert "5 years: not enough history in the store (its closes begin Mon 3 Jun 2024)" in text


def test_a_weekend_in_plain_words_shows_the_friday(services):
    text = say(services, "xiaomi 31/5")
    assert "No session on Sat 31 May 2025 (no trading that day)" in text
    assert "1810.HK · Fri 30 May 2025" in text


def test_today_on_a_sunday_shows_fridays_close(store, sample_names):
    from datetime import datetime

    from handlers.services import HONG_KONG, Services

    sunday = Services(
        store,
        now=lambda: datetime(2025, 6, 1, 11, 0, tzinfo=HONG_KONG),
        known_names=sample_names,
    )
    text = say(sunday, "how did xiaomi close today?")
    assert "No session on Sun 1 Jun 2025 (no trading that day)" in text
    assert "1810.HK · Fri 30 May 2025" in text
    # Asked in Cantonese, answered in Traditional Chinese: the same Friday.
    text = say(sunday, "小米今日收市幾多")
    assert "2025年6月1日（日）沒有交易時段" in text
    assert "1810.HK · 2025年5月30日（五）" in text


def test_yesterday_said_on_a_holiday_names_it(store, sample_names):
    from datetime import datetime

    from handlers.services import HONG_KONG, Services

    friday = Services(
        store,
        now=lambda: datetime(2025, 5, 2, 18, 0, tzinfo=HONG_KONG),
        known_names=sample_names,
    )
    text = say(friday, "how did the hang seng index close yesterday")
    assert "No session on Thu 1 May 2025 (Labour Day, no trading)" in text
    assert "HSI · Wed 30 Apr 2025" in text
    text = say(friday, "恒指尋日收市點")
    assert "2025年5月1日（四）沒有交易時段（勞動節，休市）" in text
    assert "HSI · 2025年4月30日（三）" in text


def test_a_name_in_a_question_that_matches_nothing_says_so(services):
    assert say(services, "how did xyzzy close").startswith("Nothing is a close match for ‘xyzzy’")


def test_words_that_ask_nothing_get_the_hint(services):
    assert say(services, "xyzzy").startswith("Send a stock's name or code")


def test_a_button_is_read_as_the_command_it_carries(services):
    request = parse_line(services, "/close 2269.HK 2025-06-03")
    assert (request.what, request.args) == ("close", "2269.HK 2025-06-03")


def test_ask_answers_plain_words_from_the_command_line(store, tmp_path, capsys):
    import sqlite3

    from bot.__main__ import main

    path = tmp_path / "copy.db"
    copy = sqlite3.connect(path)
    store.db.conn.backup(copy)
    copy.close()
    # The real clock: long after the sample, so "3/6" is the sample's 3 June.
    assert main(["--db", str(path), "ask", "how did xiaomi do on 3/6"]) == 0
    assert "1810.HK · Tue 3 Jun 2025" in capsys.readouterr().out
    assert main(["--db", str(path), "ask", "升幅最大"]) == 0
    assert "升幅榜" in capsys.readouterr().out  # a Chinese question, answered in Chinese
    assert main(["--db", str(path), "ask", "點解今日升"]) == 0
    assert "恒指升0.6%連升兩日　藥股領漲" in capsys.readouterr().out  # the story as written in it
