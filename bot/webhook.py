"""Webhook mode: Telegram posts each update to the bot's address.

The checks come before the body is read: a call without the right secret token is refused at
once (403), whatever it carries, and a body above `MAX_UPDATE_BYTES` is never read (413), so a
stranger cannot make the bot hold hundreds of megabytes. Refused calls are logged at INFO with
the reason and the caller's address, never the secret. The checks are plain functions of the
request's method, path and headers (`refusal`), for any web server to call before it reads the
body; the server here is tornado's, which python-telegram-bot already depends on for webhooks,
with its body reading held back until the checks passed (`stream_request_body`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlparse

import tornado.httpserver
import tornado.web
from telegram import Update

from bot.config import Settings

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; a message carries at most 4,096 characters.
MAX_UPDATE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str  # for the log: never the secret, never the body


def secret_refusal(given: str | None, secret: str | None) -> Refusal | None:
    """The secret token must be the one given to Telegram (compared in constant time)."""
    if secret is None:
        return None
    if not given:
        return Refusal(HTTPStatus.FORBIDDEN, "no secret token")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return Refusal(HTTPStatus.FORBIDDEN, "wrong secret token")
    return None


def size_refusal(content_length: str | None, limit: int = MAX_UPDATE_BYTES) -> Refusal | None:
    """The body must say its length, and be no larger than an update can be."""
    if content_length is None or not content_length.strip().isdigit():
        return Refusal(HTTPStatus.LENGTH_REQUIRED, "no Content-Length")
    if int(content_length) > limit:
        return Refusal(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"body of {int(content_length):,} bytes, above the {limit:,} an update can be",
        )
    return None


def refusal(
    method: str,
    path: str,
    headers: Mapping[str, str],
    *,
    expected_path: str,
    secret: str | None,
    limit: int = MAX_UPDATE_BYTES,
) -> Refusal | None:
    """Whether to refuse a call to the webhook, from its first line and headers alone: the
    secret first, then the body's size, then the rest."""
    if path.rstrip("/") != expected_path.rstrip("/"):
        return Refusal(HTTPStatus.NOT_FOUND, f"unknown path {path[:80]!r}")
    if method != "POST":
        return Refusal(HTTPStatus.METHOD_NOT_ALLOWED, f"method {method[:10]}")
    found = secret_refusal(headers.get(SECRET_HEADER), secret)
    found = found or size_refusal(headers.get("Content-Length"), limit)
    if found is None and not headers.get("Content-Type", "").startswith("application/json"):
        found = Refusal(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "not JSON")
    return found


def log_refusal(found: Refusal, remote: str) -> None:
    logger.info("webhook call from %s refused (%s): %s", remote, found.status, found.reason)


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """Takes Telegram's update posts; the checks run in `prepare`, before any body is read."""

    SUPPORTED_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")

    def initialize(self, bot_application: Any, path: str, secret: str | None) -> None:
        self.bot_application = bot_application
        self.expected_path = path
        self.secret = secret
        self.chunks: list[bytes] = []
        self.received = 0

    def prepare(self) -> None:
        found = refusal(
            self.request.method or "",
            self.request.path,
            self.request.headers,
            expected_path=self.expected_path,
            secret=self.secret,
        )
        if found is not None:
            self._refuse(found)

    def data_received(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.received <= MAX_UPDATE_BYTES:
            self.chunks.append(chunk)

    async def post(self) -> None:
        try:
            data = json.loads(b"".join(self.chunks))
            update = Update.de_json(data, self.bot_application.bot)
        except (ValueError, TypeError, KeyError) as error:
            self._refuse(Refusal(HTTPStatus.BAD_REQUEST, f"not an update ({type(error).__name__})"))
            return
        if update is not None:
            await self.bot_application.update_queue.put(update)
        self.set_status(HTTPStatus.OK)
        self.finish()

    def _refuse(self, found: Refusal) -> None:
        log_refusal(found, self.request.remote_ip or "?")
        self.set_status(found.status)
        # Finished before its body was read: tornado closes the connection rather than read
        # it, and never reads more than the server's max_body_size in any case.
        self.finish()

    def log_exception(self, *args: Any) -> None:
        # tornado would log the refused request's details; the refusal is logged above.
        if self.get_status() < 500:
            return
        super().log_exception(*args)


def url_path(settings: Settings) -> str:
    return "/" + urlparse(settings.webhook_url or "").path.lstrip("/")


async def serve_webhook(application: Any, settings: Settings) -> None:
    """Run the bot on a webhook until SIGTERM or Ctrl-C: register the address with Telegram,
    listen on CLOSEBOT_LISTEN:PORT, hand each update to the application; on a stop signal,
    stop taking calls, let the push and alerts wind down, and shut down."""
    path = url_path(settings)
    server = tornado.httpserver.HTTPServer(
        tornado.web.Application(
            [
                (
                    r"/.*",
                    UpdateHandler,
                    {
                        "bot_application": application,
                        "path": path,
                        "secret": settings.webhook_secret,
                    },
                )
            ],
            log_function=lambda handler: None,
        ),
        max_body_size=MAX_UPDATE_BYTES,
    )
    stopping: asyncio.Event = application.bot_data.stopping
    async with application:  # initialize, and shutdown at the end
        if application.post_init:
            await application.post_init(application)
        _stop_on_signals(stopping)
        await application.bot.set_webhook(
            url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        server.listen(settings.port, address=settings.listen)
        logger.info("webhook listening on %s:%s%s", settings.listen, settings.port, path)
        await application.start()
        try:
            await stopping.wait()
        finally:
            server.stop()
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    if application.post_shutdown:
        await application.post_shutdown(application)


def _stop_on_signals(stopping: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()

    def stop(signum: int) -> None:
        logger.info("%s: stopping", signal.Signals(signum).name)
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop, signum)
