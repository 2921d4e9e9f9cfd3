"""The webhook's checks: the secret first, then the body's size, all before the body is read."""

from __future__ import annotations

import logging

import pytest

from bot.config import ConfigError, load_settings
from bot.webhook import MAX_UPDATE_BYTES, SECRET_HEADER, log_refusal, refusal

SECRET = "hook-Secret_0123456789"
PATH = "/telegram-hook"


def check(method="POST", path=PATH, **headers):
    sent = {"Content-Type": "application/json", "Content-Length": "120", SECRET_HEADER: SECRET}
    sent.update({k.replace("_", "-"): v for k, v in headers.items() if v is not None})
    for name in [k.replace("_", "-") for k, v in headers.items() if v is None]:
        sent.pop(name)
    return refusal(method, path, sent, expected_path=PATH, secret=SECRET)


def test_an_update_with_the_secret_and_a_small_body_is_taken():
    assert check() is None


def test_the_secret_is_checked_before_the_size_of_the_body():
    found = check(**{SECRET_HEADER: "guess", "Content-Length": str(90 * 1024 * 1024)})
    assert found is not None and found.status == 403


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({SECRET_HEADER: None}, 403),
        ({SECRET_HEADER: SECRET + "x"}, 403),
        ({"Content-Length": str(MAX_UPDATE_BYTES + 1)}, 413),
        ({"Content-Length": None}, 411),
        ({"Content-Type": "text/plain"}, 415),
    ],
)
def test_a_call_that_is_not_telegrams_update_is_refused(headers, status):
    found = check(**headers)
    assert found is not None and found.status == status


def test_other_paths_and_methods_are_refused():
    assert check(path="/other").status == 404
    assert check(method="GET").status == 405


def test_a_refusal_is_logged_at_info_without_the_secret(caplog):
    found = check(**{SECRET_HEADER: SECRET[:-1]})
    with caplog.at_level(logging.INFO, logger="bot.webhook"):
        log_refusal(found, "203.0.113.9")
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert "203.0.113.9" in record.getMessage() and "wrong secret token" in record.getMessage()
    assert SECRET[:-1] not in record.getMessage()


def test_the_listen_address_is_a_setting():
    assert load_settings({}).listen == "0.0.0.0"
    assert load_settings({"CLOSEBOT_LISTEN": "127.0.0.1"}).listen == "127.0.0.1"
    assert load_settings({"CLOSEBOT_LISTEN": "::1"}).listen == "::1"
    with pytest.raises(ConfigError, match="CLOSEBOT_LISTEN"):
        load_settings({"CLOSEBOT_LISTEN": "127.0.0.1; rm -rf"})
