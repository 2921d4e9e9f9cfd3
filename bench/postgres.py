"""Past one machine, measured: the same market on SQLite and PostgreSQL, and the push sent by
two senders that share one broadcast budget in Redis.

    python bench/run.py --postgres postgresql://user@host/db [--redis redis://host:6379/0]

- ingest: `store.ingest.ingest` of the market's closes into a fresh SQLite file and into a fresh
  PostgreSQL schema (COPY into a staging table, one merge), rows per second each;
- answers: `answer_line` on each engine, the same seeded questions (p50/p99 per kind);
- push: two `python -m bot sender --once` processes against the Bot API stand-in
  (bench/sink.py), pushing the last session to the same subscribers with CLOSEBOT_REDIS set:
  messages a second as the stand-in saw them, and the busiest second, beside Telegram's 30.

Every run works in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.answers import answer_latency, evening_services
from bench.ingest_rate import remove_db, timed_ingest
from bench.make_market import Market
from bench.push_path import TOKEN, pace
from bench.sink import Sink
from store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
SENDERS = 2
TELEGRAM_RATE = 30


@contextmanager
def bench_schema(url: str) -> Iterator[str]:
    """A new schema for this run; yields the URL whose connections use it."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


def _ingest(store: Store, market: Market) -> dict[str, float]:
    loaded = timed_ingest(store, market)
    return {"rows": loaded.rows, "seconds": loaded.seconds, "rows_per_s": loaded.rows_per_s}


def _answers(store: Store, market: Market, count: int, seed: int) -> dict[str, Any]:
    services = evening_services(store, market.last_day)
    return answer_latency(services, market.first_day, market.last_day, count, seed)


def _push(url: str, redis: str, market: Market, chats: int) -> dict[str, Any]:
    """Two senders side by side on one PostgreSQL store and one Redis budget."""
    store = open_store(url)
    at = datetime.now(UTC).isoformat()
    store.engine.executemany(
        "INSERT INTO subscribers (chat_id, subscribed_at, active) VALUES (?, ?, 1)",
        [(10_000_001 + n, at) for n in range(chats)],
    )
    store.close()
    prefix_token = f"{uuid.uuid4().int % 10**9 + 10**9}:{TOKEN.split(':', 1)[1]}"
    with Sink() as sink:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": prefix_token,  # a bot of its own: its own keys in Redis
            "TELEGRAM_API_BASE_URL": f"{sink.url}/bot",
            "CLOSEBOT_DB": url,
            "CLOSEBOT_REDIS": redis,
            "CLOSEBOT_LOG_LEVEL": "WARNING",
        }
        command = [
            sys.executable,
            "-m",
            "bot",
            "sender",
            "--once",
            "--date",
            market.last_day.isoformat(),
            "--batch",
            "100",
        ]
        started = time.perf_counter()
        senders = [
            subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
            for _ in range(SENDERS)
        ]
        outputs = [s.communicate()[0].strip() for s in senders]
        seconds = time.perf_counter() - started
        stats = sink.stats()
    return {
        "senders": SENDERS,
        "chats": chats,
        "messages": stats.messages,
        "seconds_with_start_up": round(seconds, 3),
        "reports": outputs,
        **pace(stats),
        "telegram_limit_per_s": TELEGRAM_RATE,
    }


def postgres_vs_sqlite(
    market: Market,
    work: Path,
    url: str,
    redis: str | None,
    *,
    answers: int,
    chats: int,
    seed: int,
) -> dict[str, Any]:
    """Every figure of this file, for the README."""
    results: dict[str, Any] = {}
    db = work / "sqlite.db"
    remove_db(db)
    sqlite = open_store(db)
    results["ingest_sqlite"] = _ingest(sqlite, market)
    results["answers_sqlite"] = _answers(sqlite, market, answers, seed)
    sqlite.close()
    with bench_schema(url) as schema_url:
        postgres = open_store(schema_url)
        results["ingest_postgres"] = _ingest(postgres, market)
        results["answers_postgres"] = _answers(postgres, market, answers, seed)
        postgres.close()
        if redis:
            results["push_two_senders"] = _push(schema_url, redis, market, chats)
    return results
