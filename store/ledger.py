"""What was delivered where: the push and alert ledgers that make each delivery happen at most
once, and the chats that blocked the bot, which get nothing until they come back."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from store.chats import ChatSettings
from store.claims import queue_pushes_skip_locked
from store.engine import Engine
from store.models import Alert, DuePush
from store.records import Repository, alert_from

QUEUED = "queued"  # the day's work, written before sending: nothing sent, safe to take again
SENDING = "sending"  # claimed: the message may be on its way, so it is never sent again
BEFORE_ANY_CHAT = -(2**63)  # below every chat id (groups' ids are negative)
_NOT_STARTED = f"""NOT EXISTS (SELECT 1 FROM pushes p WHERE p.date = ? AND p.chat_id = s.chat_id
                               AND p.status != '{QUEUED}')"""
_NOT_BLOCKED = "NOT EXISTS (SELECT 1 FROM blocked_chats b WHERE b.chat_id = s.chat_id)"


def _due(day: date, times: Collection[str | None], after: int) -> tuple[str, list[object]]:
    """The condition on `subscribers s` for chats due `day`'s push at one of `times`, by chat id
    above `after`, and its parameters."""
    chosen = sorted(t for t in times if t is not None)
    wanted = [f"s.push_time IN ({', '.join('?' * len(chosen))})"] if chosen else []
    if None in times:
        wanted.append("s.push_time IS NULL")
    # Walked in chat id order from `after`, so each batch reads only its own rows.
    sql = f"""s.chat_id > ? AND s.active = 1 AND ({" OR ".join(wanted) or "FALSE"})
              AND {_NOT_STARTED} AND {_NOT_BLOCKED}"""
    return sql, [after, *chosen, day.isoformat()]


class DeliveryLedger(Repository):
    """Every push and alert claimed before it is sent, and the one rule for a blocked chat."""

    def __init__(self, db: Engine, chats: ChatSettings) -> None:
        super().__init__(db)
        self._chats = chats  # a blocked chat's daily push ends there

    # --- the push ledger --------------------------------------------------------------------

    def due_pushes(
        self, day: date, times: Collection[str | None], *, after: int = BEFORE_ANY_CHAT, limit: int
    ) -> list[DuePush]:
        """The next `limit` chats, by id above `after`, due their push for `day`: active
        subscribers whose chosen time is one of `times` (None: the default), whose push has not
        started (queued work is still due) and who have not blocked the bot."""
        due, params = _due(day, times, after)
        sql = f"""SELECT s.chat_id,
                         EXISTS (SELECT 1 FROM watchlist w WHERE w.chat_id = s.chat_id)
                  FROM subscribers s WHERE {due} ORDER BY s.chat_id LIMIT ?"""
        rows = self.db.execute(sql, [*params, limit])
        return [DuePush(chat_id, bool(watching)) for chat_id, watching in rows]

    def queue_pushes(
        self,
        day: date,
        times: Collection[str | None],
        at: datetime,
        *,
        after: int = BEFORE_ANY_CHAT,
        limit: int,
    ) -> list[DuePush]:
        """Take the next batch of the day's work, by chat id: the chats `due_pushes` finds,
        written into the ledger as queued in one statement.

        Queued is not yet claimed: nothing has been sent, so the work a stopped run leaves
        queued is taken again by the next run. Each chat is claimed (`claim_push`) just
        before its message goes out.
        """
        if self.db.dialect == "postgresql":  # several senders at once: see store/claims.py
            return queue_pushes_skip_locked(self.db, day, times, at, after=after, limit=limit)
        due, params = _due(day, times, after)
        # One statement holds the write lock from its first read to its last write, so a run
        # in another process cannot take the same chats in between.
        sql = f"""INSERT INTO pushes (date, chat_id, sent_at, status)
                  SELECT ?, s.chat_id, ?, '{QUEUED}' FROM subscribers s WHERE {due}
                  ORDER BY s.chat_id LIMIT ?
                  ON CONFLICT (date, chat_id) DO UPDATE SET sent_at = excluded.sent_at
                  WHERE pushes.status = '{QUEUED}'
                  RETURNING chat_id,
                            EXISTS (SELECT 1 FROM watchlist w WHERE w.chat_id = pushes.chat_id)"""
        with self.db.atomic():
            rows = self.db.execute(
                sql, [day.isoformat(), at.isoformat(), *params, limit]
            ).fetchall()
        return [DuePush(chat_id, bool(watching)) for chat_id, watching in sorted(rows)]

    def claim_push(self, day: date, chat_id: int, at: datetime) -> bool:
        """Reserve the day's push for a chat before sending; False if it was already claimed.

        Claiming first makes the push at-most-once: two runs of the job, or a run after a crash,
        never both send to the same chat on the same day. Queued work is claimed by whichever
        sender comes first.
        """
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT INTO pushes (date, chat_id, sent_at, status) "
                f"VALUES (?, ?, ?, '{SENDING}') "
                f"ON CONFLICT (date, chat_id) DO UPDATE SET status = '{SENDING}', "
                f"sent_at = excluded.sent_at WHERE pushes.status = '{QUEUED}'",
                [day.isoformat(), chat_id, at.isoformat()],
            )
        return cursor.rowcount == 1

    def finish_push(self, day: date, chat_id: int, status: str, at: datetime) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE pushes SET status = ?, sent_at = ? WHERE date = ? AND chat_id = ?",
                [status, at.isoformat(), day.isoformat(), chat_id],
            )

    def release_push(self, day: date, chat_id: int) -> None:
        """Give back a claim whose send failed for a passing reason, so a later run retries."""
        with self.db.atomic():
            self.db.execute(
                "DELETE FROM pushes WHERE date = ? AND chat_id = ?", [day.isoformat(), chat_id]
            )

    def pushes(self, day: date) -> dict[int, str]:
        """Chat id → status of every push claimed or queued on `day`."""
        rows = self._rows("SELECT chat_id, status FROM pushes WHERE date = ?", [day.isoformat()])
        return {r["chat_id"]: r["status"] for r in rows}

    def pushed(self, day: date, chat_id: int) -> bool:
        """Whether the chat's push for `day` is sent or on its way (queued work is not)."""
        sql = f"SELECT 1 FROM pushes WHERE date = ? AND chat_id = ? AND status != '{QUEUED}'"
        return self._value(sql, [day.isoformat(), chat_id]) is not None

    # --- the alert ledger -------------------------------------------------------------------

    def claim_alert(self, day: date, alert: Alert, at: datetime) -> bool:
        """Record that `alert` fired on `day`, due to be told; False if it already was.

        Recorded once, when the session's closes arrive, so it is told once: a one-shot alert
        becomes inactive in the same transaction.
        """
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT INTO alert_fires (date, alert_id, sent_at, status) "
                "VALUES (?, ?, ?, 'due') ON CONFLICT DO NOTHING",
                [day.isoformat(), alert.id, at.isoformat()],
            )
            if cursor.rowcount != 1:
                return False
            self.db.execute(
                "UPDATE alerts SET fired_on = ?, active = CASE WHEN repeat = 1 THEN 1 ELSE 0 END "
                "WHERE id = ?",
                [day.isoformat(), alert.id],
            )
        return True

    def due_alerts(self, *, chat_id: int | None = None) -> list[tuple[date, Alert]]:
        """Fired alerts not told yet (of one chat when given), oldest first."""
        sql = """SELECT f.date AS fired_date, a.* FROM alert_fires f
                 JOIN alerts a ON a.id = f.alert_id
                 WHERE f.status = 'due' AND (CAST(? AS BIGINT) IS NULL OR a.chat_id = ?)
                 ORDER BY f.date, a.id"""
        rows = self._rows(sql, [chat_id, chat_id])
        return [(date.fromisoformat(r.pop("fired_date")), alert_from(r)) for r in rows]

    def start_alert(self, day: date, alert_id: int, at: datetime) -> bool:
        """Take a due alert to tell it; False if another sender took it first."""
        with self.db.atomic():
            cursor = self.db.execute(
                "UPDATE alert_fires SET status = 'sending', sent_at = ? "
                "WHERE date = ? AND alert_id = ? AND status = 'due'",
                [at.isoformat(), day.isoformat(), alert_id],
            )
        return cursor.rowcount == 1

    def release_alert(self, day: date, alert_id: int) -> None:
        """Give back an alert whose message could not be sent for a passing reason: it is due
        again, and the next look tells it."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE alert_fires SET status = 'due' WHERE date = ? AND alert_id = ?",
                [day.isoformat(), alert_id],
            )

    def finish_alert(self, day: date, alert_id: int, status: str, at: datetime) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE alert_fires SET status = ?, sent_at = ? WHERE date = ? AND alert_id = ?",
                [status, at.isoformat(), day.isoformat(), alert_id],
            )

    # --- chats that blocked the bot ---------------------------------------------------------

    def chat_blocked(self, chat_id: int, at: datetime) -> None:
        """The one rule for a chat that a push or an alert found gone (it blocked the bot, or
        the bot is out of the group): its daily push ends, and nothing more is delivered there
        until it talks to the bot again (`unblock_chat`). Its watchlist and alerts are kept."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO blocked_chats (chat_id, blocked_at) VALUES (?, ?) "
                "ON CONFLICT (chat_id) DO UPDATE SET blocked_at = excluded.blocked_at",
                [chat_id, at.isoformat()],
            )
            self._chats.deactivate(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """The chat talked to the bot again: its alerts are told again; its daily push comes
        back when it subscribes."""
        if self.is_blocked(chat_id):
            with self.db.atomic():
                self.db.execute("DELETE FROM blocked_chats WHERE chat_id = ?", [chat_id])

    def is_blocked(self, chat_id: int) -> bool:
        sql = "SELECT 1 FROM blocked_chats WHERE chat_id = ?"
        return self._value(sql, [chat_id]) is not None
