"""The bot token never shows: every command, run with a token Telegram rejects, says so in
words and prints neither the token nor its secret half, on stdout, stderr or in the log."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegramServer

ROOT = Path(__file__).resolve().parent.parent
ACCEPTED = "7770001111:AAAcceptedTokenOfTheRealBot_abcdefghij"
REJECTED = "7770001111:AARevokedTokenThatMustNeverBePrinted_42"
SECRET_HALF = REJECTED.split(":")[1]


@pytest.fixture(scope="module")
def server():
    with FakeTelegramServer(token=ACCEPTED) as fake:
        yield fake


@pytest.fixture
def workdir(tmp_path, sample_db) -> Path:
    shutil.copyfile(sample_db, tmp_path / "closebot.db")
    (tmp_path / "closes.csv").write_text("date,ticker,close\n2025-06-04,1801.HK,74.25\n")
    return tmp_path


def run(server, workdir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": REJECTED,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "CLOSEBOT_DB": str(workdir / "closebot.db"),
        "CLOSEBOT_LOG_LEVEL": "DEBUG",  # the level that writes request URLs
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


COMMANDS = [
    ("run",),
    ("push", "--date", "2025-06-04"),
    ("push", "--date", "2025-06-04", "--dry-run"),
    ("ask", "/close innovent"),
    ("console",),
    ("ingest", "closes.csv"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_no_command_prints_a_rejected_token(server, workdir, command):
    subscribe_someone = command[0] == "push"
    if subscribe_someone:
        from store import open_store

        store = open_store(workdir / "closebot.db")
        store.db.execute(
            "INSERT INTO subscribers (chat_id, subscribed_at, active) VALUES (1, '2025-06-01', 1)"
        )
        store.db.conn.commit()
        store.close()
    result = run(server, workdir, *command, stdin="/close\n")
    printed = result.stdout + result.stderr
    assert REJECTED not in printed
    assert SECRET_HALF not in printed
    assert "Traceback" not in printed
    if command[0] in ("run", "push") and "--dry-run" not in command:
        assert result.returncode == 2
        assert "Telegram rejected the bot token" in result.stderr
        assert "@BotFather" in result.stderr
