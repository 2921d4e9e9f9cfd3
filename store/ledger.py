"""What was delivered where: the push and alert ledgers that make each delivery happen at most
once, and the chats that blocked the bot, which get nothing until they come back."""

from __future__ import annotations

from datetime import date, datetime

from sqlite_utils import Database

from store.chats import ChatSettings
from store.models import Alert
from store.records import Repository, alert_from


class DeliveryLedger(Repository):
    """Every push and alert claimed before it is sent, and the one rule for a blocked chat."""

    def __init__(self, db: Database, chats: ChatSettings) -> None:
        super().__init__(db)
        self._chats = chats  # a blocked chat's daily push ends there

    # --- the push ledger --------------------------------------------------------------------

    def claim_push(self, day: date, chat_id: int, at: datetime) -> bool:
        """Reserve the day's push for a chat before sending; False if it was already claimed.

        Claiming first makes the push at-most-once: two runs of the job, or a run after a crash,
        never both send to the same chat on the same day.
        """
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO pushes (date, chat_id, sent_at, status) "
                "VALUES (?, ?, ?, 'sending')",
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
        """Chat id → status of every push claimed on `day`."""
        rows = self._rows("SELECT chat_id, status FROM pushes WHERE date = ?", [day.isoformat()])
        return {r["chat_id"]: r["status"] for r in rows}

    # --- the alert ledger -------------------------------------------------------------------

    def claim_alert(self, day: date, alert: Alert, at: datetime) -> bool:
        """Record that `alert` fired on `day`, due to be told; False if it already was.

        Recorded once, when the session's closes arrive, so it is told once: a one-shot alert
        becomes inactive in the same transaction.
        """
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO alert_fires (date, alert_id, sent_at, status) "
                "VALUES (?, ?, ?, 'due')",
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
                 WHERE f.status = 'due' AND (? IS NULL OR a.chat_id = ?)
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
                "INSERT OR REPLACE INTO blocked_chats (chat_id, blocked_at) VALUES (?, ?)",
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
