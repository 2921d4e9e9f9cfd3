"""Nothing lost, nothing sent twice where Telegram lets us know: pushes and alerts through
Telegram's errors, a killed sender and a stopped one, against the fake Bot API server."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.ext import ExtBot

from bot.delivery import TokenRejected, new_owner, owner_gone
from bot.pacing import TelegramPace
from bot.push import deliver, plan_push
from handlers.core.sessions import PushSchedule, TradingCalendar
from handlers.services import Services
from store import open_store
from store.ledger import CLAIMED, SENDING
from tests.conftest import SAMPLE_DAY, SAMPLE_EVENING
from tests.fake_telegram import FakeTelegramServer, client_requests

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "6660001111:AADeliveryFaultsTokenForTests_abcdefgh"
WAIT = 30.0


@pytest.fixture(scope="module")
def calendar() -> TradingCalendar:
    return TradingCalendar()


@pytest.fixture
def push_services(store, calendar, sample_names) -> Services:
    return Services(
        store,
        now=lambda: SAMPLE_EVENING,
        schedule=PushSchedule(calendar),
        known_names=sample_names,
    )


@pytest.fixture
def server():
    with FakeTelegramServer(token=TOKEN) as fake:
        yield fake


def subscribe(store, chats) -> None:
    for chat_id in chats:
        store.chats.subscribe(chat_id, SAMPLE_EVENING - timedelta(days=1), None)


def pushes_to(server: FakeTelegramServer, chat_id: int) -> int:
    return sum(1 for m in server.sent_messages(chat_id) if m["text"].startswith("🔔"))


class Sleeps(list):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


async def push_over_http(server: FakeTelegramServer, services: Services, sleep=None):
    bot = ExtBot(TOKEN, base_url=server.base_url, rate_limiter=TelegramPace(), **client_requests())
    async with bot:
        plan = plan_push(services, services.now(), day=SAMPLE_DAY, everyone=True)
        return await deliver(bot, services, plan, sleep=Sleeps() if sleep is None else sleep)


# --- Telegram's answers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "description"), [(500, "Internal Server Error"), (502, "Bad Gateway")]
)
async def test_one_5xx_then_200_delivers_the_push_once(server, push_services, code, description):
    subscribe(push_services.store, [1])
    server.fail_next("sendMessage", chat_id=1, error_code=code, description=description)
    sleeps = Sleeps()
    report = await push_over_http(server, push_services, sleep=sleeps)
    assert report.outcomes == {"sent": 1}
    assert sleeps == [1.0]  # one backoff, then the retry that was answered 200
    assert pushes_to(server, 1) == 1
    assert push_services.store.ledger.pushes(SAMPLE_DAY) == {1: "sent"}


async def test_a_404_ends_the_chats_claim_with_its_reason_logged(server, push_services, caplog):
    subscribe(push_services.store, [1, 2])
    server.fail_next("sendMessage", chat_id=1, error_code=404, description="Not Found")
    with caplog.at_level(logging.INFO):
        report = await push_over_http(server, push_services)
    assert report.outcomes == {"rejected": 1, "sent": 1}
    ledger = push_services.store.ledger
    assert ledger.pushes(SAMPLE_DAY) == {1: "rejected", 2: "sent"}
    assert "Not Found" in (ledger.push_reason(SAMPLE_DAY, 1) or "")
    logged = [r for r in caplog.records if "chat 1" in r.getMessage()]
    assert any("Not Found" in r.getMessage() for r in logged)
    assert not any(r.exc_info for r in caplog.records)  # a reason, not a traceback
    again = await push_over_http(server, push_services)
    assert again.outcomes == {}
    assert pushes_to(server, 1) == 0 and pushes_to(server, 2) == 1


async def test_a_claim_whose_sender_died_before_sending_is_sent_by_the_next_run(
    server, push_services
):
    subscribe(push_services.store, [1, 2])
    dead = dead_owner()
    ledger = push_services.store.ledger
    ledger.claim_push(SAMPLE_DAY, 1, SAMPLE_EVENING, dead)  # waiting its turn when killed
    ledger.leaving(ledger.claim_push(SAMPLE_DAY, 2, SAMPLE_EVENING, dead), SAMPLE_EVENING)
    report = await push_over_http(server, push_services)
    assert pushes_to(server, 1) == 1  # never left: sent now
    assert pushes_to(server, 2) == 0  # was on its way: may have arrived, so not sent twice
    assert ledger.pushes(SAMPLE_DAY) == {1: "sent", 2: "may have arrived"}
    assert report.summary() == {"sent": 1, "failed": 1, "blocked": 0, "left": 0}
    assert "chat 2: may have arrived" in report.describe()


async def test_a_claim_of_a_sender_still_running_is_left_to_it(server, push_services):
    subscribe(push_services.store, [1])
    push_services.store.ledger.claim_push(SAMPLE_DAY, 1, SAMPLE_EVENING, new_owner())
    report = await push_over_http(server, push_services)
    assert pushes_to(server, 1) == 0
    assert report.held_elsewhere == 1
    assert "1 chat is being sent by another run" in report.describe()


def dead_owner() -> str:
    """The owner name of a process of this machine that has exited."""
    child = subprocess.run(
        [sys.executable, "-c", "from bot.delivery import new_owner; print(new_owner())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    owner = child.stdout.strip()
    assert owner_gone(owner)
    return owner


async def test_a_token_revoked_mid_push_stops_it_and_gives_the_chat_back(server, push_services):
    subscribe(push_services.store, [1, 2])
    server.fail_next("sendMessage", error_code=401, description="Unauthorized", times=None)
    with pytest.raises(TokenRejected, match="Unauthorized"):
        await push_over_http(server, push_services)
    assert push_services.store.ledger.pushes(SAMPLE_DAY) == {}  # both due again, none lost
    server.clear_faults()
    report = await push_over_http(server, push_services)
    assert report.outcomes == {"sent": 2}
    assert [pushes_to(server, chat) for chat in (1, 2)] == [1, 1]


# --- the push command, killed and stopped ---------------------------------------------------


def seed(path: Path, chats) -> None:
    store = open_store(path)
    subscribe(store, chats)
    store.close()


def push_command(server: FakeTelegramServer, db: Path) -> list[str]:
    return [sys.executable, "-m", "bot", "--db", str(db), "push", "--date", SAMPLE_DAY.isoformat()]


def env_for(server: FakeTelegramServer) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
    }


def settle(server: FakeTelegramServer) -> None:
    """Wait until requests already on their way have reached the fake (no new call for a
    moment)."""
    seen, quiet_since = len(server.calls), time.monotonic()
    while time.monotonic() - quiet_since < 0.3:
        time.sleep(0.05)
        if len(server.calls) != seen:
            seen, quiet_since = len(server.calls), time.monotonic()


def push_here(server: FakeTelegramServer, db: Path, monkeypatch, capsys) -> tuple[int, str]:
    """`push` run in this process (quicker than a new one): its exit status and output."""
    from bot.__main__ import main

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", server.base_url)
    capsys.readouterr()
    code = main(push_command(server, db)[3:])
    printed = capsys.readouterr()
    assert "Traceback" not in printed.err
    return code, printed.out


def held_claims(db: Path) -> list[tuple]:
    store = open_store(db)
    rows = store.db.execute(
        "SELECT chat_id, status FROM pushes WHERE status IN (?, ?)", [CLAIMED, SENDING]
    ).fetchall()
    store.close()
    return rows


def test_a_push_killed_mid_run_then_run_again_reaches_every_healthy_chat_exactly_once(
    server, sample_file, monkeypatch, capsys
):
    healthy, blocked = list(range(1, 17)), 99
    seed(sample_file, [*healthy, blocked])
    server.fail_next(
        "sendMessage",
        chat_id=blocked,
        error_code=403,
        description="Forbidden: bot was blocked by the user",
        times=None,
    )
    server.delay_answers("sendMessage", 0.1)  # slow answers: several sends in flight at once
    process = subprocess.Popen(
        push_command(server, sample_file),
        cwd=ROOT,
        env=env_for(server),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = threading.Event()

    def kill_at_the_sixth_delivery(call) -> None:
        # Killed while the sixth message is delivered and its answer not yet back.
        delivered = sum(1 for c in server.calls_to("sendMessage") if c.ok)
        if call.method == "sendMessage" and call.ok and delivered >= 6 and not killed.is_set():
            killed.set()
            os.kill(process.pid, signal.SIGKILL)

    server.on_call = kill_at_the_sixth_delivery
    process.communicate(timeout=WAIT)
    assert process.returncode == -signal.SIGKILL
    server.on_call = None
    settle(server)
    delivered_before = [c for c in healthy if pushes_to(server, c)]
    assert 6 <= len(delivered_before) < len(healthy)

    server.delay_answers("sendMessage", 0)
    _, printed = push_here(server, sample_file, monkeypatch, capsys)
    assert [pushes_to(server, chat) for chat in healthy] == [1] * len(healthy)
    assert pushes_to(server, blocked) == 0
    assert held_claims(sample_file) == []
    # The chats whose answer the kill cut off are named, not silently counted as sent.
    assert "may have arrived" in printed


def test_sigterm_mid_push_exits_within_10_s_with_nothing_stuck(
    server, sample_file, monkeypatch, capsys
):
    chats = list(range(1, 17))
    seed(sample_file, chats)
    server.delay_answers("sendMessage", 0.1)
    # One chat is under flood control for a long while: its wait must not hold up the stop.
    server.fail_next(
        "sendMessage",
        chat_id=3,
        error_code=429,
        description="Too Many Requests: retry after 60",
        parameters={"retry_after": 60},
    )
    process = subprocess.Popen(
        push_command(server, sample_file),
        cwd=ROOT,
        env=env_for(server),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server.wait_for(lambda c: c.method == "sendMessage" and c.ok and c.chat_id == 6, timeout=WAIT)
    stopped_at = time.monotonic()
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=WAIT)
    assert time.monotonic() - stopped_at < 10
    assert process.returncode == 1  # chats were left: the summary says so
    assert "left" in stdout and "stopped before the end" in stdout
    assert "Traceback" not in stderr
    assert held_claims(sample_file) == []
    settle(server)
    sent_before = [c for c in chats if pushes_to(server, c)]
    assert 3 not in sent_before and len(sent_before) < len(chats)

    server.delay_answers("sendMessage", 0)
    code, printed = push_here(server, sample_file, monkeypatch, capsys)
    assert code == 0, printed
    assert [pushes_to(server, chat) for chat in chats] == [1] * len(chats)


async def test_a_send_still_in_flight_when_the_grace_ends_is_cut_off_and_reported(
    server, push_services
):
    subscribe(push_services.store, [1])
    server.delay_answers("sendMessage", 3)  # delivered, but the answer is slow to come
    stop = asyncio.Event()
    bot = ExtBot(TOKEN, base_url=server.base_url, rate_limiter=TelegramPace(), **client_requests())
    async with bot:
        plan = plan_push(push_services, push_services.now(), day=SAMPLE_DAY, everyone=True)
        asyncio.get_running_loop().call_later(0.3, stop.set)
        started = time.monotonic()
        report = await deliver(bot, push_services, plan, stop=stop, grace=0.2)
        assert time.monotonic() - started < 2
    assert report.stopped
    # It was on the wire: it may have arrived (it did), so it is never sent again.
    assert push_services.store.ledger.pushes(SAMPLE_DAY) == {1: "may have arrived"}
    assert pushes_to(server, 1) == 1


def test_push_exits_non_zero_with_a_summary_when_a_chat_failed(
    server, sample_file, monkeypatch, capsys
):
    seed(sample_file, [1, 2, 3])
    server.fail_next("sendMessage", chat_id=2, error_code=404, description="Not Found")
    server.fail_next(
        "sendMessage",
        chat_id=3,
        error_code=403,
        description="Forbidden: bot was blocked by the user",
    )
    code, printed = push_here(server, sample_file, monkeypatch, capsys)
    assert code == 1
    assert "2025-06-04: 1 sent, 1 failed, 1 blocked, 0 left" in printed
    assert "chat 2: rejected (Telegram answered: Not Found)" in printed


def test_the_running_bot_stops_on_sigterm_within_10_s(server, sample_file):
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--db", str(sample_file), "run"],
        cwd=ROOT,
        env=env_for(server),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        server.send_text(5, "/start")  # answered: the bot is up and polling
        server.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 5, timeout=WAIT)
        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=WAIT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert time.monotonic() - stopped_at < 10
    assert process.returncode == 0, stderr
    assert "SIGTERM: stopping" in stderr and "Traceback" not in stderr


async def test_a_stopping_bot_claims_no_new_chat(server, push_services):
    subscribe(push_services.store, [1, 2])
    stop = asyncio.Event()
    stop.set()
    bot = ExtBot(TOKEN, base_url=server.base_url, rate_limiter=TelegramPace(), **client_requests())
    async with bot:
        plan = plan_push(push_services, push_services.now(), day=SAMPLE_DAY, everyone=True)
        report = await deliver(bot, push_services, plan, stop=stop)
    assert server.sent_messages() == []
    assert report.summary()["left"] == 2
    assert push_services.store.ledger.count_due(SAMPLE_DAY, plan.times) == 2


def test_an_owner_on_this_machine_that_is_running_is_not_gone():
    assert not owner_gone(new_owner())
    assert not owner_gone("elsewhere/1/abcd")  # another machine: waited for until its lease ends
