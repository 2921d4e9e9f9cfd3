"""The local console and `python -m bot ask`: the same answers, as plain text."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.console import run_console

ROOT = Path(__file__).resolve().parent.parent


def chat(services, *lines: str) -> str:
    typed = iter(lines)
    out: list[str] = []

    def read(prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    run_console(services, read=read, write=out.append)
    return "\n".join(out)


def test_the_console_answers_a_command_as_plain_text(services):
    transcript = chat(services, "/close inovent")
    assert "Innovent Biologics 信達生物" in transcript
    assert "<b>" not in transcript


def test_typing_a_button_number_presses_it(services):
    transcript = chat(services, "/close wuxi", "1")
    assert "[1] " in transcript and "[2] " in transcript
    assert "Previous close" in transcript


def test_a_number_without_buttons_is_plain_text(services):
    transcript = chat(services, "700")
    assert "Tencent" in transcript


def test_quit_leaves_the_console(services):
    transcript = chat(services, "/quit", "/close")
    assert "Hang Seng Index" not in transcript


def test_a_language_chosen_in_the_console_is_kept_whatever_script_a_question_is_in(services):
    transcript = chat(services, "/lang zh-hans", "你好", "/lang en", "小米今日收市幾多")
    replies = transcript.split("\n")
    assert "今后我会以简体中文回复" in transcript
    hint = next(line for line in replies if "例如" in line)
    assert "「小米今天收盘多少」" in hint and "傳送" not in hint  # Simplified, as asked
    assert "Xiaomi Corp 小米集團-W" in transcript  # the Chinese question, answered in English
    assert "Close HK$53.45" in transcript


def test_until_the_console_chooses_a_chinese_question_is_answered_in_its_script(services):
    transcript = chat(services, "小米今日收市幾多")
    assert "收市 HK$53.45" in transcript


def test_ask_on_a_fresh_database_loads_the_sample_and_prints_innovent(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "/close inovent"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "CLOSEBOT_DB": str(tmp_path / "x.db"),
        },
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Innovent Biologics" in result.stdout
    assert "+14.14%" in result.stdout
    assert "loaded the bundled sample" in result.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_every_subcommand_takes_db_before_or_after_it(store, tmp_path, capsys, where):
    from bot.__main__ import main

    path = tmp_path / "copy.db"
    copy = sqlite3.connect(path)
    store.db.conn.backup(copy)
    copy.close()
    db = ["--db", str(path)]
    argv = [*db, "ask", "/close ccb"] if where == "before" else ["ask", "/close ccb", *db]
    assert main(argv) == 0
    assert "Close HK$7.220" in capsys.readouterr().out


def test_ask_piped_into_a_reader_that_left_ends_quietly(sample_file):
    """`closebot ask … | head -1`: the reader goes away before the answer is written."""
    run = subprocess.Popen(
        [sys.executable, "-m", "bot", "--db", str(sample_file), "ask", "/help"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert run.stdout is not None and run.stderr is not None
    run.stdout.close()  # nobody reads the answer
    errors = run.stderr.read()
    run.stderr.close()
    assert run.wait(timeout=60) == 141
    assert "Traceback" not in errors and "failed" not in errors, errors
