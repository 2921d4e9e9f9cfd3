"""Every command's answer on the sample, byte for byte, as recorded in tests/golden/answers.json.

The file pins what people see while the code around the answers is reshaped. When an answer is
meant to change, record the file again and read the diff:

    CLOSEBOT_WRITE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from handlers.commands import answer_line

GOLDEN = Path(__file__).parent / "golden" / "answers.json"

# One local chat's session, in order: later lines see what earlier ones wrote.
LINES = [
    "/start",
    "/help",
    "/close",
    "/close innovent",
    "/close inovent",
    "/close 01801.HK",
    "/close 信達生物",
    "/close 700 3 Jun",
    "/close tencent ytd",
    "/close hsi 2024-01-02",
    "/close hsi 2025-06-07",
    "/close 700 31 May",
    "/close hsi 1 May",
    "/close wuxi",
    "/close 2800",
    "/close hang seng tech",
    "/close 恒生科技指數",
    "/close healthcare",
    "/close xyzzy",
    "/sector",
    "/sector helthcare",
    "/sector property",
    "/sector 醫療",
    "/sector nonsense",
    "/movers",
    "/movers 10 losers",
    "/movers hsi",
    "/movers all 2024-10-02",
    "/movers 99",
    "/summary",
    "/summary 2025-06-03",
    "/chart",
    "/chart innovent 1m",
    "/chart sector healthcare 3m",
    "/chart wuxi",
    "/watch",
    "/watch add innovent, pop mart",
    "/watch",
    "/watch remove pop mart",
    "/alert innovent above 80",
    "/alert 700 move 5 repeat",
    "/alerts",
    "/alert remove 1",
    "/subscribe",
    "/status",
    "/frobnicate",
    "pop mart",
    "700",
    "xyzzy",
    "how did xiaomi do on 3/6",
    "升幅最大",
    "點解今日升",
    "內銀股今日點",
    "how did xaiomi close",
]


def _record(services) -> list[dict[str, object]]:
    answers = []
    for line in LINES:
        reply = answer_line(services, line)
        answers.append(
            {
                "line": line,
                "text": reply.text,
                "buttons": [[b.text, b.command] for b in reply.button_list],
                "picture": reply.photo is not None,
            }
        )
    return answers


def _answers(services) -> list[dict[str, object]]:
    # "data stored …" would read the time the test database was made
    services.store.engine.execute(
        "UPDATE session_loads SET stored_at = '2025-06-04T10:12:00+00:00'"
    )
    return _record(services)


def test_every_command_answers_as_recorded(services):
    answers = _answers(services)
    if os.environ.get("CLOSEBOT_WRITE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(answers, ensure_ascii=False, indent=1) + "\n", "utf-8")
    recorded = json.loads(GOLDEN.read_text("utf-8"))
    assert [a["line"] for a in recorded] == LINES, "record the file again: the lines changed"
    for now, then in zip(answers, recorded, strict=True):
        assert now == then, f"the answer to {now['line']!r} changed"


def test_every_command_answers_the_same_on_postgresql(pg_services):
    answers = _answers(pg_services)
    recorded = json.loads(GOLDEN.read_text("utf-8"))
    for now, then in zip(answers, recorded, strict=True):
        assert now == then, f"the answer to {now['line']!r} differs on PostgreSQL"
