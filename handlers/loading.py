"""Loading a session: the one sequence every way data arrives (the command line, a file sent in
chat, the daily feed) goes through, so each of them leaves the store in the same state."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime

from handlers.answers.alerts import judge_alerts
from handlers.core.narrative import ensure_summary
from handlers.services import DEFAULT_MIN_TURNOVER
from store import IngestReport, Store, ingest
from store.ingest import ClosesSource

FilePath = str | os.PathLike[str]


@dataclass(frozen=True)
class Loaded:
    report: IngestReport
    summary_written: bool = False
    alerts_fired: int = 0

    def describe(self) -> str:
        """The operator's line: what was stored, and what followed from it."""
        line = self.report.describe()
        if self.summary_written:
            line += "; the day's summary was written from the data"
        if self.alerts_fired:
            alerts = "alert" if self.alerts_fired == 1 else "alerts"
            line += f"; {self.alerts_fired} {alerts} fired"
        return line


def load_session(
    store: Store,
    closes: ClosesSource | None = None,
    *,
    securities: FilePath | None = None,
    members: FilePath | None = None,
    names: FilePath | None = None,
    summary: FilePath | None = None,
    summary_date: date | None = None,
    summary_language: str | None = None,
    now: datetime,
    min_turnover: float = DEFAULT_MIN_TURNOVER,
) -> Loaded:
    """Validate and load the files in one transaction (raising `IngestError`, writing nothing,
    when one is bad); then, for the latest session of the closes, write a summary from the
    data if nobody wrote one, and judge the alerts on it. One load at a time: another waits
    for this one to finish (`Store.loading`)."""
    with store.loading():
        report = ingest(
            store,
            closes,
            securities=securities,
            members=members,
            names=names,
            summary=summary,
            summary_date=summary_date,
            summary_language=summary_language,
            today=now.date(),
        )
        if closes is None or not report.dates:
            return Loaded(report)
        day = max(report.dates)
        return Loaded(
            report,
            summary_written=ensure_summary(store, day, min_turnover=min_turnover),
            alerts_fired=judge_alerts(store, day, now),
        )
