"""Alerts judged on the close: told once per alert and session, never on half a day."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Bot
from telegram.error import Forbidden

from bot.alerting import deliver_alerts
from bot.console import local_alerts
from handlers.answers.alerts import MAX_ALERTS, parse_alert
from handlers.answers.render import html_to_text
from handlers.commands import LOCAL_CHAT, answer_line
from handlers.core.locale import ENGLISH_LOCALE
from handlers.loading import load_session
from handlers.services import Names, Services, build_matcher
from store import ingest, open_store
from store.sample import SAMPLE_CLOSES, SAMPLE_HISTORY, SAMPLE_MEMBERS, SAMPLE_SECURITIES
from tests.conftest import SAMPLE_EVENING
from tests.fake_telegram import FakeTelegramServer, client_requests
from tests.htmlcheck import html_problems

CHAT = 7
JUNE_3, JUNE_4 = date(2025, 6, 3), date(2025, 6, 4)


@pytest.fixture
def services(services, engine_name, request):
    """The sample's services on SQLite, then on PostgreSQL: each chat's settings keep the same
    way on both."""
    return request.getfixturevalue("pg_services") if engine_name == "postgresql" else services


@pytest.fixture(scope="module")
def june_3_db(tmp_path_factory):
    """The sample as it stood on the evening of 3 June, loaded once for the module, and the
    file of 4 June's closes."""
    folder = tmp_path_factory.mktemp("june3")
    store = open_store(folder / "june3.db")
    ingest(
        store, SAMPLE_HISTORY, securities=SAMPLE_SECURITIES, members=SAMPLE_MEMBERS, today=JUNE_4
    )
    closes = pd.read_csv(SAMPLE_CLOSES, dtype=str)
    before, after = folder / "before.csv", folder / "june4.csv"
    closes[closes["date"] <= "2025-06-03"].to_csv(before, index=False)
    closes[closes["date"] == "2025-06-04"].to_csv(after, index=False)
    ingest(store, before, today=JUNE_4)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    names = Names(store.market.securities_version(), build_matcher(store))
    store.close()
    return folder / "june3.db", after, names


@pytest.fixture
def june_3(fresh_store, june_3_db):
    """Services over a copy of the 3 June store; `load_june_4()` brings the next day."""
    path, after, names = june_3_db
    source = sqlite3.connect(path)
    source.backup(fresh_store.db.conn)
    source.close()
    return EveningOfJune3(fresh_store, now=lambda: SAMPLE_EVENING, known_names=names, june_4=after)


@dataclass(frozen=True)
class EveningOfJune3(Services):
    """Services on the evening of 3 June, able to bring in the next day as a load would."""

    june_4: Path = Path()

    def load_june_4(self) -> object:
        return load_session(self.store, self.june_4, now=SAMPLE_EVENING)


def fired(services) -> list[str]:
    """The tickers of alerts judged fired and not told yet."""
    return sorted(alert.ticker for _, alert in services.store.ledger.due_alerts())


class Bot_:
    """Records what would be sent; can refuse one chat as a blocked user would."""

    def __init__(self, blocked: tuple[int, ...] = ()) -> None:
        self.sent: list[tuple[int, str]] = []
        self.blocked = blocked

    async def send_message(self, chat_id: int, text: str, parse_mode: str) -> None:
        if chat_id in self.blocked:
            raise Forbidden("Forbidden: bot was blocked by the user")
        self.sent.append((chat_id, text))


def run(services, bot, day=JUNE_4):
    return asyncio.run(deliver_alerts(bot, services, day))


def say(services, line: str, chat_id: int = CHAT) -> str:
    return html_to_text(answer_line(services, line, chat_id).text)


def test_an_alert_fires_once_when_the_next_close_crosses_it(june_3):
    assert say(june_3, "/alert innovent above 70").startswith("Alert 1 set")
    bot = Bot_()
    assert run(june_3, bot, JUNE_3) == {}  # 3 June was already in when it was set
    june_3.load_june_4()
    assert run(june_3, bot) == {"sent": 1}
    assert html_to_text(bot.sent[0][1]).startswith(
        "🔔 Innovent Biologics closed at HK$74.25, above your 70.00 (Wed 4 Jun 2025)."
    )
    june_3.load_june_4()  # the same day loaded again
    assert run(june_3, bot) == {}
    assert len(bot.sent) == 1
    assert "fired Wed 4 Jun 2025" in say(june_3, "/alerts")


def test_move_10_fires_for_innovent_and_smoore_only(june_3):
    for name in ("innovent", "smoore", "pop mart", "cspc", "tencent", "trip.com"):
        say(june_3, f"/alert {name} move 10")
    june_3.load_june_4()
    assert fired(june_3) == ["1801.HK", "6969.HK"]


def test_below_60_does_not_fire_for_innovent(june_3):
    say(june_3, "/alert innovent below 60")
    june_3.load_june_4()
    assert fired(june_3) == []


def test_the_console_shows_its_alert_once_after_the_next_day_is_loaded(june_3):
    say(june_3, "/alert innovent above 70", chat_id=LOCAL_CHAT)
    assert local_alerts(june_3) == []
    june_3.load_june_4()
    (shown,) = local_alerts(june_3)
    assert shown.startswith("🔔 Innovent Biologics closed at HK$74.25, above your 70.00")
    assert local_alerts(june_3) == []
    assert run(june_3, Bot_()) == {}  # the running bot never sends the console's alerts


def test_a_repeat_alert_stays_on_after_firing(june_3):
    say(june_3, "/alert innovent above 70 repeat")
    june_3.load_june_4()
    run(june_3, Bot_())
    (alert,) = june_3.store.chats.alerts(CHAT)
    assert alert.active and alert.fired_on == JUNE_4
    assert "repeat, last fired Wed 4 Jun 2025" in say(june_3, "/alerts")


def test_nothing_is_judged_before_the_days_index_close_is_in(june_3, write_file):
    say(june_3, "/alert innovent above 70")
    partial = write_file("part.csv", "date,ticker,close\n2025-06-04,1801.HK,74.25\n")
    load_session(june_3.store, partial, now=SAMPLE_EVENING)
    assert fired(june_3) == []


def test_a_chat_that_blocked_the_bot_keeps_its_alerts_but_gets_nothing(june_3):
    say(june_3, "/alert innovent above 70", chat_id=1)
    say(june_3, "/alert innovent above 71", chat_id=2)
    say(june_3, "/watch add innovent", chat_id=2)
    june_3.load_june_4()
    bot = Bot_(blocked=(2,))
    assert run(june_3, bot) == {"sent": 1, "blocked": 1}
    assert june_3.store.ledger.is_blocked(2)
    assert june_3.store.chats.alerts(2) and june_3.store.chats.watchlist(2)


def test_a_chat_that_blocked_the_bot_on_an_alert_gets_no_more_pushes(june_3):
    say(june_3, "/subscribe", chat_id=2)
    say(june_3, "/alert innovent above 71", chat_id=2)
    june_3.load_june_4()
    assert run(june_3, Bot_(blocked=(2,))) == {"blocked": 1}
    assert june_3.store.chats.subscriber(2).active is False
    assert june_3.store.chats.alerts(2)


def test_alerts_list_each_with_a_remove_button_and_remove_works(services):
    say(services, "/alert innovent above 80")
    say(services, "/alert 700 below 450")
    reply = answer_line(services, "/alerts", CHAT)
    assert [b.command for b in reply.button_list] == ["/alert remove 1", "/alert remove 2"]
    assert say(services, "/alert remove 1") == "Alert 1 removed."
    assert [a.number for a in services.store.chats.alerts(CHAT)] == [2]
    assert say(services, "/alert remove 9") == "There is no alert 9. /alerts lists them."


def test_the_same_alert_set_twice_is_kept_once_and_a_repeating_one_is_its_own(services):
    assert say(services, "/alert innovent above 80").startswith("Alert 1 set")
    again = say(services, "/alert innovent above 80")
    assert again.startswith("You have that alert already: 1, Innovent Biologics closing above")
    assert say(services, "/alert innovent above 80 repeat").startswith("Alert 2 set")
    assert len(services.store.chats.alerts(CHAT)) == 2


@pytest.mark.parametrize(
    ("text", "name", "kind", "threshold", "repeat"),
    [
        ("信達生物 高於 80", "信達生物", "above", 80.0, False),
        ("信達生物高於80", "信達生物", "above", 80.0, False),
        ("騰訊 跌穿 450 重複", "騰訊", "below", 450.0, True),
        ("泡泡玛特 波动 5%", "泡泡玛特", "move", 5.0, False),
        ("innovent above 80 repeat", "innovent", "above", 80.0, True),
    ],
)
def test_an_alert_can_be_written_in_chinese_as_in_english(text, name, kind, threshold, repeat):
    from handlers.answers.alerts import AlertRequest
    from handlers.core.locale import ENGLISH_LOCALE

    assert parse_alert(text, ENGLISH_LOCALE) == AlertRequest(name, kind, threshold, repeat)


def test_the_21st_alert_is_refused(services):
    for price in range(MAX_ALERTS):
        say(services, f"/alert 700 above {600 + price}")
    assert "the most a chat can keep" in say(services, "/alert 700 above 999")
    assert len(services.store.chats.alerts(CHAT)) == MAX_ALERTS


def test_an_ambiguous_alert_offers_buttons_that_keep_the_line(services):
    reply = answer_line(services, "/alert wuxi above 30 repeat", CHAT)
    commands = {b.command for b in reply.button_list}
    wuxi = {f"/alert {ticker} above 30 repeat" for ticker in ("2268.HK", "2269.HK", "2359.HK")}
    assert wuxi <= commands
    assert all(command.endswith(" above 30 repeat") for command in commands)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("innovent", "Say above, below or move"),
        ("above 70", "Which stock?"),
        ("innovent above lots", "give one number"),
        ("innovent above -5", "greater than zero"),
        ("innovent move 150", "under 100"),
    ],
)
def test_a_malformed_alert_is_explained(text, problem):
    assert problem in parse_alert(text, ENGLISH_LOCALE)


def test_alert_numbers_and_percent_signs_are_understood():
    request = parse_alert("pop mart move 5% repeat", ENGLISH_LOCALE)
    assert (request.name, request.kind, request.threshold, request.repeat) == (
        "pop mart",
        "move",
        5.0,
        True,
    )


ALERT_COMMANDS = st.one_of(
    st.builds(
        lambda n, k, v: f"/alert {n} {k} {v}",
        st.sampled_from(["innovent", "700", "wuxi", "xyzzy", "<i>", "pop mart"]),
        st.sampled_from(["above", "below", "move", "sideways"]),
        st.sampled_from(["70", "5%", "-1", "abc", "1e309", "99.5"]),
    ),
    st.builds(lambda n: f"/alert remove {n}", st.integers(-2, 25)),
    st.just("/alerts"),
    st.builds(lambda t: f"/alert {t}", st.text(max_size=40)),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(ALERT_COMMANDS, max_size=25))
def test_any_sequence_of_alert_commands_keeps_the_limit_and_valid_replies(services, commands):
    for number in [a.number for a in services.store.chats.alerts(99)]:
        services.store.chats.remove_alert(99, number)
    for command in commands:
        reply = answer_line(services, command, 99)
        assert len(reply.text) <= 4096
        assert html_problems(reply.text) == []
        assert len(services.store.chats.alerts(99)) <= MAX_ALERTS


def test_over_http_a_blocked_user_during_an_alert_is_handled_like_a_push(june_3):
    token = "4440002222:AAAlertsOverHttpTokenForTests_abcdefg"
    for chat_id in (301, 302):
        say(june_3, "/alert innovent above 70", chat_id=chat_id)
    june_3.load_june_4()
    with FakeTelegramServer(token=token) as server:
        server.fail_next(
            "sendMessage",
            chat_id=302,
            error_code=403,
            description="Forbidden: bot was blocked by the user",
            times=None,
        )

        async def deliver():
            async with Bot(token, base_url=server.base_url, **client_requests()) as bot:
                return await deliver_alerts(bot, june_3, JUNE_4)

        assert asyncio.run(deliver()) == {"sent": 1, "blocked": 1}
        received = server.sent_messages(301)
        assert len(received) == 1 and "above your 70.00" in received[0]["text"]
        assert server.sent_messages(302) == []
    assert june_3.store.ledger.is_blocked(302) and not june_3.store.ledger.is_blocked(301)


def test_an_alert_whose_message_could_not_go_out_is_told_on_the_next_look(june_3):
    from telegram.error import NetworkError

    say(june_3, "/alert innovent above 70")
    june_3.load_june_4()

    class Down(Bot_):
        async def send_message(self, chat_id, text, parse_mode):
            error = NetworkError("httpx.ConnectError: connection refused")
            error.__cause__ = httpx.ConnectError("connection refused")
            raise error

    async def no_wait(seconds):
        return None

    outcomes = asyncio.run(deliver_alerts(Down(), june_3, JUNE_4, sleep=no_wait))
    assert outcomes == {"failed, will retry": 1}
    assert fired(june_3) == ["1801.HK"]  # still due, to be told
    bot = Bot_()
    assert run(june_3, bot) == {"sent": 1}
    assert len(bot.sent) == 1


def test_an_alert_number_is_never_given_twice_in_a_chat(services):
    say(services, "/alert innovent above 80")
    say(services, "/alert 700 below 450")
    say(services, "/alert remove 2")
    assert say(services, "/alert hsbc above 100").startswith("Alert 3 set")


def test_a_group_that_migrated_onto_a_chat_with_alerts_can_still_set_more(services):
    for price in (80, 81, 82):
        say(services, f"/alert innovent above {price}", chat_id=-5)
    say(services, "/alert 700 above 600", chat_id=-1009)
    services.store.chats.move_chat(-5, -1009)
    assert say(services, "/alert hsbc above 100", chat_id=-1009).startswith("Alert 4 set")


@pytest.mark.parametrize("number", ["99999999999999999999999", "²"])
def test_removing_an_alert_by_a_number_no_alert_can_have_is_answered(services, number):
    text = say(services, f"/alert remove {number}")
    assert "no alert" in text or "Which alert?" in text
