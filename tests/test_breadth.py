"""/close for the index says how broad the day's move was and how fresh its figures are."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.answers.render import TELEGRAM_LIMIT, html_to_text, utf16_length
from handlers.commands import answer_line
from store import ingest
from tests.htmlcheck import html_problems

JUNE_3 = date(2025, 6, 3)
JUNE_4 = date(2025, 6, 4)


def said(services, line: str) -> str:
    return html_to_text(answer_line(services, line).text)


def counted(store, day: date) -> tuple[int, int, int]:
    """Advancers, decliners and unchanged among the Hang Seng Index's members that day, to the
    cent of a percent."""
    members = store.market.membership("HSI", day).tickers
    changes = [
        round(q.close.pct_change, 2)
        for q in store.market.quotes_on(day)
        if q.security.ticker in members
    ]
    return (
        sum(1 for c in changes if c > 0),
        sum(1 for c in changes if c < 0),
        sum(1 for c in changes if c == 0),
    )


def stored(store, day: date, at: str | None) -> None:
    """Say when the day's closes were written (UTC), or that nobody knows."""
    store.db.execute("DELETE FROM session_loads WHERE date = ?", [day.isoformat()])
    if at is not None:
        store.db["session_loads"].insert({"date": day.isoformat(), "stored_at": at})


@pytest.mark.parametrize("line", ["/close", "/close hsi"])
def test_the_index_close_counts_advancers_decliners_and_unchanged_among_its_members(services, line):
    up, down, flat = counted(services.store, JUNE_4)
    assert (up, down, flat) == (55, 24, 4)
    # Its 83 members, not the 493 stocks stored that day.
    assert up + down + flat == len(services.store.market.membership("HSI", JUNE_4).tickers) == 83
    assert len(services.store.market.quotes_on(JUNE_4)) == 493
    lines = said(services, line).splitlines()
    assert f"Breadth of its 83 members: {up} up · {down} down · {flat} unchanged" in lines


def test_an_earlier_session_counts_its_own_day_among_the_members_listed_later(services):
    up, down, flat = counted(services.store, JUNE_3)
    assert (up, down, flat) == (70, 11, 2)
    assert (up, down, flat) != counted(services.store, JUNE_4)
    lines = said(services, "/close hsi 2025-06-03").splitlines()
    # The only list stored is of 4 June, so it says so for 3 June.
    assert (
        f"Breadth of its 83 members (as listed on Wed 4 Jun 2025): "
        f"{up} up · {down} down · {flat} unchanged"
    ) in lines


def test_the_as_of_line_gives_the_session_and_when_its_data_was_stored_in_hong_kong_time(
    services,
):
    stored(services.store, JUNE_4, "2025-06-04T10:02:41+00:00")
    text = said(services, "/close")
    assert "As of Wed 4 Jun 2025 close · data stored 4 Jun 18:02 HKT" in text.splitlines()


def test_data_stored_in_another_year_says_the_year(services):
    stored(services.store, JUNE_4, "2026-01-02T01:30:00+00:00")
    assert "data stored 2 Jan 2026 09:30 HKT" in said(services, "/close")


def test_without_a_record_of_the_load_the_as_of_line_gives_the_session_only(services):
    stored(services.store, JUNE_4, None)
    lines = said(services, "/close").splitlines()
    assert "As of Wed 4 Jun 2025 close" in lines
    assert not any("data stored" in line for line in lines)


def test_the_breadth_and_as_of_lines_sit_under_the_level_in_a_valid_reply(services):
    stored(services.store, JUNE_4, "2025-06-04T10:02:41+00:00")
    reply = answer_line(services, "/close")
    assert html_problems(reply.text) == []
    assert utf16_length(reply.text) <= TELEGRAM_LIMIT
    lines = html_to_text(reply.text).splitlines()
    level = next(i for i, line in enumerate(lines) if line.startswith("Level"))
    breadth = lines.index("Breadth of its 83 members: 55 up · 24 down · 4 unchanged")
    as_of = lines.index("As of Wed 4 Jun 2025 close · data stored 4 Jun 18:02 HKT")
    assert level < breadth == as_of - 1
    assert lines[as_of + 1] == ""  # then the day's story, as before


def test_one_stock_gets_no_market_breadth(services):
    text = said(services, "/close innovent")
    assert "Breadth" not in text and "As of" not in text


def test_a_day_with_only_the_index_stored_has_no_breadth_line(services, write_file):
    path = write_file("hsi.csv", "date,ticker,close,prev_close\n2025-06-05,HSI,23906.97,23654.03\n")
    ingest(services.store, path, today=date(2025, 6, 5))
    text = said(services, "/close hsi 2025-06-05")
    assert "Breadth" not in text
    assert "As of Thu 5 Jun 2025 close · data stored" in text
