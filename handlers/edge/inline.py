"""Inline mode: `@TheBot innov` in any chat offers securities; choosing one posts its close.
A question (`@TheBot top gainers`, `@TheBot 小米 尋日`) is read as a message would be."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.ext import InlineQueryHandler

from handlers.answers.render import html_to_text, percent, price, shorten
from handlers.answers.suggest import label
from handlers.commands import LOCAL_CHAT, answer_request, parse_line
from handlers.core.match import SECURITY
from handlers.core.request import CLOSE, INDEX, UNCLEAR, Request
from handlers.edge.io import Context, services_for
from handlers.services import Services

MAX_RESULTS = 5
CACHE_SECONDS = 300  # the close does not change until the next session


def inline_results(services: Services, query: str) -> list[InlineQueryResultArticle]:
    """Up to five securities the query could mean, each carrying its close message."""
    if not query.strip():
        return []
    request = parse_line(services, query)
    about_a_name = request.what in (CLOSE, UNCLEAR) and (
        request.target is None or request.target.key != INDEX
    )
    if not about_a_name and request.args is None:
        return _one_answer(services, request)
    if request.args is not None:
        request = Request(CLOSE, subject=request.args, text=query)
    # A name, perhaps half typed: the few it could be, each with its close.
    result = services.matcher.match(request.subject or query, kinds=(SECURITY,))
    if result.outcome == "none":
        return []
    latest = services.store.market.latest_date()
    articles = []
    for candidate in result.candidates[:MAX_RESULTS]:
        chosen = replace(request, what=CLOSE, target=candidate, choices=(), guessed=False)
        reply = answer_request(services, chosen, LOCAL_CHAT)
        quote = services.store.market.quote(candidate.key, latest) if latest else None
        description = services.locale._("No close stored")
        if quote:
            close = quote.close
            change = "" if close.pct_change is None else f"  {percent(close.pct_change)}"
            description = f"{price(close.close, index=quote.security.is_index)}{change}"
        articles.append(
            InlineQueryResultArticle(
                id=candidate.key,
                title=label(services, candidate),
                description=description,
                input_message_content=InputTextMessageContent(
                    reply.text, parse_mode=ParseMode.HTML
                ),
            )
        )
    return articles


def _one_answer(services: Services, request: Request) -> list[InlineQueryResultArticle]:
    """A question that is not about one name ("top gainers", "點解今日升"): its one answer."""
    reply = answer_request(services, request, LOCAL_CHAT)
    if reply.photo is not None:
        return []  # a picture cannot be posted as a text message
    lines = html_to_text(reply.text).splitlines() or [""]
    key = hashlib.sha1(request.command_line().encode()).hexdigest()[:32]
    return [
        InlineQueryResultArticle(
            id=key,
            title=shorten(lines[0], 60),
            description=shorten(" ".join(lines[1:3]), 100),
            input_message_content=InputTextMessageContent(reply.text, parse_mode=ParseMode.HTML),
        )
    ]


async def inline_query(update: Update, context: Context) -> None:
    """Answer `@TheBot …` typed in any chat."""
    query = update.inline_query
    if query is None:
        return
    services = services_for(update, context)
    results = inline_results(services, query.query)
    # Telegram keeps answers per query for everyone unless told they are personal: a query
    # answered in one language must not be shown to someone who reads another.
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True)


HANDLERS = [InlineQueryHandler(inline_query)]
