"""The HTTP requests the bot makes to the Bot API, all sharing one TLS context per process.

httpx builds a TLS context for every client it opens, reading the whole certificate bundle
again (some 30 ms each); every `Bot` opens two clients (its calls and its `getUpdates`), and a
process that starts several bots, or a sender that restarts its bot, paid that each time. The
shared context is the one httpx itself would build, with the same certificates and settings.
The clients speak HTTP/1.1, as python-telegram-bot's do by default: httpcore sets the context's
ALPN protocols for each connection, so it must not be shared with an HTTP/2 client.
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx
from telegram.request import HTTPXRequest

# python-telegram-bot's own defaults: many calls at once, one long poll for updates.
CALLS_POOL_SIZE = 256
UPDATES_POOL_SIZE = 1


@cache
def tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def bot_api_request(pool_size: int = CALLS_POOL_SIZE) -> HTTPXRequest:
    """An HTTPXRequest as python-telegram-bot would make it, but on the shared TLS context."""
    return HTTPXRequest(connection_pool_size=pool_size, httpx_kwargs={"verify": tls_context()})
