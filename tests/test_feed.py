"""The daily data feed, offline: a recorded yfinance-shaped download stands in for Yahoo."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from bot.feed import FetchReport, YahooSource, fetch_day, yahoo_symbol
from handlers.core.figures import ranked_movers
from handlers.core.narrative import ensure_summary, generate_summary
from handlers.core.sessions import HONG_KONG
from handlers.services import DEFAULT_MIN_TURNOVER

JUNE_4, JUNE_5 = date(2025, 6, 4), date(2025, 6, 5)
EVENING_5 = datetime(2025, 6, 5, 18, 0, tzinfo=HONG_KONG)


def recorded_download() -> pd.DataFrame:
    """What `yfinance.download([...], group_by="column")` returned for 3–5 June 2025 (real closes),
    with Tencent's 5 June close missing (NaN) and HSBC absent altogether."""
    days = pd.DatetimeIndex(["2025-06-03", "2025-06-04", "2025-06-05"], name="Date")
    closes = {
        "^HSI": [23512.49, 23654.03, 23906.97],
        "1801.HK": [65.05, 74.25, 72.30],
        "9992.HK": [234.0, 246.0, 243.0],
        "0700.HK": [505.0, 512.0, np.nan],
        "2269.HK": [24.70, 25.20, 24.90],
    }
    volumes = {
        "^HSI": [0, 0, 0],
        "1801.HK": [1, 60950873, 31001985],
        "9992.HK": [1, 2, 17985477],
        "0700.HK": [1, 18378499, np.nan],
        "2269.HK": [1, 2, 33124399],
    }
    frame = {}
    for field, values in (("Close", closes), ("Volume", volumes)):
        for symbol, series in values.items():
            frame[(field, symbol)] = series
    columns = pd.MultiIndex.from_tuples(frame, names=["Price", "Ticker"])
    return pd.DataFrame(frame, index=days, columns=columns)


class Recorder:
    def __init__(self, frame: pd.DataFrame | None = None, error: Exception | None = None):
        self.frame, self.error, self.calls = frame, error, []

    def __call__(self, tickers, **kwargs) -> pd.DataFrame:
        self.calls.append((tickers, kwargs))
        if self.error:
            raise self.error
        return self.frame


@pytest.fixture
def download() -> Recorder:
    return Recorder(recorded_download())


def test_tickers_are_spelled_as_yahoo_spells_them():
    assert yahoo_symbol("1801.HK") == "1801.HK"
    assert yahoo_symbol("HSI") == "^HSI"
    assert (yahoo_symbol("HSTECH"), yahoo_symbol("HSCEI")) == ("HSTECH.HK", "^HSCE")


def test_one_batch_download_asks_for_every_security(store, download):
    fetch_day(store, YahooSource(download), JUNE_5, now=EVENING_5)
    assert len(download.calls) == 1
    tickers, options = download.calls[0]
    assert len(tickers) == len(store.market.securities())
    assert "^HSI" in tickers and "1801.HK" in tickers
    assert options["end"] == "2025-06-06" and options["auto_adjust"] is False


def test_the_days_closes_are_loaded_with_change_from_the_previous_close(store, download):
    report = fetch_day(store, YahooSource(download), JUNE_5, now=EVENING_5)
    assert report.loaded.report.closes == 4
    innovent = store.market.quote("1801.HK", JUNE_5).close
    assert (innovent.close, innovent.prev_close, innovent.volume) == (72.30, 74.25, 31001985)
    assert round(innovent.pct_change, 2) == -2.63
    assert store.market.quote("HSI", JUNE_5).close.close == 23906.97
    assert report.complete


def test_a_nan_close_is_reported_as_no_trade_and_not_invented(store, download):
    report = fetch_day(store, YahooSource(download), JUNE_5, now=EVENING_5)
    assert report.stale == ["0700.HK"]
    assert store.market.quote("0700.HK", JUNE_5) is None


def test_a_ticker_the_source_does_not_know_is_reported_missing(store, download):
    report = fetch_day(store, YahooSource(download), JUNE_5, now=EVENING_5)
    assert "0005.HK" in report.missing
    unknown = len(store.market.securities()) - 5  # the download holds five of them
    assert f"no data for {unknown}: 0001.HK, 0002.HK" in report.describe()


def test_a_summary_is_written_from_the_data_when_none_exists(store, download):
    report = fetch_day(store, YahooSource(download), JUNE_5, now=EVENING_5)
    assert report.summary_written
    summary = store.market.summary(JUNE_5)
    assert summary.source == "generated"
    assert "rose 252.94 points, or 1.07%, to close at 23,906.97" in summary.body


def test_a_written_summary_is_never_replaced_by_a_generated_one(store):
    assert ensure_summary(store, JUNE_4) is False
    assert store.market.summary(JUNE_4).source == "written"


def test_a_written_summary_ingested_later_replaces_the_generated_one(store, download, write_file):
    from store import ingest

    fetch_day(store, YahooSource(download), JUNE_5, now=EVENING_5)
    path = write_file("june5.md", "Hang Seng climbs 1.1%\n\nA written account.\n")
    ingest(store, summary=path, summary_date=JUNE_5, today=JUNE_5)
    assert store.market.summary(JUNE_5).source == "written"
    assert ensure_summary(store, JUNE_5) is False
    assert store.market.summary(JUNE_5).headline == "Hang Seng climbs 1.1%"


def test_when_the_source_has_nothing_for_the_day_nothing_is_loaded(store):
    empty = Recorder(pd.DataFrame())
    report = fetch_day(store, YahooSource(empty), JUNE_5, now=EVENING_5)
    assert report.loaded is None and not report.complete
    assert store.market.latest_date() == JUNE_4


def test_an_impossible_close_from_the_source_is_reported_and_not_loaded(store):
    frame = recorded_download()
    frame[("Close", "9992.HK")] = [234.0, 246.0, -1.0]
    report = fetch_day(store, YahooSource(Recorder(frame)), JUNE_5, now=EVENING_5)
    assert report.invalid == ["9992.HK"]
    assert "impossible closes, not loaded: 9992.HK" in report.describe()
    assert store.market.quote("9992.HK", JUNE_5) is None
    assert store.market.quote("1801.HK", JUNE_5) is not None


# --- the generated summary on the sample day -------------------------------------------------


def test_the_generated_summary_of_4_june_tells_the_day_from_the_store(store):
    headline, body = generate_summary(store, JUNE_4)
    assert headline == "Hang Seng gains 0.6% as Consumer Staples leads"
    assert body.startswith(
        "The Hang Seng Index rose 141.54 points, or 0.60%, to close at 23,654.03 "
        "on Wednesday 4 June 2025."
    )
    assert "Consumer Staples was the strongest sector (+2.91%, average of 35 stocks)" in body
    assert "The biggest gainers were CGN Mining (+28.31%), Innovent Biologics (+14.14%)" in body


def test_every_number_in_the_generated_summary_matches_the_store(store):
    _, body = generate_summary(store, JUNE_4)
    members = store.market.membership("HSI", JUNE_4).tickers
    changes = [
        round(q.close.pct_change, 2)
        for q in store.market.quotes_on(JUNE_4)
        if q.close.ticker in members
    ]
    up, down = sum(c > 0 for c in changes), sum(c < 0 for c in changes)
    flat = sum(c == 0 for c in changes)
    assert f"Of the index's 83 members, {up} advanced, {down} declined and {flat} were" in body
    assert (up, down, flat) == (55, 24, 4)
    movers = ranked_movers(store, JUNE_4, 3, min_turnover=DEFAULT_MIN_TURNOVER)
    for quote in movers.gainers + movers.losers:
        assert f"({quote.close.pct_change:+.2f}%)" in body


def test_a_falling_day_reads_as_a_fall(store):
    headline, body = generate_summary(store, date(2025, 6, 2))
    assert headline.startswith("Hang Seng loses 0.6%")
    assert "fell 131.80 points, or 0.57%, to close at 23,157.97" in body


def test_the_fetch_command_reports_a_source_that_does_not_answer(tmp_path, monkeypatch, capsys):
    from bot import __main__ as cli
    from bot import feed

    monkeypatch.setitem(
        feed.SOURCES, "yfinance", lambda: YahooSource(Recorder(error=ConnectionError("offline")))
    )
    code = cli.main(["--db", str(tmp_path / "f.db"), "fetch", "--date", "2025-06-05"])
    assert code == 1
    assert "yfinance did not answer (ConnectionError: offline)" in capsys.readouterr().err


def test_report_lists_a_few_tickers_and_counts_the_rest():
    report = FetchReport(JUNE_5, "yfinance", stale=[f"{n:04d}.HK" for n in range(1, 12)])
    assert report.describe().endswith("0007.HK, 0008.HK and 3 more")


# --- the scheduled fetch ---------------------------------------------------------------------


@pytest.fixture
async def app_for(services, tmp_path):
    from bot.app import build_application
    from bot.config import Settings
    from tests.offline import FAKE_TOKEN, RecordingRequest

    made = []

    async def build(fetch_source=None, with_services=services):
        application = build_application(
            Settings(token=FAKE_TOKEN, fetch_source=fetch_source),
            request=RecordingRequest(),
            services=with_services,
        )
        await application.initialize()
        made.append(application)
        return application

    yield build
    for application in made:
        if application.job_queue.scheduler.running:
            await application.job_queue.stop()
        await application.shutdown()


async def test_the_scheduled_fetch_is_off_by_default(app_for):
    app = await app_for()
    await app.post_init(app)
    assert not [j for j in app.job_queue.jobs() if j.name.startswith("fetch")]


async def test_closebot_fetch_schedules_it_after_each_kind_of_close(app_for):
    app = await app_for("yfinance")
    await app.post_init(app)
    await app.job_queue.start()
    names = sorted(j.name for j in app.job_queue.jobs() if j.name.startswith("fetch"))
    assert names == ["fetch-1220", "fetch-1620"]


async def test_a_lagging_source_is_tried_again_later(app_for, services, tmp_path, monkeypatch):
    from telegram.ext import CallbackContext

    from bot import feed
    from handlers.services import HONG_KONG

    after_the_close = pd.Timestamp("2025-06-05 16:20", tz=HONG_KONG).to_pydatetime()
    services = replace(services, now=lambda: after_the_close)
    app = await app_for(with_services=services)
    await app.job_queue.start()
    empty = Recorder(pd.DataFrame())
    lagging = YahooSource(empty)
    monkeypatch.setattr(
        feed,
        "_fetch_in_thread",
        lambda path, source, now, floor: fetch_day(services.store, source, now.date(), now=now),
    )
    job = app.job_queue.run_once(feed.fetch_job, 3600, data={"source": lagging})
    await feed.fetch_job(CallbackContext.from_job(job, app))
    retry = app.job_queue.get_jobs_by_name("fetch-retry")
    assert len(empty.calls) == 1  # the source was asked, and had nothing yet
    assert len(retry) == 1 and retry[0].data["tries"] == 2
