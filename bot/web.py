"""Webhook workers: `closebot web` serves Telegram's updates from several processes.

Following python-telegram-bot's custom-webhook example, the web server is starlette under
uvicorn and the application has no updater of its own. Unlike the example, each update is
answered before the HTTP 200 goes back: Telegram keeps an update until it gets its 200, so an
update whose worker died mid-answer is delivered again (to any worker), never lost. Each request
passes the webhook's own checks (bot/webhook.py: the secret token first, then the size) before
any of its body is read.

Every worker opens the same store (PostgreSQL, CLOSEBOT_DB) and shares Telegram's limits through
Redis (CLOSEBOT_REDIS); the push, alerts and fetch run in `closebot sender`, not here.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from urllib.parse import urlparse

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.app import build_application, running, services_from
from bot.config import ConfigError, Settings, environment, load_settings
from bot.logs import configure_logging
from bot.webhook import MAX_UPDATE_BYTES, log_refusal, refusal

logger = logging.getLogger(__name__)


def webhook_path(settings: Settings) -> str:
    return urlparse(settings.webhook_url or "").path or "/"


def create_app(settings: Settings | None = None) -> Starlette:
    """One worker's web application (uvicorn calls this in each process it starts)."""
    if settings is None:
        settings = load_settings(environment())
    token = settings.require_token()
    configure_logging(
        level=logging.getLevelName(settings.log_level),
        secrets=[token, *settings.secrets()],
    )
    if not settings.webhook_secret:
        raise ConfigError("Set WEBHOOK_SECRET, so only Telegram can post updates to the workers.")
    path = webhook_path(settings)
    application = build_application(
        settings, services=services_from(settings), jobs=False, updater=False
    )

    async def telegram(request: Request) -> Response:
        # The webhook's own checks (bot/webhook.py), before any of the body is read.
        found = refusal(
            request.method,
            request.url.path,
            request.headers,
            expected_path=path,
            secret=settings.webhook_secret,
        )
        if found is not None:
            log_refusal(found, request.client.host if request.client else "?")
            return PlainTextResponse(HTTPStatus(found.status).phrase, status_code=found.status)
        body = await _body(request)
        if body is None:
            return PlainTextResponse("too large for an update", status_code=413)
        try:
            update = Update.de_json(json.loads(body), application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return PlainTextResponse("not an update", status_code=400)
        # Answered before the 200: an update this worker dies on is delivered again.
        await application.process_update(update)
        return Response(status_code=200)

    async def healthy(request: Request) -> Response:
        return PlainTextResponse("ok")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with running(application):
            yield

    routes = [
        Route(path, telegram, methods=["POST"]),
        Route("/healthz", healthy, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


async def _body(request: Request) -> bytes | None:
    """The request's body, or None past MAX_UPDATE_BYTES (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPDATE_BYTES:
        return None
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_UPDATE_BYTES:
                return None
            chunks.append(chunk)
    except ClientDisconnect:
        return b""
    return b"".join(chunks)


async def register_webhook(settings: Settings) -> None:
    """Tell Telegram where to post updates, once, before the workers start."""
    application = build_application(settings, services=None, jobs=False, updater=False)
    await application.bot.initialize()
    try:
        await application.bot.set_webhook(
            settings.webhook_url or "",
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    finally:
        await application.bot.shutdown()


def serve(settings: Settings) -> int:
    """Register the webhook, then run `settings.web_workers` processes on PORT."""
    import uvicorn

    settings.require_token()
    if not settings.webhook_url:
        raise ConfigError(
            "Set WEBHOOK_URL (the public https:// address Telegram posts to) and "
            "WEBHOOK_SECRET for `closebot web`."
        )
    asyncio.run(register_webhook(settings))
    uvicorn.run(
        "bot.web:create_app",
        factory=True,
        host="0.0.0.0",
        port=settings.port,
        workers=settings.web_workers,
        log_level="warning",
        # Telegram waits for each answer; a worker stopping finishes what it has first.
        timeout_graceful_shutdown=30,
    )
    return 0
