"""Logging set-up that keeps the bot token out of every log line.

The token is part of every Bot API URL, and python-telegram-bot logs that URL at DEBUG; HTTP
client errors quote it too. A filter on every handler replaces it before anything is written.
"""

from __future__ import annotations

import logging

REDACTED = "[bot token]"


class RedactToken(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


def configure_logging(*, level: int = logging.INFO, secrets: list[str] | None = None) -> None:
    """Log to stderr, one line per event; HTTP client chatter (URLs carry the token) at WARNING."""
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level, force=True
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # yoyo logs each step of each PostgreSQL migration; its warnings and errors are enough.
    logging.getLogger("yoyo").setLevel(logging.WARNING)
    redact = RedactToken(secrets or [])
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
