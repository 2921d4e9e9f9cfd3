"""Taking the day's push work from PostgreSQL, where any number of senders share the ledger.

SQLite has one writer: its `DeliveryLedger.queue_pushes` takes a batch in one statement that
no other process can interleave. On PostgreSQL several senders take batches at the same moment,
so each batch's subscribers are locked with FOR UPDATE SKIP LOCKED (a batch another sender is
taking right now is skipped, not waited for), and queued work carries its queue time as a
lease: another sender takes it again only once the lease has run out (its sender stopped).
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
              INSERT INTO pushes (date, chat_id, sent_at, status)
              SELECT ?, chat_id, ?, '{QUEUED}' FROM due
              ON CONFLICT (date, chat_id) DO UPDATE SET sent_at = excluded.sent_at
              WHERE pushes.status = '{QUEUED}' AND pushes.sent_at <= ?
              RETURNING chat_id,
                        EXISTS (SELECT 1 FROM watchlist w WHERE w.chat_id = pushes.chat_id)"""
    params = [after, *chosen, day.isoformat(), expired, limit, day.isoformat(), at.isoformat()]
    with engine.atomic():
        rows = engine.execute(sql, [*params, expired]).fetchall()
    return [DuePush(chat_id, bool(watching)) for chat_id, watching in sorted(rows)]
