"""An operator meets the machine's faults as a line saying what to do, never a traceback:
a full disk, a database another process keeps locked, Telegram out of reach."""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "8880001111:AAFaultsTokenThatMustNotBePrinted_xyz12"


def test_an_ingest_on_a_full_disk_says_nothing_was_saved_and_what_to_do(
    sample_file, write_file, monkeypatch, capsys
):
    closes = write_file("closes.csv", "date,ticker,close\n2025-06-05,1801.HK,75.00\n")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("handlers.loading.load_session", full)
    assert main(["--db", str(sample_file), "ingest", str(closes)]) == 2
    printed = capsys.readouterr()
    assert "is full" in printed.err and "Free some space" in printed.err
    assert "Traceback" not in printed.err + printed.out


def test_sqlites_own_full_database_is_explained_the_same(sample_file, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr("handlers.loading.load_session", full)
    assert main(["--db", str(sample_file), "ingest", "--summary", str(sample_file)]) == 2
    assert "Free some space" in capsys.readouterr().err


def test_a_database_locked_past_the_wait_is_explained(sample_file, monkeypatch, capsys):
    monkeypatch.setattr("store.db.BUSY_TIMEOUT", 0.05)
    monkeypatch.setattr("store.locks.BEGIN_TRIES", 1)
    holder = sqlite3.connect(sample_file)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        code = main(["--db", str(sample_file), "ask", "/watch add innovent"])
    finally:
        holder.rollback()
        holder.close()
    printed = capsys.readouterr()
    assert code == 2
    assert "locked by another process" in printed.err and "run the command again" in printed.err
    assert "Traceback" not in printed.err


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("command", [["run"], ["push", "--date", "2025-06-04"]], ids=" ".join)
def test_telegram_out_of_reach_is_a_message_with_what_to_check(sample_file, command):
    port = closed_port()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--db", str(sample_file), *command],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"Cannot reach Telegram at http://127.0.0.1:{port}" in result.stderr
    assert "check this machine's network connection" in result.stderr
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stdout + result.stderr
