"""`closebot sender`: the bot's own work (the daily push, alerts, the scheduled fetch), apart
from the web workers that answer people.

Any number of senders may run against one PostgreSQL store: they take the day's push a batch at
a time with FOR UPDATE SKIP LOCKED (store/claims.py) and claim each chat before sending, so each
chat gets one push whichever sender reaches it; the fetch and the alert round are single-run
jobs behind advisory locks (a second sender finds the lock held and leaves the round to the
first). With CLOSEBOT_REDIS they share one broadcast budget (bot/shared.py).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import date

from bot.alerting import deliver_alerts
from bot.app import build_application, running, services_from
from bot.config import Settings
from bot.logs import configure_logging
from bot.push import BATCH, PushReport, deliver, plan_push

logger = logging.getLogger(__name__)


def _stop_on_signals(stopping: asyncio.Event) -> None:
    """SIGTERM (a deploy) and Ctrl-C: the push and alerts claim nothing more and finish or give
    back what they hold (bot.push.GRACE), then the sender stops."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)


async def run_sender(settings: Settings) -> None:
    """Run the scheduled jobs until SIGINT or SIGTERM."""
    application = build_application(settings, services=services_from(settings), updater=False)
    async with running(application):
        logger.info("sender running: push, alerts%s", ", fetch" if settings.fetch_source else "")
        _stop_on_signals(application.bot_data.stopping)
        await application.bot_data.stopping.wait()


async def send_once(settings: Settings, day: date, *, batch: int = BATCH) -> PushReport:
    """One pass of the sender's work for `day`, then stop: every chat not yet pushed that day
    (as `closebot push` does), then the alerts due. For cron, and for senders run side by side
    on one day."""
    application = build_application(settings, services=services_from(settings), updater=False)
    async with application:
        services = application.bot_data.services
        assert services is not None
        plan = plan_push(services, services.now(), day=day, everyone=True)
        stopping = application.bot_data.stopping
        _stop_on_signals(stopping)
        report = await deliver(application.bot, services, plan, batch_size=batch, stop=stopping)
        with services.store.engine.lock("alerts", wait=False) as held:
            if held and not stopping.is_set():
                await deliver_alerts(application.bot, services, day, stop=stopping)
    return report


def sender(settings: Settings, *, once: date | None = None, batch: int = BATCH) -> int:
    configure_logging(level=logging.getLevelName(settings.log_level), secrets=settings.secrets())
    settings.require_token()
    if once is not None:
        report = asyncio.run(send_once(settings, once, batch=batch))
        print(report.describe())
        return 0
    asyncio.run(run_sender(settings))
    return 0
