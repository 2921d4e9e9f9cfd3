"""Shared fixtures: a store holding the sample day, and services over it at a fixed clock."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

import handlers.services
from handlers.core.match import Matcher
from handlers.services import HONG_KONG, Names, Services
from store import Store, open_store
from store.locks import FileLocks, WaitingDatabase
from store.models import Security
from store.sample import load_sample

# Time periods as timedelta, as python-telegram-bot will use them in its next major version.
os.environ["PTB_TIMEDELTA"] = "true"

# Where PYTHONDONTWRITEBYTECODE is set, pytest cannot keep the assert-rewritten test modules in
# __pycache__ and rewrites all of them in each xdist worker on every run (some 5 s of CPU), and
# the bot's modules, never written out, are compiled again in every child process the tests
# start. Writing them is Python's default; the setting still holds for those child processes.
sys.dont_write_bytecode = False

SAMPLE_DAY = date(2025, 6, 4)
# The evening of the sample day in Hong Kong: after the close, before the next session.
SAMPLE_EVENING = datetime(2025, 6, 4, 18, 0, tzinfo=HONG_KONG)


# The test files that take longest, longest first. Under xdist (`--dist loadfile`, without its
# reordering by number of tests: pyproject.toml) each file runs on one worker and files are
# handed out in this order, so the long ones start at once and the short ones fill in after;
# a long file handed out last would leave the other workers idle while it runs.
LONGEST_FIRST = (
    "test_bench.py",
    "test_hostile.py",
    "test_e2e.py",
    "test_bad_files.py",
    "test_delivery.py",
    "test_workers.py",
    "test_copying.py",
    "test_secrets.py",
    "test_ingest.py",
    "test_console.py",
    "test_watch.py",
    "test_store.py",
    "test_alerts.py",
    "test_locks.py",
    "test_faults.py",
    "test_upload.py",
    "test_languages.py",
    "test_match.py",
    "test_push.py",
    "test_engine.py",
    "test_rush_hour.py",
    "test_fake_telegram.py",
    "test_request.py",
    "test_handlers.py",
    "test_chart.py",
)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Two workers a core this process may run on, for `-n auto`: a good part of the suite
    waits (on the processes it starts, on PostgreSQL, on the fake Bot API's answers), and
    another worker runs meanwhile. PYTEST_XDIST_AUTO_NUM_WORKERS still decides when set."""
    if chosen := os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return int(chosen)
    return 2 * len(os.sched_getaffinity(0))


@pytest.hookimpl(trylast=True)  # after pytest's own, which sets up the run's folder
def pytest_configure(config: pytest.Config) -> None:
    """The processes of one run keep the exchange's sessions (bot.calendar_cache) in the run's
    folder, not the user's cache: the xdist workers and what they start inherit this."""
    if "CLOSEBOT_CACHE" not in os.environ and not hasattr(config, "workerinput"):
        folder = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
        os.environ["CLOSEBOT_CACHE"] = str(folder / "cache")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """After every worker has ended: drop the PostgreSQL databases a crashed one left."""
    if hasattr(session.config, "workerinput"):
        return  # a worker: the run is not over
    from tests.servers import POSTGRES, drop_left_behind

    folder = session.config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    drop_left_behind(POSTGRES, folder)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the files of LONGEST_FIRST first, in its order; the rest keep theirs after them."""
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture
def fresh_store() -> Store:
    store = open_store(":memory:")
    yield store
    store.close()


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of this run that all its xdist workers share (each has its own inside)."""
    folder = tmp_path_factory.getbasetemp()
    return folder.parent if os.environ.get("PYTEST_XDIST_WORKER") else folder


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample loaded into a file once for the whole run, by the first of the xdist workers
    to ask (the others wait for it); tests read it or copy it, never write to it."""
    path = run_folder(tmp_path_factory) / "sample.db"
    with FileLocks(str(path)).hold("loading"):
        if not path.exists():
            loading = path.with_name("sample-loading.db")
            for left in (loading, *(loading.with_name(loading.name + e) for e in ("-wal", "-shm"))):
                left.unlink(missing_ok=True)  # what a worker that failed while loading left
            store = open_store(loading)
            load_sample(store)
            store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            store.close()
            loading.rename(path)
    return path


@pytest.fixture
def sample_file(tmp_path: Path, sample_db: Path) -> Path:
    """A database file of this test's own holding the sample, as a first run leaves it."""
    path = tmp_path / "closebot.db"
    shutil.copyfile(sample_db, path)
    return path


@pytest.fixture(scope="session")
def sample_image(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The loaded sample as the bytes of a database file, from which each test's copy in
    memory is made: quicker than a backup page by page, and no schema to check again."""
    path = tmp_path_factory.mktemp("image") / "sample.db"
    shutil.copyfile(sample_db, path)
    connection = sqlite3.connect(path)
    try:
        # SQLite opens no image marked as in WAL mode in memory.
        connection.execute("PRAGMA journal_mode = DELETE")
        return connection.serialize()
    finally:
        connection.close()


@pytest.fixture
def store(sample_image: bytes) -> Iterator[Store]:
    """A copy of the sample in memory, opened as `open_store(":memory:")` opens one."""
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    connection.deserialize(sample_image)
    store = Store(WaitingDatabase(connection))
    yield store
    store.close()


@pytest.fixture(scope="session", autouse=True)
def one_matcher_per_securities() -> Iterator[None]:
    """Services build their matcher from their store's securities when first asked to match,
    and most tests' stores (copies of the sample, the CLI run in-process) hold the same
    securities. A matcher is fixed once built and depends only on the securities and sectors
    it is built from, so each worker builds it once for each set of them. How it is built,
    and rebuilt when a load changes the securities, is still what runs (test_match,
    test_answers)."""
    built: dict[tuple[tuple[Security, ...], tuple[str, ...]], Matcher] = {}
    build_for_store = handlers.services.build_matcher

    def build(store: Store) -> Matcher:
        key = (tuple(store.market.securities()), tuple(store.market.sectors()))
        if key not in built:
            if len(built) >= 4:  # a few sets at a time are all a test uses
                del built[next(iter(built))]
            built[key] = build_for_store(store)
        return built[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(handlers.services, "build_matcher", build)
        yield


@pytest.fixture(scope="session")
def sample_names(sample_db: Path) -> Names:
    """The matcher over the sample's securities, built once: every copy of the sample shares it."""
    store = open_store(sample_db)
    try:
        # through the module, so the matcher is the one built for these securities above
        return Names(store.market.securities_version(), handlers.services.build_matcher(store))
    finally:
        store.close()


@pytest.fixture
def services(store: Store, sample_names: Names) -> Services:
    return Services(store, now=lambda: SAMPLE_EVENING, known_names=sample_names)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The base URL of the PostgreSQL these tests may use (see tests/servers.py)."""
    from tests.servers import check_postgres

    return check_postgres()


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A PostgreSQL URL of this test's own: an empty schema, dropped after the test."""
    from tests.servers import own_schema

    with own_schema(postgres_server) as url:
        yield url


@pytest.fixture(scope="session")
def sample_postgres(
    postgres_server: str, sample_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """The sample copied once per run into a database, the template of each test's; the
    run's xdist workers share it (tests/servers.py)."""
    from store.copying import copy_to_postgres
    from tests.servers import shared_database

    def copy_sample(url: str) -> None:
        copy_to_postgres(sample_db, url)

    with shared_database(postgres_server, run_folder(tmp_path_factory), copy_sample) as url:
        yield url


@pytest.fixture(scope="session")
def sample_postgres_copies(
    postgres_server: str, sample_postgres: str, tmp_path_factory: pytest.TempPathFactory
):
    """Databases copied from the sample's, one ready before each test asks (tests/servers.py)."""
    from tests.servers import DatabaseCopies

    copies = DatabaseCopies(postgres_server, sample_postgres, run_folder(tmp_path_factory))
    yield copies
    copies.close()


@pytest.fixture
def pg_store(sample_postgres_copies) -> Store:
    """A PostgreSQL store of this test's own holding the sample."""
    url = sample_postgres_copies.take()
    try:
        store = open_store(url)
        yield store
        store.close()
    finally:
        sample_postgres_copies.give_back(url)


@pytest.fixture
def pg_services(pg_store: Store, sample_names: Names) -> Services:
    """Services over the PostgreSQL copy of the sample; it holds the same version of the
    securities as the SQLite one, so the matcher built once for the sample serves it too."""
    return Services(pg_store, now=lambda: SAMPLE_EVENING, known_names=sample_names)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_name(request) -> str:
    """Each engine in turn: a test module whose `store` (or `services`) fixture asks for it
    runs its tests on both (see tests/test_store.py)."""
    return request.param


@pytest.fixture(scope="session")
def redis_server() -> str:
    from tests.servers import check_redis

    return check_redis()


@pytest.fixture
def write_file(tmp_path: Path):
    """Write a data file under tmp_path and return its path."""

    def write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
async def app(services):
    """The real application over the sample, its Bot API calls answered offline and recorded
    in `app.bot.request` (see tests/offline.py).

    It sends without Telegram's pacing, which would hold each test's second message to its
    one chat back a second; tests/test_rush_hour.py and tests/test_e2e.py send through it."""
    from bot.app import build_application
    from bot.config import Settings
    from tests.offline import FAKE_TOKEN, RecordingRequest

    application = build_application(
        Settings(token=FAKE_TOKEN), request=RecordingRequest(), services=services, rate_limit=False
    )
    async with application:
        yield application


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[..., CliRun]]:
    """`python -m bot ARGS…` run in this process: its exit code, stdout and stderr (logs too).

    The command sets up logging as the real process does; the root logger is put back after."""
    from bot.__main__ import main

    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level

    def run(*argv: str) -> CliRun:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exit:  # argparse's usage errors end the process this way
            code = exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 1
            if isinstance(exit.code, str):
                print(exit.code, file=sys.stderr)  # as Python prints it on the way out
        out, err = capsys.readouterr()
        return CliRun(code, out, err)

    yield run
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
