"""The PostgreSQL and Redis servers some tests run against, and each test's own part of them.

Locally these tests skip, saying how to run them, when a server is not there; CI sets
CLOSEBOT_REQUIRE_SERVICES=1, and a missing server fails the run instead.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

import pytest

POSTGRES = os.environ.get("CLOSEBOT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("CLOSEBOT_TEST_REDIS", "redis://127.0.0.1:6379/0")
HOW = (
    "these tests need PostgreSQL (a database the user may create schemas in) and Redis: start "
    "them on 127.0.0.1:5432 and 127.0.0.1:6379, or set CLOSEBOT_TEST_POSTGRES and "
    "CLOSEBOT_TEST_REDIS to their URLs; pip install -e '.[postgres]' for the drivers "
    "(README: Running on several machines)"
)


def unavailable(what: str, why: object) -> NoReturn:
    message = f"{what} is not reachable ({why}); {HOW}"
    if os.environ.get("CLOSEBOT_REQUIRE_SERVICES"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def check_postgres() -> str:
    try:
        import psycopg
    except ImportError as error:
        unavailable("PostgreSQL", error)
    try:
        with psycopg.connect(POSTGRES, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        unavailable(f"PostgreSQL at {POSTGRES}", str(error).strip().splitlines()[0])
    return POSTGRES


def check_redis() -> str:
    try:
        import redis
    except ImportError as error:
        unavailable("Redis", error)
    try:
        client = redis.Redis.from_url(REDIS, socket_connect_timeout=3)
        client.ping()
        client.close()
    except redis.RedisError as error:
        unavailable(f"Redis at {REDIS}", error)
    return REDIS


def in_schema(url: str, schema: str) -> str:
    """The URL with every connection's search path set to `schema`."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@contextmanager
def own_schema(url: str) -> Iterator[str]:
    """A new, empty schema for one test (so parallel workers never meet), dropped after it;
    yields the URL whose connections use it."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with _made_then_dropped(url, f"CREATE SCHEMA {schema}", f"DROP SCHEMA {schema} CASCADE"):
        yield in_schema(url, schema)


def execute_on_server(url: str, statement: str) -> None:
    """One statement on its own connection, outside a transaction (CREATE and DROP DATABASE
    cannot run inside one)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


SHARED_COUNT = "postgres-sample.json"  # in the run's shared folder
MADE = "postgres-databases.txt"  # there too: every database the run's workers made


def record_made(folder: Path, name: str) -> None:
    """Note a database made for this run, for `drop_left_behind` (one short appended line)."""
    with open(folder / MADE, "a") as made:
        made.write(name + "\n")


def drop_left_behind(url: str, folder: Path) -> None:
    """Once every worker has ended: drop the databases of this run that a worker which died
    left behind (its copies, the shared sample if it was counted as in use)."""
    made = folder / MADE
    if not made.exists():
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        for name in set(made.read_text().split()):
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    made.unlink()
    (folder / SHARED_COUNT).unlink(missing_ok=True)


@contextmanager
def shared_database(url: str, folder: Path, make: Callable[[str], None]) -> Iterator[str]:
    """One database for all the xdist workers of a run, made by the first to ask (`make` fills
    it) and dropped by the last to leave; they keep count in `folder`, under a file lock."""
    from store.locks import FileLocks

    count = folder / SHARED_COUNT
    locks = FileLocks(str(count))
    execute = partial(execute_on_server, url)
    with locks.hold("users"):
        if count.exists():
            state = json.loads(count.read_text())
        else:
            state = {"name": f"closebot_test_{uuid.uuid4().hex[:16]}", "users": 0}
            record_made(folder, state["name"])
            execute(f"CREATE DATABASE {state['name']}")
            try:
                make(with_database(url, state["name"]))
            except BaseException:
                execute(f"DROP DATABASE {state['name']} WITH (FORCE)")
                raise
        state["users"] += 1
        count.write_text(json.dumps(state))
    try:
        yield with_database(url, state["name"])
    finally:
        with locks.hold("users"):
            state = json.loads(count.read_text())
            state["users"] -= 1
            if state["users"]:
                count.write_text(json.dumps(state))
            else:
                count.unlink()
                execute(f"DROP DATABASE {state['name']} WITH (FORCE)")


@contextmanager
def _made_then_dropped(url: str, create: str, drop: str) -> Iterator[None]:
    """Run `create` on the server, then `drop` once the block ends, however it ends."""
    execute_on_server(url, create)
    try:
        yield
    finally:
        execute_on_server(url, drop)


class DatabaseCopies:
    """Copies of `template`'s database, made ahead of the tests that ask for them and dropped
    after, in threads of their own: CREATE and DROP DATABASE wait for the server to write the
    files out, which no test needs to wait for. Two copies are kept in the making, and drops
    run beside them, as the server does each faster two at a time than one after another."""

    AHEAD = 2

    def __init__(self, url: str, template: str, folder: Path) -> None:
        self.url, self.template, self.folder = url, template, folder
        self._makers = ThreadPoolExecutor(max_workers=self.AHEAD, thread_name_prefix="pg-copy")
        self._dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-drop")
        self._ahead: deque[Future[str]] = deque(
            self._makers.submit(self._create) for _ in range(self.AHEAD)
        )

    def _execute(self, statement: str) -> None:
        execute_on_server(self.url, statement)

    def _create(self) -> str:
        name = f"closebot_test_{uuid.uuid4().hex[:16]}"
        record_made(self.folder, name)
        self._execute(f"CREATE DATABASE {name} TEMPLATE {database_of(self.template)}")
        return with_database(self.url, name)

    def _drop(self, url: str) -> None:
        self._execute(f"DROP DATABASE {database_of(url)} WITH (FORCE)")

    def take(self) -> str:
        """The URL of a new copy of the template, the test's own; another is begun."""
        url = self._ahead.popleft().result()
        self._ahead.append(self._makers.submit(self._create))
        return url

    def give_back(self, url: str) -> None:
        """Drop the copy at `url` (after the test: nothing may be connected to it)."""
        self._dropper.submit(self._drop, url)

    def close(self) -> None:
        """Drop the copies made ahead, wait for every drop, and stop the threads."""
        try:
            for made in self._ahead:
                self._dropper.submit(self._drop, made.result())
        finally:
            self._makers.shutdown(wait=True)
            self._dropper.shutdown(wait=True)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def own_prefix() -> str:
    """A Redis key prefix no other test uses."""
    return f"closebot-test:{uuid.uuid4().hex[:16]}:"
