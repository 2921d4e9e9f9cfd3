"""Periods and pictures: week/month changes in /close, and /chart as a PNG."""

from __future__ import annotations

import struct
import zlib
from datetime import date

import pytest

from handlers.answers.render import html_to_text
from handlers.commands import answer_line
from handlers.core.periods import parse_asked, period_change, period_start
from tests.offline import make_callback_update, make_message_update

JUNE_4 = date(2025, 6, 4)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def png_colours(data: bytes) -> int:
    """How many distinct pixel values the picture has: a blank chart has one or two."""
    chunks, position = [], 8
    while position < len(data):
        length = struct.unpack(">I", data[position : position + 4])[0]
        kind = data[position + 4 : position + 8]
        if kind == b"IDAT":
            chunks.append(data[position + 8 : position + 8 + length])
        position += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    return len(set(raw[i : i + 4] for i in range(0, min(len(raw), 400_000), 4)))


def test_period_starts_are_calendar_periods_back():
    assert period_start(JUNE_4, "1w") == date(2025, 5, 28)
    assert period_start(JUNE_4, "1m") == date(2025, 5, 4)
    assert period_start(date(2025, 3, 31), "1m") == date(2025, 2, 28)
    assert period_start(JUNE_4, "ytd") == date(2024, 12, 31)
    assert period_start(JUNE_4, "1y") == date(2024, 6, 4)


def test_a_query_can_carry_a_day_and_a_period_in_either_order():
    assert parse_asked("innovent 3 jun 1m", today=JUNE_4, latest=JUNE_4).period == "1m"
    asked = parse_asked("innovent 1m 3 jun", today=JUNE_4, latest=JUNE_4)
    assert (asked.query, asked.day, asked.period) == ("innovent", date(2025, 6, 3), "1m")


def test_the_month_change_of_the_hsi_is_measured_from_the_last_close_before(store):
    found = period_change(store, "HSI", JUNE_4, "1m")
    assert found.since == date(2025, 5, 2)  # 4 May was a Sunday
    assert found.close == pytest.approx(23654.03)
    assert round(found.pct_change, 2) == 5.11


def test_close_alone_shows_the_week_and_month_change_of_the_hsi(services):
    text = html_to_text(answer_line(services, "/close").text)
    assert "1 week: ▲ +395.72 (+1.70%) since Wed 28 May 2025" in text
    assert "1 month: ▲ +1,149.35 (+5.11%) since Fri 2 May 2025" in text


def test_close_with_a_period_adds_that_change(services):
    text = html_to_text(answer_line(services, "/close innovent ytd").text)
    assert "HK$74.25" in text
    assert "Year to date: ▲ +37.55 (+102.32%) since Tue 31 Dec 2024" in text


def test_a_period_longer_than_the_history_says_so(services):
    text = html_to_text(answer_line(services, "/close innovent 1y 2024-06-10").text)
    assert "1 year: not enough history in the store" in text


def test_chart_innovent_is_a_png_of_the_expected_size_and_not_blank(services):
    reply = answer_line(services, "/chart innovent 1m")
    assert png_size(reply.photo) == (800, 450)
    assert png_colours(reply.photo) > 20
    assert html_to_text(reply.text) == (
        "Innovent Biologics HK$74.25 on Wed 4 Jun 2025 · 1 month: ▲ +19.35 (+35.25%)"
    )


def test_chart_alone_is_the_hsi_over_a_month(services):
    reply = answer_line(services, "/chart")
    assert png_size(reply.photo) == (800, 450)
    assert "Hang Seng Index 23,654.03" in html_to_text(reply.text)


def test_a_sector_chart_averages_its_stocks_against_the_hang_seng_index(services):
    reply = answer_line(services, "/chart sector healthcare 3m")
    assert png_size(reply.photo) == (800, 450)
    # 67 Healthcare stocks had a close on 4 Mar 2025, where the three months start (70 on 4 Jun).
    assert html_to_text(reply.text) == (
        "Healthcare: the average of 67 stocks over 3 months to Wed 4 Jun 2025, ▲ +21.17% "
        "(each stock weighted equally) · Hang Seng Index ▲ +3.10%"
    )


def test_too_little_history_gives_a_message_not_an_empty_chart(services, fresh_store, write_file):
    from handlers.services import Services
    from store import ingest

    path = write_file(
        "two.csv",
        "date,ticker,close,name\n2025-06-03,NEW,10,New Index\n2025-06-04,NEW,11,New Index\n",
    )
    ingest(fresh_store, path, today=JUNE_4)
    reply = answer_line(Services(fresh_store), "/chart NEW 1m")
    assert reply.photo is None
    assert "Not enough history for a 1 month chart of <b>New Index</b>: 2 sessions" in reply.text


def test_a_chart_of_a_fund_with_no_closes_says_so_rather_than_offer_a_shorter_period(services):
    reply = answer_line(services, "/chart 2800")
    assert reply.photo is None
    text = html_to_text(reply.text)
    assert text == "Tracker Fund 盈富基金 (2800.HK): no closes stored for it yet."


def test_an_ambiguous_chart_offers_buttons_that_keep_the_period(services):
    reply = answer_line(services, "/chart wuxi 3m")
    commands = {b.command for b in reply.button_list}
    assert {"/chart 2268.HK 3m", "/chart 2269.HK 3m", "/chart 2359.HK 3m"} <= commands
    assert all(command.endswith(" 3m") for command in commands)


async def test_chart_innovent_1m_sends_a_photo_with_its_caption(app):
    await app.process_update(make_message_update(app.bot, "/chart innovent 1m"))
    photo = app.bot.request.last("sendPhoto")
    assert photo["parse_mode"] == "HTML"
    assert photo["caption"].startswith("<b>Innovent Biologics</b> HK$74.25 on Wed 4 Jun 2025")


async def test_pressing_a_chart_button_sends_the_picture(app):
    await app.process_update(make_callback_update(app.bot, "/chart 2269.HK 1m"))
    assert "Wuxi Biologics" in app.bot.request.last("sendPhoto")["caption"]
    assert app.bot.request.last("editMessageText")["text"] == "Chart: /chart 2269.HK 1m"


def test_ask_with_out_writes_the_picture(tmp_path, sample_file, cli):
    out = tmp_path / "chart.png"
    result = cli("--db", str(sample_file), "ask", "/chart hsi 1m", "--out", str(out))
    assert result.code == 0, result.err
    assert png_size(out.read_bytes()) == (800, 450)
    assert f"saved {out}" in result.out


def test_a_chart_of_a_near_match_with_one_candidate_says_what_it_was_taken_as(services):
    reply = answer_line(services, "/chart meituan dianping")
    assert reply.photo
    assert html_to_text(reply.text).startswith("Taken as Meituan (3690.HK).\nMeituan HK$140.70")
