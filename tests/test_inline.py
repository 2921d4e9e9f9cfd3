"""Inline mode: `@TheBot innov` offers matching securities in any chat."""

from __future__ import annotations

import pytest
from telegram import Update

from handlers.edge.inline import inline_results
from tests.htmlcheck import html_problems


def test_innov_offers_innovent_first(services):
    results = inline_results(services, "innov")
    assert results[0].id == "1801.HK"
    assert results[0].title == "Innovent Biologics (1801.HK)"
    assert results[0].description == "74.25  +14.14%"


def test_an_ambiguous_query_offers_several(services):
    ids = [r.id for r in inline_results(services, "wuxi")]
    # The three WuXi companies of the index first; the lesser-known WuXi Life may follow.
    assert sorted(ids[:3]) == ["2268.HK", "2269.HK", "2359.HK"]
    assert set(ids[3:]) <= {"8148.HK"}


@pytest.mark.parametrize("query", ["xyzzy", "", "   ", "qwertyuiop"])
def test_nonsense_offers_nothing(services, query):
    assert inline_results(services, query) == []


@pytest.mark.parametrize("query", ["innov", "china", "bank", "hsi", "pop", "wuxi"])
def test_every_result_message_is_valid_html_under_4096(services, query):
    for result in inline_results(services, query):
        content = result.input_message_content
        assert content.parse_mode == "HTML"
        assert len(content.message_text) <= 4096
        assert html_problems(content.message_text) == []


async def test_an_inline_query_is_answered_through_the_bot(app):
    update = Update.de_json(
        {
            "update_id": 1,
            "inline_query": {
                "id": "77",
                "from": {"id": 5, "is_bot": False, "first_name": "Ivy"},
                "query": "innov",
                "offset": "",
            },
        },
        app.bot,
    )
    await app.process_update(update)
    answer = app.bot.request.last("answerInlineQuery")
    assert str(answer["inline_query_id"]) == "77"
    assert answer["results"][0]["id"] == "1801.HK"
    assert "HK$74.25" in answer["results"][0]["input_message_content"]["message_text"]


def test_a_question_offers_its_one_answer(services):
    results = inline_results(services, "top gainers")
    assert len(results) == 1
    assert results[0].title == "Top movers · Wed 4 Jun 2025"
    assert "Gainers" in results[0].input_message_content.message_text


def test_a_name_with_a_day_offers_that_days_close(services):
    results = inline_results(services, "小米 尋日")
    assert results[0].id == "1810.HK"
    assert "2025年6月3日（二）" in results[0].input_message_content.message_text
