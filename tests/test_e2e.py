"""The real bot (`python -m bot run`) over HTTP against a local fake Bot API server.

A person's messages go in through the fake server's long poll; the test reads what the bot
sent back. Every wait is bounded, and both sides are always stopped.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.requests import tls_context
from tests.conftest import CliRun
from tests.fake_telegram import FakeTelegramServer, RecordedCall

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "5550001111:AAE2eTokenThatMustNeverAppearInLogs_xyz"
WAIT = 30.0


@pytest.fixture(scope="module")
def server() -> Iterator[FakeTelegramServer]:
    fake = FakeTelegramServer(token=TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, sample_db) -> Path:
    folder = tmp_path_factory.mktemp("e2e")
    shutil.copyfile(sample_db, folder / "closebot.db")
    return folder


def bot_env(server: FakeTelegramServer, workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "CLOSEBOT_DB": str(workdir / "closebot.db"),
        "CLOSEBOT_LOG_LEVEL": "DEBUG",
    }


@pytest.fixture(scope="module")
def bot(server, workdir) -> Iterator[Path]:
    """The bot running as its own process; yields the file its log goes to."""
    log = workdir / "bot.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=workdir,
            env=bot_env(server, workdir),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        # The bot's last call before it polls: a long poll is recorded only when it returns.
        # An update sent before the first poll waits in the queue, as on Telegram.
        server.wait_for(lambda c: c.method == "deleteWebhook", timeout=WAIT)
        yield log
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def say(server: FakeTelegramServer, chat_id: int, text: str, **kwargs) -> RecordedCall:
    """Send `text` as a person in `chat_id` and return the bot's reply to that chat."""
    since = len(server.calls)
    server.send_text(chat_id, text, **kwargs)
    return server.wait_for(
        lambda c: c.method == "sendMessage" and c.chat_id == chat_id, timeout=WAIT, since=since
    )


def test_start_lists_the_commands(server, bot):
    reply = say(server, 101, "/start")
    assert reply.ok
    for command in ("/close", "/sector", "/movers", "/summary", "/subscribe"):
        assert command in reply.params["text"]


def test_the_command_menu_is_published(server, bot):
    server.wait_for(lambda c: c.method == "setMyCommands", timeout=WAIT)
    assert "close" in [c["command"] for c in server.commands()]


def test_close_innovent_over_http(server, bot):
    reply = say(server, 102, "/close innovent")
    text = reply.params["text"]
    assert reply.params["parse_mode"] == "HTML"
    assert text.startswith("<b>Innovent Biologics</b> 信達生物\n1801.HK · Wed 4 Jun 2025")
    assert "Close <b>HK$74.25</b>  ▲ +9.20 (+14.14%)" in text


def test_sector_helthcare_over_http(server, bot):
    text = say(server, 103, "/sector helthcare").params["text"]
    assert text.startswith("<b>Healthcare</b> · Wed 4 Jun 2025")
    assert "<pre> 1.  Innovent Biologics" in text


def test_movers_over_http(server, bot):
    text = say(server, 104, "/movers").params["text"]
    gainers, losers = text.split("<b>Losers</b>")
    assert "Innovent Biologics" in gainers and "+14.14%" in gainers
    assert "Nagacorp" in losers and "-4.52%" in losers


def test_close_wuxi_then_pressing_a_button_over_http(server, bot):
    question = say(server, 105, "/close wuxi")
    buttons = question.params["reply_markup"]["inline_keyboard"]
    data = [row[0]["callback_data"] for row in buttons]
    assert {"/close 2268.HK", "/close 2269.HK", "/close 2359.HK"} <= set(data)
    since = len(server.calls)
    server.press_button(105, question.result["message_id"], "/close 2359.HK")
    edited = server.wait_for(lambda c: c.method == "editMessageText", timeout=WAIT, since=since)
    assert edited.ok
    assert "<b>WuXi AppTec Co Ltd</b>" in edited.params["text"]
    assert server.wait_for(lambda c: c.method == "answerCallbackQuery", since=since).ok


def test_a_group_command_with_the_bot_name_is_answered_with_a_quote(server, bot):
    reply = say(server, -100777, f"/close@{server.bot_username} 700", chat_type="supergroup")
    assert "Tencent" in reply.params["text"]
    assert reply.params["reply_parameters"]["message_id"]


def test_the_server_rejected_nothing_the_bot_sent(server, bot):
    rejected = [c for c in server.calls if not c.ok]
    assert rejected == []


def test_the_token_never_reaches_the_log(server, bot):
    say(server, 106, "/close")
    log = bot.read_text()
    assert "DEBUG" in log  # the bot really logged at DEBUG, where the API URL is written
    assert "[bot token]" in log  # ...and that URL was scrubbed
    assert TOKEN not in log
    assert TOKEN.split(":")[1] not in log


def test_a_missing_token_exits_2_with_a_hint(workdir, cli, monkeypatch):
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    result = cli("run")
    assert result.code == 2
    assert "Set TELEGRAM_BOT_TOKEN (from @BotFather)" in result.err
    assert "Traceback" not in result.err


# --- the end-of-day push over HTTP ------------------------------------------------------------


def push(server: FakeTelegramServer, workdir: Path, cli, monkeypatch) -> CliRun:
    """`python -m bot push --date 2025-06-04` in the bot's folder and environment, run in this
    process: a push is one command run to its end, and goes over HTTP all the same."""
    monkeypatch.chdir(workdir)
    for name, value in bot_env(server, workdir).items():
        if name.startswith(("TELEGRAM_", "CLOSEBOT_")):
            monkeypatch.setenv(name, value)
    return cli("push", "--date", "2025-06-04")


def pushes_to(server: FakeTelegramServer, chat_id: int) -> list[dict]:
    return [m for m in server.sent_messages(chat_id) if m["text"].startswith("🔔")]


def test_subscribers_get_the_push_once_through_flood_control_and_blocks(
    server, bot, workdir, cli, monkeypatch
):
    for chat_id in (201, 202, 203, 204):
        assert "Subscribed" in say(server, chat_id, "/subscribe").params["text"]
    assert "Unsubscribed" in say(server, 204, "/unsubscribe").params["text"]
    server.fail_next(
        "sendMessage",
        chat_id=202,
        error_code=429,
        description="Too Many Requests: retry after 1",
        parameters={"retry_after": 1},
    )
    server.fail_next(
        "sendMessage",
        chat_id=203,
        error_code=403,
        description="Forbidden: bot was blocked by the user",
        times=None,
    )

    first = push(server, workdir, cli, monkeypatch)
    assert first.code == 0, first.err
    assert TOKEN not in first.out + first.err
    assert len(pushes_to(server, 201)) == 1
    assert len(pushes_to(server, 202)) == 1  # waited out the 429, then delivered once
    assert "23,654.03" in pushes_to(server, 201)[0]["text"]
    assert pushes_to(server, 203) == [] and pushes_to(server, 204) == []

    again = push(server, workdir, cli, monkeypatch)
    assert again.code == 0
    assert len(pushes_to(server, 201)) == 1 and len(pushes_to(server, 202)) == 1
    assert "Not subscribed" in say(server, 203, "/status").params["text"]
    server.clear_faults()


# --- languages over HTTP ----------------------------------------------------------------------


def test_a_zh_hk_user_asking_close_建行_gets_建設銀行_in_traditional_chinese(server, bot):
    text = say(server, 401, "/close 建行", language_code="zh-hk").params["text"]
    assert text.startswith(
        "<b>建設銀行</b> China Construction Bank Corp\n0939.HK · 2025年6月4日（三）"
    )
    assert "收市 <b>HK$7.220</b>  ▲ 升0.060（+0.84%）" in text
    assert "成交額 ≈HK$24.3億" in text
    assert "行業：金融業" in text


def test_that_chat_stays_in_chinese_and_lang_en_switches_it_to_english(server, bot):
    assert "升跌榜" in say(server, 402, "/movers", language_code="zh-hk").params["text"]
    # the chat keeps the language it started in, whoever writes next
    assert "升跌榜" in say(server, 402, "/movers", language_code="en").params["text"]
    switched = say(server, 402, "/lang en", language_code="zh-hk").params["text"]
    assert switched == "I'll reply in English from now on. /lang changes it."
    text = say(server, 402, "/close 建行", language_code="zh-hk").params["text"]
    assert text.startswith("<b>China Construction Bank Corp</b> 建設銀行")
    assert "Close <b>HK$7.220</b>" in text


def test_a_simplified_chinese_user_gets_help_in_simplified_and_lang_offers_buttons(server, bot):
    text = say(server, 403, "/help", language_code="zh-hans").params["text"]
    assert "/close — 指数或个别证券的收盘表现" in text
    reply = say(server, 403, "/lang", language_code="zh-hans")
    buttons = [row[0] for row in reply.params["reply_markup"]["inline_keyboard"]]
    assert [b["text"] for b in buttons] == ["English", "繁體中文（香港）", "简体中文"]
    since = len(server.calls)
    server.press_button(403, reply.result["message_id"], "/lang zh-hk")
    edited = server.wait_for(lambda c: c.method == "editMessageText", timeout=WAIT, since=since)
    assert edited.params["text"] == "今後我會以繁體中文回覆。/lang 可以更改。"


def test_the_command_menu_is_published_in_chinese_too(server, bot):
    server.wait_for(
        lambda c: c.method == "setMyCommands" and c.params.get("language_code") == "zh",
        timeout=WAIT,
    )
    menu = {c["command"]: c["description"] for c in server.commands(language_code="zh")}
    assert menu["close"] == "指數或個別證券的收市表現"
    assert menu["lang"] == "以English、繁體中文或简体中文回覆"


def test_a_zh_hk_subscriber_gets_the_push_in_traditional_chinese(
    server, bot, workdir, cli, monkeypatch
):
    assert "已訂閱" in say(server, 404, "/subscribe", language_code="zh-hk").params["text"]
    sent = push(server, workdir, cli, monkeypatch)
    assert sent.code == 0, sent.err
    [message] = pushes_to(server, 404)
    assert message["text"].startswith("🔔 <b>港股收市</b> · 2025年6月4日（三）")
    assert "恒生指數 <b>23,654.03</b>  ▲ 升141.54（+0.60%）" in message["text"]


# --- webhook mode -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def command_update(update_id: int, chat_id: int, text: str) -> dict:
    command = text.split()[0]
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Wendy"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Wendy"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


def post_when_listening(url: str, payload: dict, secret: str | None) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    deadline = time.monotonic() + WAIT
    while True:
        try:
            return httpx.post(url, json=payload, headers=headers, timeout=5, verify=tls_context())
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def status_for_headers_only(port: int, path: str, length: int, secret: str) -> int:
    """Send a POST's headers announcing `length` bytes, none of the body, and read the
    status the server answers with."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\nX-Telegram-Bot-Api-Secret-Token: {secret}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
        connection.sendall(head.encode())
        answer = connection.recv(200).decode("latin-1")
    return int(answer.split()[1])


def test_webhook_mode_registers_the_hook_and_checks_the_secret(workdir):
    port, secret = free_port(), "s3cret-Webhook_token"
    with FakeTelegramServer(token=TOKEN) as server:
        env = {
            **bot_env(server, workdir),
            "WEBHOOK_URL": "https://closebot.example.org/telegram-hook",
            "PORT": str(port),
            "WEBHOOK_SECRET": secret,
            "CLOSEBOT_LISTEN": "127.0.0.1",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            hook = server.wait_for(lambda c: c.method == "setWebhook", timeout=WAIT)
            assert hook.params["url"] == "https://closebot.example.org/telegram-hook"
            assert hook.params["secret_token"] == secret
            local = f"http://127.0.0.1:{port}/telegram-hook"

            refused = post_when_listening(local, command_update(1, 301, "/close"), "wrong")
            assert refused.status_code == 403
            accepted = post_when_listening(local, command_update(2, 302, "/close innovent"), secret)
            assert accepted.status_code == 200
            reply = server.wait_for(
                lambda c: c.method == "sendMessage" and c.chat_id == 302, timeout=WAIT
            )
            assert "HK$74.25" in reply.params["text"]
            assert server.sent_messages(301) == []
            # 90 MB announced: refused on its headers, before a byte of the body is sent.
            assert status_for_headers_only(port, "/telegram-hook", 90 * 2**20, "wrong") == 403
            assert status_for_headers_only(port, "/telegram-hook", 90 * 2**20, secret) == 413
        finally:
            process.send_signal(signal.SIGINT)
            try:
                _, stderr = process.communicate(timeout=WAIT)
            except subprocess.TimeoutExpired:
                process.kill()
                _, stderr = process.communicate()
        assert secret not in stderr and TOKEN not in stderr
        assert "INFO bot.webhook: webhook call from 127.0.0.1 refused (403)" in stderr
        assert "refused (413): body of 94,371,840 bytes" in stderr
