"""The exchange's sessions, kept on disk for a day: a push, a sender or a web worker reads
them instead of building exchange_calendars' calendar again, and answers exactly as it would."""

from __future__ import annotations

import warnings
from datetime import date, datetime, time, timedelta

import pytest

from bot.calendar_cache import PREFIX, cached_sessions
from handlers.core.sessions import HONG_KONG, Sessions, TradingCalendar

TODAY = datetime(2025, 6, 4, 16, 30, tzinfo=HONG_KONG)


@pytest.fixture(scope="module")
def live() -> Sessions:
    return Sessions.from_exchange_calendars()


@pytest.fixture
def built(live, monkeypatch) -> list[Sessions]:
    """Every time the sessions are built from exchange_calendars (the module's one build)."""
    made: list[Sessions] = []

    def build() -> Sessions:
        made.append(live)
        return live

    monkeypatch.setattr(Sessions, "from_exchange_calendars", staticmethod(build))
    return made


def test_every_day_of_the_calendar_trades_and_closes_as_exchange_calendars_says(live):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import exchange_calendars
        import pandas as pd

        xhkg = exchange_calendars.get_calendar("XHKG", start="2015-01-01")
    calendar = TradingCalendar(lambda: Sessions.from_json(live.to_json()))
    day, checked = live.first, 0
    while day <= live.last:
        stamp = pd.Timestamp(day)
        trades = bool(xhkg.is_session(stamp))
        assert calendar.is_session(day) is trades, day
        if trades:
            bell = xhkg.session_close(stamp).to_pydatetime().astimezone(HONG_KONG)
            assert calendar.final_close(day) == bell + timedelta(minutes=10), day
            checked += 1
        day += timedelta(days=1)
    assert checked == len(xhkg.sessions)


def test_a_second_process_on_the_same_day_reads_the_sessions_without_building_them(tmp_path, built):
    first = TradingCalendar(cached_sessions(tmp_path, now=lambda: TODAY))
    assert first.final_close(date(2024, 12, 24)) == datetime(2024, 12, 24, 12, 10, tzinfo=HONG_KONG)
    second = TradingCalendar(cached_sessions(tmp_path, now=lambda: TODAY))
    assert second.final_close(date(2024, 12, 24)) == datetime(
        2024, 12, 24, 12, 10, tzinfo=HONG_KONG
    )
    assert second.is_session(date(2025, 6, 4)) and not second.is_session(date(2025, 5, 5))
    assert len(built) == 1
    assert [p.name for p in tmp_path.iterdir()] == [
        f"{PREFIX}{_version()}-2025-06-04.json"
    ]  # no half-written file left


def test_the_next_day_builds_them_again_and_removes_the_old_file(tmp_path, built):
    TradingCalendar(cached_sessions(tmp_path, now=lambda: TODAY)).is_session(date(2025, 6, 4))
    tomorrow = TODAY + timedelta(days=1)
    TradingCalendar(cached_sessions(tmp_path, now=lambda: tomorrow)).is_session(date(2025, 6, 5))
    assert len(built) == 2
    assert [p.name for p in tmp_path.iterdir()] == [f"{PREFIX}{_version()}-2025-06-05.json"]


def test_a_damaged_file_is_made_again_and_an_unwritable_folder_still_answers(tmp_path, built):
    kept = tmp_path / f"{PREFIX}{_version()}-2025-06-04.json"
    for damaged in ('{"regular": ["2025-06-0', '{"others": []}', "[" * 100_000 + "]" * 100_000):
        kept.write_text(damaged)
        assert TradingCalendar(cached_sessions(tmp_path, now=lambda: TODAY)).is_session(
            date(2025, 6, 4)
        )
        assert Sessions.from_json(kept.read_text()).bells == built[-1].bells
    assert len(built) == 3

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    calendar = TradingCalendar(cached_sessions(blocked / "closebot", now=lambda: TODAY))
    assert calendar.is_session(date(2025, 6, 4))
    assert not calendar.is_half_day(date(2025, 6, 4))


def test_the_kept_sessions_read_back_as_they_were(live):
    again = Sessions.from_json(live.to_json())
    assert again.bells == live.bells and list(again.bells) == sorted(live.bells)
    assert again.bells[date(2024, 12, 24)] == time(12, 0)
    with pytest.raises(ValueError):
        Sessions.from_json('{"regular": [], "others": {}}')


def _version() -> str:
    from importlib.metadata import version

    return version("exchange_calendars")
