"""Settings from the environment: defaults that work, and clear words for bad values."""

from __future__ import annotations

from datetime import time

import pytest

from bot.config import TELEGRAM_API, ConfigError, Settings, load_settings

TOKEN = "123456789:AAExampleTokenShapedValue_abcdefghij"


def test_an_empty_environment_gives_working_defaults():
    settings = load_settings({})
    assert settings.token is None
    assert settings.db_path == "closebot.db"
    assert str(settings.timezone) == "Asia/Hong_Kong"
    assert settings.push_time == time(16, 30)
    assert settings.api_base_url == TELEGRAM_API
    assert settings.fetch_source is None


def test_run_without_a_token_says_where_to_get_one():
    with pytest.raises(ConfigError, match="Set TELEGRAM_BOT_TOKEN \\(from @BotFather\\)"):
        Settings().require_token()


def test_a_malformed_token_is_refused_without_being_repeated():
    with pytest.raises(ConfigError) as caught:
        load_settings({"TELEGRAM_BOT_TOKEN": "not-a-token-secret123"})
    assert "not-a-token-secret123" not in str(caught.value)


def test_the_token_never_shows_in_the_settings_repr():
    assert TOKEN not in repr(load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}))


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("CLOSEBOT_PUSH_TIME", "4pm", "a time like 16:30"),
        ("CLOSEBOT_TZ", "Mars/Olympus", "a time zone like Asia/Hong_Kong"),
        ("PORT", "http", "a port number"),
        ("CLOSEBOT_ADMIN_IDS", "42, alice", "chat ids separated by commas"),
        ("WEBHOOK_URL", "http://example.org/hook", "public https:// address"),
        ("CLOSEBOT_LOG_LEVEL", "LOUD", "DEBUG, INFO, WARNING or ERROR"),
        ("CLOSEBOT_FETCH", "bloomberg", "CLOSEBOT_FETCH must be one of yfinance"),
        ("CLOSEBOT_REDIS", "127.0.0.1:6379", "a redis:// URL"),
        ("CLOSEBOT_BROADCAST_RATE", "fast", "messages a second"),
        ("CLOSEBOT_BROADCAST_RATE", "0", "messages a second"),
        ("CLOSEBOT_WEB_WORKERS", "many", "a number of processes"),
    ],
)
def test_a_bad_value_is_named_with_what_it_should_be(name, value, problem):
    with pytest.raises(ConfigError, match=problem):
        load_settings({name: value})


def test_a_webhook_needs_its_secret():
    with pytest.raises(ConfigError, match="Set WEBHOOK_SECRET"):
        load_settings({"WEBHOOK_URL": "https://bot.example.org/hook"})
    settings = load_settings(
        {"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "s3cret"}
    )
    assert settings.webhook_secret == "s3cret"


def test_admin_ids_and_a_self_hosted_api_are_read():
    settings = load_settings(
        {"CLOSEBOT_ADMIN_IDS": "42, -1001", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot"}
    )
    assert settings.admin_ids == {42, -1001}
    assert settings.api_file_url == "http://127.0.0.1:8081/file/bot"


def test_a_dotenv_file_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    from bot.config import environment

    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# settings\nCLOSEBOT_DB=from-file.db\nexport CLOSEBOT_PUSH_TIME='17:00'\n"
        'CLOSEBOT_LOG_LEVEL="DEBUG"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CLOSEBOT_LOG_LEVEL", "WARNING")
    settings = load_settings(environment(dotenv))
    assert settings.db_path == "from-file.db"
    assert settings.push_time == time(17, 0)
    assert settings.log_level == "WARNING"


def test_no_dotenv_file_is_no_problem(tmp_path):
    from bot.config import environment

    assert load_settings(environment(tmp_path / "absent.env")).db_path


@pytest.mark.parametrize(("text", "paid"), [("", False), ("off", False), ("on", True), ("1", True)])
def test_paid_broadcasts_are_off_unless_switched_on(text, paid):
    assert load_settings({"CLOSEBOT_PAID_BROADCASTS": text}).paid_broadcasts is paid


def test_a_paid_broadcasts_switch_that_is_neither_on_nor_off_is_refused():
    with pytest.raises(ConfigError, match="CLOSEBOT_PAID_BROADCASTS must be on or off"):
        load_settings({"CLOSEBOT_PAID_BROADCASTS": "maybe"})


def test_the_passwords_of_the_database_and_redis_are_kept_out_of_the_logs():
    settings = load_settings(
        {
            "CLOSEBOT_DB": "postgresql://bot:db-Passw0rd@db.internal:5432/closebot",
            "CLOSEBOT_REDIS": "redis://:redis-Passw0rd@cache.internal:6379/0",
        }
    )
    assert set(settings.secrets()) == {"db-Passw0rd", "redis-Passw0rd"}
    assert "Passw0rd" not in repr(settings)
