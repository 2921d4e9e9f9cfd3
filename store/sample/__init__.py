"""The bundled sample day (4 June 2025), so the bot answers on a fresh machine."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from store.ingest import IngestReport, ingest
from store.store import Store

SAMPLE_DIR = Path(__file__).resolve().parent
SAMPLE_CLOSES = SAMPLE_DIR / "closes.csv"
SAMPLE_HISTORY = SAMPLE_DIR / "history.csv"
SAMPLE_SECURITIES = SAMPLE_DIR / "securities.csv"
SAMPLE_MEMBERS = SAMPLE_DIR / "members.csv"
SAMPLE_SUMMARY = SAMPLE_DIR / "summary.md"
# The same day's story written in Chinese, for the chats answered in each script.
SAMPLE_SUMMARIES_ZH = {
    "zh_Hant": SAMPLE_DIR / "summary.zh-hant.md",
    "zh_Hans": SAMPLE_DIR / "summary.zh-hans.md",
}
SAMPLE_NAMES = SAMPLE_DIR / "names_zh.csv"
SAMPLE_DAY = date(2025, 6, 4)


def load_sample(store: Store) -> IngestReport:
    """The securities master (with the everyday Chinese names people use) and index members
    with the year of history, then the four sample sessions with the 4 June summary, and that
    summary as written in Traditional and in Simplified Chinese."""
    history = ingest(
        store,
        SAMPLE_HISTORY,
        securities=SAMPLE_SECURITIES,
        members=SAMPLE_MEMBERS,
        names=SAMPLE_NAMES,
        today=SAMPLE_DAY,
    )
    days = ingest(
        store, SAMPLE_CLOSES, summary=SAMPLE_SUMMARY, summary_date=SAMPLE_DAY, today=SAMPLE_DAY
    )
    for language, path in SAMPLE_SUMMARIES_ZH.items():
        ingest(
            store,
            summary=path,
            summary_date=SAMPLE_DAY,
            summary_language=language,
            today=SAMPLE_DAY,
        )
    days.closes += history.closes
    days.closes_changed += history.closes_changed
    days.securities = history.securities
    days.members = history.members
    days.names = history.names
    days.dates = sorted(set(history.dates) | set(days.dates))
    return days


def ensure_data(store: Store) -> IngestReport | None:
    """Load the sample into an empty store; leave a store with data alone. Two first runs at
    once load it once: the second waits for the first, then finds the data."""
    if store.market.has_closes():
        return None
    with store.loading():
        return None if store.market.has_closes() else load_sample(store)
