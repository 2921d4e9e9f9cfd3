"""/watch: a chat's own names against the index."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.answers.render import html_to_text
from handlers.answers.watch import MAX_NAMES, split_names
from handlers.commands import answer_line
from tests.htmlcheck import html_problems

CHAT = 7


@pytest.fixture
def services(services, engine_name, request):
    """The sample's services on SQLite, then on PostgreSQL: each chat's settings keep the same
    way on both."""
    return request.getfixturevalue("pg_services") if engine_name == "postgresql" else services


def say(services, line: str, chat_id: int = CHAT):
    reply = answer_line(services, line, chat_id)
    return reply, html_to_text(reply.text)


def test_watch_add_then_watch_lists_innovent_above_pop_mart_against_the_hsi(services):
    _, added = say(services, "/watch add inovent, pop mart")
    assert added.startswith("Added Innovent Biologics (1801.HK), Pop Mart (9992.HK).")
    _, text = say(services, "/watch")
    assert "vs HSI +0.60%" in text
    lines = text.splitlines()
    innovent = next(i for i, line in enumerate(lines) if line.startswith("Innovent"))
    pop_mart = next(i for i, line in enumerate(lines) if line.startswith("Pop Mart"))
    assert innovent < pop_mart
    assert "+14.14%" in lines[innovent] and "+5.13%" in lines[pop_mart]


def test_names_without_commas_are_split_where_unambiguous(services):
    assert split_names("innovent tencent hsbc", services.matcher) == ["innovent", "tencent", "hsbc"]
    assert split_names("pop mart", services.matcher) == ["pop mart"]
    assert split_names("hang seng bank tencent", services.matcher) == ["hang seng bank", "tencent"]


def test_watch_add_wuxi_offers_the_wuxi_companies_and_pressing_one_adds_it(services):
    reply, text = say(services, "/watch add wuxi")
    assert "which one?" in text
    commands = {b.command for b in reply.button_list}
    assert {"/watch add 2268.HK", "/watch add 2269.HK", "/watch add 2359.HK"} <= commands
    _, pressed = say(services, "/watch add 2359.HK")
    assert pressed.startswith("Added WuXi AppTec Co Ltd (2359.HK).")
    assert [s.ticker for s in services.store.chats.watchlist(CHAT)] == ["2359.HK"]


def test_an_unknown_name_is_said_so_and_nothing_is_added(services):
    _, text = say(services, "/watch add xyzzy")
    assert "No security matches ‘xyzzy’." in text
    assert services.store.chats.watchlist(CHAT) == []


def test_the_31st_name_is_refused(services):
    tickers = [s.ticker for s in services.store.market.securities() if s.kind == "stock"]
    for ticker in tickers[:MAX_NAMES]:
        say(services, f"/watch add {ticker}")
    _, text = say(services, f"/watch add {tickers[MAX_NAMES]}")
    assert "Your watchlist is full (30 names)" in text
    assert len(services.store.chats.watchlist(CHAT)) == MAX_NAMES


def test_watch_remove_popmart_removes_pop_mart(services):
    say(services, "/watch add innovent, pop mart")
    _, text = say(services, "/watch remove popmart")
    assert text == "Removed Pop Mart (9992.HK)."
    assert [s.ticker for s in services.store.chats.watchlist(CHAT)] == ["1801.HK"]


def test_removing_a_name_not_on_the_list_says_so(services):
    _, text = say(services, "/watch remove tencent")
    assert "is not on your watchlist" in text


def test_watch_clear_empties_the_list(services):
    say(services, "/watch add innovent, pop mart")
    assert say(services, "/watch clear")[1] == "Cleared your watchlist (2 names)."
    assert say(services, "/watch")[1].startswith("Your watchlist is empty.")


def test_each_chat_has_its_own_list(services):
    say(services, "/watch add innovent", chat_id=1)
    say(services, "/watch add tencent", chat_id=2)
    assert [s.ticker for s in services.store.chats.watchlist(1)] == ["1801.HK"]
    assert [s.ticker for s in services.store.chats.watchlist(2)] == ["0700.HK"]


def test_ask_keeps_one_local_chat_across_runs(sample_file, cli):
    def ask(line: str) -> str:
        result = cli("--db", str(sample_file), "ask", line)
        assert result.code == 0, result.err
        return result.out

    ask("/watch add innovent")
    assert "Innovent Biologics" in ask("/watch")


WATCH_COMMANDS = st.one_of(
    st.builds(
        lambda n: f"/watch add {n}",
        st.sampled_from(
            [
                "innovent",
                "pop mart",
                "wuxi",
                "700",
                "hsbc, aia",
                "xyzzy",
                "tencent hsbc",
                "<b>",
                "1801",
            ]
        ),
    ),
    st.builds(lambda n: f"/watch remove {n}", st.sampled_from(["innovent", "pop mart", "zzz"])),
    st.just("/watch"),
    st.just("/watch clear"),
    st.builds(lambda t: f"/watch add {t}", st.text(max_size=40)),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(WATCH_COMMANDS, max_size=12))
def test_any_sequence_of_watch_commands_keeps_the_limit_and_valid_replies(services, commands):
    services.store.chats.clear_watchlist(99)
    for command in commands:
        reply = answer_line(services, command, 99)
        assert len(reply.text) <= 4096
        assert html_problems(reply.text) == []
        assert len(services.store.chats.watchlist(99)) <= MAX_NAMES


def test_a_pasted_flood_of_names_gets_a_short_valid_reply_quickly(services):
    reply = answer_line(services, "/watch add " + ", ".join(["wuxi"] * 500 + ["xyzzy"] * 600), CHAT)
    assert len(reply.text) <= 4096 and html_problems(reply.text) == []
    assert len(reply.button_list) <= 3 * 4
    words = answer_line(services, "/watch add " + " ".join(["qqq"] * 2000), CHAT)
    assert len(words.text) <= 4096


def test_a_name_pasted_many_times_is_added_once_and_named_once(services):
    reply = answer_line(services, "/watch add " + " ".join(["innovent"] * 200), CHAT)
    assert [s.ticker for s in services.store.chats.watchlist(CHAT)] == ["1801.HK"]
    assert html_to_text(reply.text).count("Innovent Biologics") == 1
