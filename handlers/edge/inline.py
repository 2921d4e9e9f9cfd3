"""Inline mode: `@TheBot innov` in any chat offers securities; choosing one posts its close."""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.ext import InlineQueryHandler

from handlers.answers.render import percent, price
from handlers.answers.suggest import label
from handlers.commands import BY_NAME, LOCAL_CHAT
from handlers.edge.io import Context, services_for
from handlers.services import Services

MAX_RESULTS = 5
CACHE_SECONDS = 300  # the close does not change until the next session


def inline_results(services: Services, query: str) -> list[InlineQueryResultArticle]:
    """Up to five securities the query could mean, each carrying its close message."""
    if not query.strip():
        return []
    result = services.matcher.match(query, kinds=("security",))
    if result.outcome == "none":
        return []
    latest = services.store.market.latest_date()
    close_command = BY_NAME["close"]
    articles = []
    for candidate in result.candidates[:MAX_RESULTS]:
        reply = close_command.answer(services, LOCAL_CHAT, candidate.key)
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
