"""Taking the day's push work from PostgreSQL, where any number of senders share the ledger.

SQLite has one writer: its `DeliveryLedger.queue_pushes` takes a batch in one statement that
no other process can interleave. On PostgreSQL several senders take batches at the same moment,
so each batch's subscribers are locked with FOR UPDATE SKIP LOCKED (a batch another sender is
taking right now is skipped, not waited for), and queued work carries its queue time as a
lease, with its sender as owner: another sender takes it again once the lease has run out, or
at once when a look for stopped senders finds its owner gone (`release_queued_of`).
Either way each chat is still claimed (`claim_push`) just before its message goes out, so a
lease that runs out while its sender is still busy costs a repeated look, never a second push.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from store.engine import Engine
from store.models import DuePush

QUEUED = "queued"
LEASE = timedelta(minutes=2)  # far longer than one batch takes at the shared 30 a second


def queue_pushes_skip_locked(
    engine: Engine,
    day: date,
    times: Collection[str | None],
    at: datetime,
    *,
    after: int,
    limit: int,
    owner: str | None = None,
) -> list[DuePush]:
    chosen = sorted(t for t in times if t is not None)
    wanted = [f"s.push_time IN ({', '.join('?' * len(chosen))})"] if chosen else []
    if None in times:
        wanted.append("s.push_time IS NULL")
    expired = (at - LEASE).isoformat()
    sql = f"""WITH due AS (
                  SELECT s.chat_id FROM subscribers s
                  WHERE s.chat_id > ? AND s.active = 1 AND ({" OR ".join(wanted) or "FALSE"})
                    AND NOT EXISTS (SELECT 1 FROM pushes p
                                    WHERE p.date = ? AND p.chat_id = s.chat_id
                                      AND (p.status != '{QUEUED}' OR p.sent_at > ?))
                    AND NOT EXISTS (SELECT 1 FROM blocked_chats b WHERE b.chat_id = s.chat_id)
                  ORDER BY s.chat_id LIMIT ?
                  FOR UPDATE OF s SKIP LOCKED)
              INSERT INTO pushes (date, chat_id, sent_at, status, owner)
              SELECT ?, chat_id, ?, '{QUEUED}', ? FROM due
              ON CONFLICT (date, chat_id) DO UPDATE SET sent_at = excluded.sent_at,
                                                        owner = excluded.owner
              WHERE pushes.status = '{QUEUED}' AND pushes.sent_at <= ?
              RETURNING chat_id,
                        EXISTS (SELECT 1 FROM watchlist w WHERE w.chat_id = pushes.chat_id)"""
    params = [
        after,
        *chosen,
        day.isoformat(),
        expired,
        limit,
        day.isoformat(),
        at.isoformat(),
        owner,
    ]
    with engine.atomic():
        rows = engine.execute(sql, [*params, expired]).fetchall()
    return [DuePush(chat_id, bool(watching)) for chat_id, watching in sorted(rows)]


def queued_owners(engine: Engine, day: date, at: datetime) -> list[str]:
    """The senders whose queued work of `day` is still under its lease."""
    rows = engine.execute(
        f"""SELECT DISTINCT owner FROM pushes
            WHERE date = ? AND status = '{QUEUED}' AND sent_at > ? AND owner IS NOT NULL""",
        [day.isoformat(), (at - LEASE).isoformat()],
    )
    return [owner for (owner,) in rows]


def release_queued_of(engine: Engine, day: date, owner: str) -> int:
    """A stopped sender's queued work of `day` is due again at once (nothing of it was sent);
    returns how many chats."""
    with engine.atomic():
        return engine.execute(
            f"""UPDATE pushes SET sent_at = '', owner = NULL
                WHERE date = ? AND status = '{QUEUED}' AND owner = ?""",
            [day.isoformat(), owner],
        ).rowcount
