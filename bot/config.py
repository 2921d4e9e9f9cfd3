"""Settings from environment variables, checked once at start-up with messages people can act on."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from handlers.services import DEFAULT_MIN_TURNOVER
from store import DEFAULT_DB_PATH

TELEGRAM_API = "https://api.telegram.org/bot"
FETCH_SOURCES = ("yfinance",)
_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")
_AMOUNT = re.compile(
    r"(?:HK)?\$?(\d{1,3}(?:,\d{3})+|\d+(?:_\d+)*)(\.\d+)?\s*([kmb]?)", re.IGNORECASE
)
# An IPv4 or IPv6 address, or a host name.
_LISTEN = re.compile(r"[0-9A-Za-z.\-]{1,253}|[0-9A-Fa-f:.]{2,45}")
_SCALES = {"": 1, "k": 1e3, "m": 1e6, "b": 1e9}


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    token: str | None = field(default=None, repr=False)
    db_path: str = field(default=DEFAULT_DB_PATH, repr=False)  # a URL may hold a password
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Hong_Kong"))
    push_time: time = time(16, 30)
    admin_ids: frozenset[int] = frozenset()
    webhook_url: str | None = None
    port: int = 8443
    listen: str = "0.0.0.0"  # the address the webhook listens on: every interface
    webhook_secret: str | None = field(default=None, repr=False)
    api_base_url: str = TELEGRAM_API
    log_level: str = "INFO"
    fetch_source: str | None = None
    movers_min_turnover: float = DEFAULT_MIN_TURNOVER
    paid_broadcasts: bool = False  # Telegram's paid broadcasts: up to 1,000 a second, in Stars
    # Several processes: Telegram's budget and flood windows shared in Redis (bot/shared.py).
    redis_url: str | None = field(default=None, repr=False)
    broadcast_rate: float | None = None  # broadcasts a second, when below Telegram's own limit
    web_workers: int = 2  # processes of `closebot web`

    @property
    def api_file_url(self) -> str:
        """Where files are downloaded from: beside the API, as on Telegram's own server."""
        base = self.api_base_url
        return base[: -len("bot")] + "file/bot" if base.endswith("/bot") else base

    def secrets(self) -> list[str]:
        """What no log line may show: the token, the webhook secret and the passwords in the
        database's and Redis's URLs."""
        found = [self.token or "", self.webhook_secret or ""]
        for url in (self.db_path, self.redis_url or ""):
            if "://" in url:
                found.append(urlsplit(url).password or "")
        return [s for s in found if s]

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError(
                "Set TELEGRAM_BOT_TOKEN (from @BotFather), or try `python -m bot console`."
            )
        return self.token


def parse_time(text: str, *, name: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(f"{name} must be a time like 16:30, not {text!r}.")
    return time(int(match[1]), int(match[2]))


def _admin_ids(text: str) -> frozenset[int]:
    ids = [part.strip() for part in re.split(r"[,\s]+", text) if part.strip()]
    bad = [part for part in ids if not re.fullmatch(r"-?\d+", part)]
    if bad:
        raise ConfigError(
            f"CLOSEBOT_ADMIN_IDS must be chat ids separated by commas, not {bad[0]!r}."
        )
    return frozenset(int(part) for part in ids)


def environment(dotenv: Path = Path(".env")) -> dict[str, str]:
    """The process's environment over the settings of a `.env` file, if there is one: a value
    set in the environment (by the host, say) always wins over the file."""
    from_file = {k: v for k, v in dotenv_values(dotenv).items() if v is not None}
    return from_file | dict(os.environ)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read every setting; raise `ConfigError` naming the first bad one."""
    env = os.environ if env is None else env
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    if token and not _TOKEN_SHAPE.match(token):
        # Never echo the value: a mistyped token is still mostly a secret.
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters); "
            "copy it again from @BotFather."
        )
    tz_name = env.get("CLOSEBOT_TZ", "Asia/Hong_Kong").strip()
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(
            f"CLOSEBOT_TZ must be a time zone like Asia/Hong_Kong, not {tz_name!r}."
        ) from error
    port_text = env.get("PORT", "8443").strip()
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"PORT must be a port number (1-65535), not {port_text!r}.")
    webhook_url = env.get("WEBHOOK_URL", "").strip() or None
    if webhook_url and not webhook_url.startswith("https://"):
        raise ConfigError("WEBHOOK_URL must be a public https:// address.")
    if webhook_url and not env.get("WEBHOOK_SECRET", "").strip():
        raise ConfigError(
            "Set WEBHOOK_SECRET with WEBHOOK_URL, so only Telegram can post updates to the bot."
        )
    listen = env.get("CLOSEBOT_LISTEN", "").strip() or "0.0.0.0"
    if not _LISTEN.fullmatch(listen):
        raise ConfigError(
            "CLOSEBOT_LISTEN must be an address to listen on, such as 127.0.0.1, 0.0.0.0 or ::, "
            f"not {listen!r}."
        )
    return Settings(
        token=token,
        listen=listen,
        db_path=env.get("CLOSEBOT_DB", "").strip() or DEFAULT_DB_PATH,
        timezone=timezone,
        push_time=parse_time(env.get("CLOSEBOT_PUSH_TIME", "16:30"), name="CLOSEBOT_PUSH_TIME"),
        admin_ids=_admin_ids(env.get("CLOSEBOT_ADMIN_IDS", "")),
        webhook_url=webhook_url,
        port=int(port_text),
        webhook_secret=env.get("WEBHOOK_SECRET", "").strip() or None,
        api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip() or TELEGRAM_API,
        log_level=_log_level(env.get("CLOSEBOT_LOG_LEVEL", "INFO")),
        fetch_source=_fetch_source(env.get("CLOSEBOT_FETCH", "")),
        paid_broadcasts=_switch(
            env.get("CLOSEBOT_PAID_BROADCASTS", ""), name="CLOSEBOT_PAID_BROADCASTS"
        ),
        redis_url=_redis_url(env.get("CLOSEBOT_REDIS", "")),
        broadcast_rate=_rate(env.get("CLOSEBOT_BROADCAST_RATE", "")),
        web_workers=_count(env.get("CLOSEBOT_WEB_WORKERS", "2"), name="CLOSEBOT_WEB_WORKERS"),
        movers_min_turnover=_amount(
            env.get("CLOSEBOT_MOVERS_MIN_TURNOVER", ""),
            name="CLOSEBOT_MOVERS_MIN_TURNOVER",
            default=DEFAULT_MIN_TURNOVER,
        ),
    )


def _redis_url(text: str) -> str | None:
    url = text.strip()
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("CLOSEBOT_REDIS must be a redis:// URL, like redis://127.0.0.1:6379/0.")
    return url or None


def _rate(text: str) -> float | None:
    if not text.strip():
        return None
    try:
        rate = float(text)
    except ValueError:
        rate = 0.0
    if not 0 < rate <= 1000:
        raise ConfigError(
            f"CLOSEBOT_BROADCAST_RATE must be messages a second (up to 1000), not {text!r}."
        )
    return rate


def _count(text: str, *, name: str) -> int:
    if not text.strip().isdigit() or not 0 < int(text) <= 64:
        raise ConfigError(f"{name} must be a number of processes (1-64), not {text!r}.")
    return int(text)


def _amount(text: str, *, name: str, default: float) -> float:
    """HK dollars written as 10000000, 10_000_000, 10,000,000, 10m, 2.5M or 1b; 0 for none."""
    if not text.strip():
        return default
    match = _AMOUNT.fullmatch(text.strip())
    if not match:
        raise ConfigError(
            f"{name} must be an amount in HK dollars such as 10000000, 10_000_000 or 10m "
            f"(0 for no floor), not {text!r}."
        )
    number = float(match[1].replace("_", "").replace(",", "") + (match[2] or ""))
    return number * _SCALES[match[3].lower()]


def _switch(text: str, *, name: str) -> bool:
    value = text.strip().lower()
    if value in ("", "0", "off", "no", "false"):
        return False
    if value in ("1", "on", "yes", "true"):
        return True
    raise ConfigError(f"{name} must be on or off, not {text!r}.")


def _fetch_source(text: str) -> str | None:
    name = text.strip().lower()
    if name in ("", "off", "none"):
        return None
    if name not in FETCH_SOURCES:
        raise ConfigError(f"CLOSEBOT_FETCH must be one of {', '.join(FETCH_SOURCES)} (or empty).")
    return name


def _log_level(text: str) -> str:
    level = text.strip().upper() or "INFO"
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(
            f"CLOSEBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {text!r}."
        )
    return level
