"""Past one machine: two webhook workers and two senders sharing PostgreSQL and Redis, against
the fake Bot API. People are answered by whichever worker Telegram posts to; a push reaches each
subscriber exactly once whichever sender takes it, even when one is killed mid-push; the senders
share one broadcast budget."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from bot.requests import tls_context
from handlers.answers.daily import push_parts
from handlers.core.locale import ENGLISH_LOCALE
from tests.fake_telegram import FakeTelegramServer
from tests.test_e2e import command_update, free_port, post_when_listening

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DAY = "2025-06-04"  # the sample's session, pushed by hand
SUBSCRIBERS = range(10_001, 10_201)  # 200 chats
RATE = 40  # broadcasts a second, shared by both senders
SECRET = "workers-Webhook_secret"
WAIT = 60.0


def _token() -> str:
    """A bot of this test's own: its limits in Redis are keyed by the bot's id."""
    return f"{random.randint(10**9, 10**10 - 1)}:AAE2eWorkersTokenNeverLogged_{os.getpid()}"


def _environment(server: FakeTelegramServer, db: str, redis: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": server.token,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "CLOSEBOT_DB": db,
        "CLOSEBOT_REDIS": redis,
        "CLOSEBOT_BROADCAST_RATE": str(RATE),
        "CLOSEBOT_WEB_WORKERS": "1",
        "WEBHOOK_URL": "https://closebot.example.org/telegram-hook",
        "WEBHOOK_SECRET": SECRET,
        "PORT": str(port),
    }


def _stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        _, stderr = process.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
    return stderr or ""


# The fake Bot API stamps a send when its thread reads it, and a thread of a busy test process
# can read several late and together: counted in single seconds, sends spaced by the budget
# can seem to bunch. Over a window of a few seconds, half a second of such delay adds at most
# half a second's worth, far below what two senders with a budget each would send.
WINDOW = 3.0  # seconds
READ_LATE = 0.5  # seconds a send may be read late
MOST_IN_A_WINDOW = int(RATE * (WINDOW + READ_LATE)) + 1  # two budgets would send 2 * RATE * WINDOW
# Fewer chats than that would all fit in one window whatever the budget: the check would not see
# two budgets.
assert len(SUBSCRIBERS) > MOST_IN_A_WINDOW


def _busiest(times: list[float], window: float = WINDOW) -> int:
    """The most sends in any window of `window` seconds."""
    times, most, first = sorted(times), 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


def _subscribe(store, chats) -> None:
    at = datetime(2025, 6, 4, 9, tzinfo=UTC).isoformat()
    store.engine.executemany(
        "INSERT INTO subscribers (chat_id, subscribed_at, active) VALUES (?, ?, 1)",
        [(chat_id, at) for chat_id in chats],
    )


SENDER_ONCE = ("sender", "--once", "--date", SAMPLE_DAY, "--batch", "25")


def _sender(server: FakeTelegramServer, url: str, redis: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *SENDER_ONCE],
        env=_environment(server, url, redis, free_port()),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def shared_store(pg_store, redis_server):
    """The sample in PostgreSQL with 200 subscribers, and its URL for the processes."""
    _subscribe(pg_store, SUBSCRIBERS)
    return pg_store, pg_store.path


def test_two_workers_answer_and_two_senders_push_each_chat_once_within_one_budget(
    shared_store, redis_server
):
    store, url = shared_store
    with FakeTelegramServer(token=_token()) as server:
        ports = [free_port(), free_port()]
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "web"],
                env=_environment(server, url, redis_server, port),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for port in ports
        ]
        try:
            # People ask both workers; each answers before its 200.
            for number, (port, chat_id, line) in enumerate(
                [(ports[0], 501, "/close innovent"), (ports[1], 502, "/close 700")], start=1
            ):
                hook = f"http://127.0.0.1:{port}/telegram-hook"
                answered = post_when_listening(hook, command_update(number, chat_id, line), SECRET)
                assert answered.status_code == 200
                assert server.sent_messages(chat_id), f"no answer to {line} before the 200"
            hook = f"http://127.0.0.1:{ports[0]}/telegram-hook"
            forged = httpx.post(
                hook, json=command_update(9, 503, "/close"), timeout=5, verify=tls_context()
            )
            assert forged.status_code == 403
            huge = httpx.post(
                hook,
                content=b"{" + b" " * 2_000_000 + b"}",
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                timeout=5,
                verify=tls_context(),
            )
            assert huge.status_code == 413
            assert server.sent_messages(503) == []

            # Two senders push the sample day side by side.
            started = len(server.calls)
            senders = [_sender(server, url, redis_server) for _ in range(2)]
            reports = [s.communicate(timeout=WAIT * 2) for s in senders]
            for sender, (out, err) in zip(senders, reports, strict=True):
                assert sender.returncode == 0, err
                assert server.token not in out + err
        finally:
            logs = [_stop(w) for w in workers]
        assert all(server.token not in log for log in logs)

    parts = push_parts(store, date(2025, 6, 4), None, lang=ENGLISH_LOCALE)
    pushes = [
        c
        for c in server.calls[started:]
        if c.method == "sendMessage" and c.ok and c.chat_id in SUBSCRIBERS
    ]
    per_chat = Counter(c.chat_id for c in pushes)
    assert set(per_chat) == set(SUBSCRIBERS)
    assert set(per_chat.values()) == {len(parts)}, "a chat got its push twice or not at all"
    assert store.ledger.pushes(date(2025, 6, 4)) == {c: "sent" for c in SUBSCRIBERS}
    sent_by = [int(out.split(" sent")[0].split()[-1]) for out, _ in reports]
    assert sum(sent_by) == len(SUBSCRIBERS) and min(sent_by) > 0, "one sender did all the work"
    # Sends are spaced by the one budget the senders share.
    assert _busiest([c.at for c in pushes]) <= MOST_IN_A_WINDOW


KILLED_RUN = range(20_001, 20_201)  # 200 chats: five seconds at the shared rate
KILLED_AFTER = 50  # pushes sent when one sender is killed: a quarter of the way through


def test_a_sender_killed_mid_push_leaves_no_chat_pushed_twice_and_the_next_round_finishes(
    pg_store, redis_server, cli, monkeypatch
):
    from store.ledger import MAY_HAVE_ARRIVED, SENT

    _subscribe(pg_store, KILLED_RUN)
    url = pg_store.path
    with FakeTelegramServer(token=_token()) as server:

        def pushes() -> list:
            return [
                c
                for c in server.calls
                if c.method == "sendMessage" and c.ok and c.chat_id in KILLED_RUN
            ]

        doomed, survivor = _sender(server, url, redis_server), _sender(server, url, redis_server)
        deadline = time.monotonic() + WAIT
        while len(pushes()) < KILLED_AFTER and time.monotonic() < deadline:
            time.sleep(0.05)
        doomed.kill()  # SIGKILL: no grace, claims and queued work left as they were
        doomed.communicate()
        out, err = survivor.communicate(timeout=WAIT * 2)
        assert survivor.returncode == 0, err
        # The next round finds the killed sender gone and takes what it left: a command run to
        # its end, here in this process.
        for name, value in _environment(server, url, redis_server, free_port()).items():
            monkeypatch.setenv(name, value)
        after = cli(*SENDER_ONCE)
        assert after.code == 0, after.err
        sent = pushes()

    parts = len(push_parts(pg_store, date(2025, 6, 4), None, lang=ENGLISH_LOCALE))
    per_chat = Counter(c.chat_id for c in sent)
    ledger = pg_store.ledger.pushes(date(2025, 6, 4))
    unsure = {chat for chat, status in ledger.items() if status == MAY_HAVE_ARRIVED}
    assert set(ledger) == set(KILLED_RUN)
    assert set(ledger.values()) <= {SENT, MAY_HAVE_ARRIVED}
    assert len(unsure) <= 8, "more chats in doubt than the killed sender had in flight"
    for chat_id in KILLED_RUN:
        if chat_id in unsure:  # its request was on the wire when the sender died
            assert per_chat[chat_id] in (0, parts)
        else:
            assert per_chat[chat_id] == parts, f"chat {chat_id} got {per_chat[chat_id]} pushes"
    assert _busiest([c.at for c in sent]) <= MOST_IN_A_WINDOW
