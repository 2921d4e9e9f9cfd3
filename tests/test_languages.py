"""Replies in the chat's language: English, Traditional Chinese as Hong Kong writes it, and
Simplified Chinese. Each story is a person asking in their language; the catalogs are checked
against the code, and no reply on the sample lets an English sentence through."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from handlers.answers.alerts import fired_message
from handlers.answers.daily import push_parts
from handlers.answers.help import PLAIN_EXAMPLES
from handlers.answers.render import html_to_text
from handlers.commands import COMMANDS, answer_line
from handlers.core.locale import (
    ENGLISH,
    LOCALES_DIR,
    SIMPLIFIED,
    TRADITIONAL,
    language_for,
    locale,
)
from handlers.core.narrative import generate_summary
from handlers.core.sessions import HONG_KONG
from tests.test_golden import LINES

ROOT = Path(__file__).resolve().parent.parent
HANT, HANS = locale(TRADITIONAL), locale(SIMPLIFIED)


def ask(services, line: str, code: str, chat_id: int = 0) -> str:
    return html_to_text(answer_line(services.speaking(locale(code)), line, chat_id).text)


# --- choosing the language ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("telegram", "expected"),
    [
        ("zh-hk", TRADITIONAL),
        ("zh-HK", TRADITIONAL),
        ("zh-tw", TRADITIONAL),
        ("zh-hant", TRADITIONAL),
        ("zh-Hant-HK", TRADITIONAL),
        ("zh", SIMPLIFIED),
        ("zh-cn", SIMPLIFIED),
        ("zh-hans", SIMPLIFIED),
        ("zh-sg", SIMPLIFIED),
        ("en", ENGLISH),
        ("en-GB", ENGLISH),
        ("fr", ENGLISH),
        ("", ENGLISH),
        (None, ENGLISH),
    ],
)
def test_telegram_language_codes_choose_the_reply_language(telegram, expected):
    assert language_for(telegram) == expected


def test_a_chat_keeps_the_language_it_was_first_seen_in_until_someone_chooses(services):
    chats, now = services.store.chats, datetime(2025, 6, 4, 18, tzinfo=HONG_KONG)
    chats.set_language(7, TRADITIONAL, now, chosen=False)
    chats.set_language(7, ENGLISH, now, chosen=False)  # a later guess changes nothing
    assert chats.language(7) == TRADITIONAL
    chats.set_language(7, SIMPLIFIED, now, chosen=True)
    chats.set_language(7, ENGLISH, now, chosen=False)
    assert chats.language(7) == SIMPLIFIED


def test_lang_with_a_language_answers_in_it_and_keeps_it_for_the_chat(services):
    assert ask(services, "/lang zh-hk", ENGLISH, 42) == "今後我會以繁體中文回覆。/lang 可以更改。"
    assert services.store.chats.language(42) == TRADITIONAL
    assert (
        ask(services, "/lang 简体", TRADITIONAL, 42) == "今后我会以简体中文回复。/lang 可以更改。"
    )
    assert ask(services, "/lang english", SIMPLIFIED, 42).startswith("I'll reply in English")


def test_lang_alone_offers_one_button_per_language_each_in_its_own_words(services):
    reply = answer_line(services.speaking(HANT), "/lang", 42)
    assert html_to_text(reply.text) == "我現在以繁體中文（香港）回覆。選擇其他語言："
    assert [(b.text, b.command) for b in reply.button_list] == [
        ("English", "/lang en"),
        ("繁體中文（香港）", "/lang zh-hk"),
        ("简体中文", "/lang zh-hans"),
    ]


def test_lang_with_a_language_it_does_not_know_says_so_and_offers_the_buttons(services):
    reply = answer_line(services.speaking(HANT), "/lang klingon", 42)
    assert "我不認識語言‘klingon’" in reply.text
    assert len(reply.button_list) == 3
    assert services.store.chats.language(42) is None


# --- the stories --------------------------------------------------------------------------------


def test_a_zh_hk_user_asking_close_建行_gets_建設銀行s_close_in_traditional_chinese(services):
    text = ask(services, "/close 建行", TRADITIONAL)
    assert text.startswith("建設銀行 China Construction Bank Corp\n0939.HK · 2025年6月4日（三）\n")
    assert "收市 HK$7.220  ▲ 升0.060（+0.84%）" in text
    assert "前收市 HK$7.160 · 開市 HK$7.180" in text
    assert "成交額 ≈HK$24.3億（收市價 × 成交量）" in text
    assert "每手1,000股 · 每手入場費HK$7,220.00" in text
    assert "行業：金融業 ▲ +0.89%（48隻股票平均） · /sector 金融業" in text


def test_a_zh_hans_user_asking_close_汇控_gets_hsbc_in_simplified_chinese(services):
    text = ask(services, "/close 汇控", SIMPLIFIED)
    assert text.startswith("汇丰控股 HSBC Holdings PLC\n0005.HK · 2025年6月4日（三）\n")
    assert "收盘 HK$93.15  ▲ 涨1.00（+1.09%）" in text  # a price rises 涨 on the mainland
    assert "成交额 ≈HK$9.15亿" in text
    assert "行业：金融业" in text


def test_a_zh_hk_user_giving_a_day_that_does_not_exist_is_told_so_in_traditional(services):
    text = ask(services, "/close 700 2025-02-30", TRADITIONAL)
    assert text == "看不懂‘2025-02-30’：日期請寫成 2025-06-03 或 6月3日，期間寫成 1w、3m 或 1y。"
    assert ask(services, "/close 700 6月31日", TRADITIONAL).startswith("看不懂‘6月31日’")


def test_an_english_user_asking_close_建行_gets_the_english_answer(services):
    text = ask(services, "/close 建行", ENGLISH)
    assert text.startswith("China Construction Bank Corp 建設銀行\n0939.HK · Wed 4 Jun 2025\n")
    assert "Close HK$7.220  ▲ +0.060 (+0.84%)" in text


@pytest.mark.parametrize(
    ("code", "intro", "close_line"),
    [
        (ENGLISH, "I answer questions about the Hong Kong market", "/close — An index or one"),
        (TRADITIONAL, "我在收市後解答港股問題", "/close — 指數或個別證券的收市表現"),
        (SIMPLIFIED, "我在收盘后解答港股问题", "/close — 指数或个别证券的收盘表现"),
    ],
)
def test_help_lists_every_command_in_the_chats_language(services, code, intro, close_line):
    text = ask(services, "/help", code)
    assert text.startswith(intro)
    assert close_line in text
    for command in COMMANDS:
        assert f"/{command.name} — " in text


@pytest.mark.parametrize("code", [TRADITIONAL, SIMPLIFIED])
def test_chinese_help_gives_examples_written_as_a_chinese_user_types_them_and_each_works(
    services, code
):
    text = ask(services, "/help", code)
    assert "/close 700 6月3日" in text and "/movers 10 跌幅" in text
    assert "3 Jun" not in text and "losers" not in text and " move " not in text
    assert ask(services, "/close 700 6月3日", code).startswith(("騰訊控股", "腾讯控股"))
    assert "跌幅榜" in ask(services, "/movers 10 跌幅", code)


@pytest.mark.parametrize(
    ("code", "title", "gainers", "top"),
    [
        (ENGLISH, "Top movers · Wed 4 Jun 2025", "▲ Gainers", "CGN Mining"),
        (TRADITIONAL, "升跌榜 · 2025年6月4日（三）", "▲ 升幅榜", "中廣核礦業"),
        (SIMPLIFIED, "涨跌榜 · 2025年6月4日（三）", "▲ 涨幅榜", "中广核矿业"),
    ],
)
def test_movers_ranks_the_same_stocks_in_each_language(services, code, title, gainers, top):
    text = ask(services, "/movers", code)
    assert text.startswith(title)
    assert gainers in text
    assert top in text.split("▼")[0]
    assert "+28.31%" in text


def test_a_near_tie_in_chinese_is_offered_as_buttons_named_in_chinese(services):
    reply = answer_line(services.speaking(HANT), "/close 藥明")
    assert "‘藥明’可以指多於一樣東西。你是指…" in html_to_text(reply.text)
    labels = [b.text for b in reply.button_list]
    assert "藥明生物 (2269.HK)" in labels and "藥明康德 (2359.HK)" in labels


def test_a_miss_never_names_a_closest_match_after_saying_nothing_matches(services):
    for code in (ENGLISH, TRADITIONAL, SIMPLIFIED):
        reply = answer_line(services.speaking(locale(code)), "/close xyzzy")
        if reply.buttons:
            assert "No security matches" not in reply.text
            assert "沒有證券符合" not in reply.text and "没有证券符合" not in reply.text


def test_the_day_summary_written_from_the_data_reads_in_chinese(store):
    headline, body = generate_summary(store, date(2025, 6, 4), HANT)
    assert headline == "恒指升0.6%，資訊科技業領漲" or headline.startswith("恒指升0.6%，")
    assert body.startswith("恒生指數於2025年6月4日（三）升141.54點，或0.60%，收報23,654.03點。")
    assert "升幅最大的是中廣核礦業 (+28.31%)、信達生物 (+14.14%)及" in body


def test_a_summary_written_in_chinese_is_shown_to_chinese_chats_and_english_keeps_its_own(
    services, write_file
):
    from store import ingest

    with services.store.engine.atomic():  # a day whose story nobody wrote in Simplified
        services.store.engine.execute(
            "DELETE FROM summaries_by_language WHERE language = ?", [SIMPLIFIED]
        )
    english = ask(services, "/summary", ENGLISH)
    path = write_file("summary_zh.md", "恒指連升兩日 藥股領漲\n\n恒生指數升141點，收報23,654點。\n")
    report = ingest(
        services.store,
        summary=path,
        summary_date=date(2025, 6, 4),
        summary_language=TRADITIONAL,
        today=date(2025, 6, 4),
    )
    assert report.summaries == 1
    assert ask(services, "/summary", TRADITIONAL).startswith(
        "恒指連升兩日 藥股領漲\n2025年6月4日（三）\n\n恒生指數升141點"
    )
    assert "恒指連升兩日 藥股領漲" in ask(services, "/close", TRADITIONAL)
    assert ask(services, "/summary", ENGLISH) == english
    # no Simplified text was loaded: a Simplified chat reads the day's own summary
    assert ask(services, "/summary", SIMPLIFIED).startswith(english.split("\n")[0])


def test_an_alert_that_fires_is_told_in_the_chats_language(services):
    quote = services.store.market.quote("1801.HK", date(2025, 6, 4))
    alert = services.store.chats.add_alert(
        5,
        "1801.HK",
        "above",
        70.0,
        repeat=False,
        at=datetime(2025, 6, 3, 18, tzinfo=HONG_KONG),
        since_date=date(2025, 6, 3),
    )
    text = html_to_text(fired_message(alert, quote.security, quote.close, HANT))
    assert text == (
        "🔔 信達生物收報HK$74.25，高於你設定的70.00（2025年6月4日（三））。\n"
        "此提示現已關閉；/alerts 可查看。"
    )


def test_the_push_in_simplified_chinese(store):
    [text] = push_parts(store, date(2025, 6, 4), None, lang=HANS)
    assert text.startswith("🔔 <b>港股收盘</b> · 2025年6月4日（三）\n恒生指数 <b>23,654.03</b>")
    assert "停止推送：/unsubscribe" in text


def test_amounts_read_in_wan_and_yi_and_dates_with_the_weekday():
    assert HANT.compact(4_530_000_000) == "45.3億"
    assert HANS.compact(4_530_000_000) == "45.3亿"
    assert HANT.compact(12_500) == "1.25萬"
    assert HANT.rounded(10_000_000) == "1,000萬"
    assert HANT.day(date(2025, 6, 4)) == "2025年6月4日（三）"
    assert HANT.day(date(2025, 6, 8)) == "2025年6月8日（日）"


# --- the command line ---------------------------------------------------------------------------


def test_ask_with_lang_zh_hk_answers_close_建行_in_traditional_chinese(sample_file, cli):
    asked = cli("ask", "--lang", "zh-hk", "/close 建行", "--db", str(sample_file))
    assert asked.code == 0, asked.err
    assert asked.out.startswith(
        "建設銀行 China Construction Bank Corp\n0939.HK · 2025年6月4日（三）"
    )


def test_ask_with_lang_zh_hans_answers_close_汇控_in_simplified_chinese(sample_file, cli):
    asked = cli("ask", "--lang", "zh-hans", "/close 汇控", "--db", str(sample_file))
    assert asked.code == 0, asked.err
    assert asked.out.startswith("汇丰控股 HSBC Holdings PLC\n0005.HK")
    assert "收盘 HK$93.15" in asked.out


def test_ask_with_a_language_it_does_not_know_says_which_it_knows(sample_file, cli):
    asked = cli("ask", "--lang", "xx", "/close", "--db", str(sample_file))
    assert asked.code == 2
    assert "use en, zh-hk (Traditional) or zh-hans (Simplified)" in asked.err
    assert "Traceback" not in asked.err


# --- the catalogs -------------------------------------------------------------------------------

KEYWORDS = {"_": None, "_n": (1, 2), "N_": None}


def _sentences_in_the_code() -> set[str]:
    found = set()
    for folder in ("bot", "handlers", "store"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("code", [TRADITIONAL, SIMPLIFIED])
def test_every_sentence_in_the_code_is_translated_and_keeps_its_placeholders(code):
    with (LOCALES_DIR / code / "LC_MESSAGES" / "closebot.po").open("rb") as file:
        catalog = read_po(file)
    translated = {}
    for message in catalog:
        if message.id:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            translated[key] = (message.id, message.string, message.fuzzy)
    in_code = _sentences_in_the_code()
    assert in_code - set(translated) == set(), "run python scripts/catalogs.py"
    assert set(translated) - in_code == set(), "run python scripts/catalogs.py"
    for key, (ids, strings, fuzzy) in translated.items():
        assert not fuzzy, key
        for source, text in zip(
            ids if isinstance(ids, tuple) else (ids,),
            strings if isinstance(strings, tuple) else (strings,),
            strict=False,
        ):
            assert text, key
            assert set(re.findall(r"\{\w*\}", source)) == set(re.findall(r"\{\w*\}", text)), key


# Words a Chinese reply keeps in Latin letters: commands and their words, codes, units, and
# what the data or the person wrote (names, an English summary, the query echoed back).
_KEPT = re.compile(
    r"/[a-z_]+|\b\d{4}\.HK\b|HK\$|HKT|HSI|HSTECH|HSCEI|PNG|MB|English|Telegram|closebot|"
    r"zh-hk|zh-hans|\b\d{1,2} Jun\b|"
    r"Ctrl-D|‘[^’]*’|\b(?:above|below|move|repeat|add|remove|clear|gainers|losers|all|hsi|"
    r"sector|healthcare|tech|innovent|tencent|ask|out)\b"
)


def _english_left(text: str, allowed: set[str]) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z'’-]{2,}", _KEPT.sub(" ", text))
    return [w for w in words if w.lower() not in allowed]


@pytest.mark.parametrize("code", [TRADITIONAL, SIMPLIFIED])
def test_no_reply_on_the_sample_lets_an_english_sentence_through(services, code):
    market = services.store.market
    allowed = {
        word.lower()
        for security in market.securities()
        for word in re.findall(r"[A-Za-z][A-Za-z'’-]+", security.name)
    }
    summary = market.summary(date(2025, 6, 4))
    assert summary is not None
    allowed |= {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", summary.headline)}
    allowed |= {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", summary.body)}
    # /help shows questions to type in either language, whatever the chat's
    allowed |= {w.lower() for q in PLAIN_EXAMPLES for w in re.findall(r"[A-Za-z]+", q)}
    lang = services.speaking(locale(code))
    leaks = {}
    for line in [*LINES, "/lang", "/unsubscribe", "/watch clear", "/alert remove 9"]:
        reply = answer_line(lang, line)
        texts = [html_to_text(reply.text), *(b.text for b in reply.button_list)]
        left = [w for text in texts for w in _english_left(text, allowed)]
        if left:
            leaks[line] = left
    assert leaks == {}


def test_no_simplified_reply_keeps_hong_kongs_word_for_a_rise():
    with (LOCALES_DIR / SIMPLIFIED / "LC_MESSAGES" / "closebot.po").open("rb") as file:
        catalog = read_po(file)
    texts = [m.string for m in catalog if m.id]
    flat = [t for text in texts for t in (text if isinstance(text, tuple) else (text,))]
    assert not [t for t in flat if re.search(r"升幅|升跌|上升|^升$|升(?=[{\d])|(?<=})升", t)]
    assert any("涨幅" in t for t in flat)


def test_a_zh_hk_users_movers_table_lines_up_chinese_names_with_latin_ones(services):
    from handlers.answers.render import display_width

    text = ask(services, "/movers 15", TRADITIONAL)
    gainers = text.split("升幅榜\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(gainers) == 15
    # The last column is aligned right: every row ends in the same column, however wide
    # (Chinese or Latin) its name's characters are.
    assert len({display_width(row) for row in gainers}) == 1, gainers


@pytest.mark.parametrize(("words", "shown"), [("跌幅榜", "▼ 跌幅榜"), ("涨幅榜", "▲ 升幅榜")])
def test_a_chinese_user_naming_the_list_after_movers_gets_that_list(services, words, shown):
    text = ask(services, f"/movers {words}", TRADITIONAL)
    assert shown in text
    assert "我不明白" not in text


def test_chinese_replies_join_a_label_to_its_figures_with_a_full_width_colon(services):
    text = ask(services, "/close", TRADITIONAL)
    assert "83隻成份股的升跌：55升 · 24跌 · 4平" in text
    figures = text.split("\n\n")[0]  # the day's story, after them, may be English
    assert ": " not in figures


def test_the_sample_days_story_is_told_in_each_chats_own_script(services):
    assert ask(services, "/summary", TRADITIONAL).startswith("恒指升0.6%連升兩日　藥股領漲\n")
    assert ask(services, "/summary", SIMPLIFIED).startswith("恒指涨0.6%连涨两日　药股领涨\n")
    sector = ask(services, "/sector 醫療", TRADITIONAL)
    quoted = sector.split("當日市況摘要提到\n")[1]
    assert "信達生物受臨床試驗消息" in quoted and "Innovent" not in quoted


def test_names_are_cut_to_a_columns_width_whatever_their_script():
    from handlers.answers.render import display_width, shorten_to_columns

    assert shorten_to_columns("Fit Hon Teng", 20) == "Fit Hon Teng"
    assert shorten_to_columns("信達生物", 8) == "信達生物"
    assert shorten_to_columns("地平線機器人控股", 10) == "地平線機…"
    assert shorten_to_columns("Innovent Biologics", 10) == "Innovent…"
    assert all(
        display_width(shorten_to_columns(name, 9)) <= 9
        for name in ("地平線機器人控股", "Innovent Biologics", "HSBC 滙豐控股")
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/movers 恒指", "恒生指數成份股"),
        ("/movers 恒指成分股", "恒生指數成份股"),
        ("/sector 內銀", "金融業 · "),
        ("/watch 加 港交所", "已加入香港交易所 (0388.HK)"),
        ("/close 騰訊 6月3日", "當日波幅 HK$"),
    ],
)
def test_a_hong_kong_user_can_say_it_in_chinese(services, line, expected):
    assert expected in ask(services, line, TRADITIONAL, chat_id=42)


def test_movers_counts_written_in_chinese_list_that_many(services):
    for line in ("/movers 十隻", "/movers 10只", "/movers 升幅 十"):
        text = ask(services, line, TRADITIONAL)
        gainers = text.split("升幅榜\n", 1)[1].split("\n\n", 1)[0].splitlines()
        assert len(gainers) == 10, line


def test_a_watch_and_an_alert_can_be_removed_in_chinese(services):
    ask(services, "/watch add pop mart", TRADITIONAL, chat_id=42)
    assert "已刪除" in ask(services, "/watch 刪除 泡泡瑪特", TRADITIONAL, chat_id=42)
    ask(services, "/alert 700 高於 600", TRADITIONAL, chat_id=42)
    assert ask(services, "/alert 刪除 1", TRADITIONAL, chat_id=42) == "已刪除提示 1。"


def test_a_mainland_user_keeps_a_自选股_and_reads_a_lots_cost_in_mainland_words(services):
    assert ask(services, "/watch", SIMPLIFIED, chat_id=42).startswith("你的自选股是空的")
    text = ask(services, "/close 建行", SIMPLIFIED)
    assert "每手1,000股 · 每手金额HK$7,220.00" in text and "入场费" not in text
