"""Logging set-up that keeps the bot token out of every log line and every error printed.

The token is part of every Bot API URL, and python-telegram-bot logs that URL at DEBUG; HTTP
client errors quote it too, and its `InvalidToken` error repeats the whole token. A filter on
every handler replaces it before anything is written, and the hooks Python calls for an error
nobody caught (in the main thread, another thread, or a finaliser) print through the same
scrubbing, so no path to stderr is left that shows it.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType

REDACTED = "[bot token]"


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret (and a token's secret half on its own) replaced."""
    for secret in _variants(secrets):
        text = text.replace(secret, REDACTED)
    return text


def _variants(secrets: Iterable[str]) -> list[str]:
    """Each secret, and for a bot token the part after the colon, which alone is the secret;
    longest first, so a whole token is replaced before its half."""
    found: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        found.add(secret)
        _, colon, rest = secret.partition(":")
        if colon and len(rest) >= 16:
            found.add(rest)
    return sorted(found, key=len, reverse=True)


class RedactToken(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = _variants(secrets)

    def _clean(self, text: str) -> str:
        return scrub(text, self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and _known_fault(record.exc_info[1]):
            # python-telegram-bot logs these with their traceback before raising them; the
            # command then says what to do, so the log keeps the line alone.
            record.exc_info = record.exc_text = None
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


def _known_fault(error: BaseException | None) -> bool:
    """Faults the command explains itself in words (a rejected token, Telegram out of reach):
    their tracebacks say nothing more to an operator."""
    return error is not None and is_loaded_instance(
        error, "telegram.error", "InvalidToken", "NetworkError"
    )


def is_loaded_instance(error: BaseException, module: str, *names: str) -> bool:
    """Whether `error` is one of these classes of `module`, without importing it: an error
    cannot come from a library never loaded, and `ask` should not load Telegram's to find out."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(error, tuple(getattr(loaded, n) for n in names))


def format_exception(error: BaseException, secrets: Iterable[str]) -> str:
    """A traceback as Python prints it, scrubbed of the secrets."""
    return scrub("".join(traceback.format_exception(error)), secrets)


def _install_hooks(secrets: list[str]) -> None:
    """Errors nobody caught are printed scrubbed, wherever they happen."""

    def excepthook(
        kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        sys.stderr.write(scrub("".join(traceback.format_exception(kind, error, tb)), secrets))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            where = args.thread.name if args.thread else "a thread"
            sys.stderr.write(f"Exception in {where}:\n")
            sys.stderr.write(format_exception(args.exc_value, secrets))

    def unraisable_hook(unraisable: sys.UnraisableHookArgs) -> None:
        if unraisable.exc_value is not None:
            message = unraisable.err_msg or "Exception ignored"
            sys.stderr.write(f"{message}: {unraisable.object!r}\n")
            sys.stderr.write(format_exception(unraisable.exc_value, secrets))

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    sys.unraisablehook = unraisable_hook


def configure_logging(*, level: int = logging.INFO, secrets: list[str] | None = None) -> None:
    """Log to stderr, one line per event; HTTP client chatter (URLs carry the token) at WARNING;
    every line, and every error nobody caught, scrubbed of the secrets."""
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
    if secrets:
        _install_hooks(list(secrets))
