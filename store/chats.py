"""Each chat's settings: its daily push subscription, its watchlist and its alerts."""

from __future__ import annotations

from datetime import date, datetime

from store.models import Alert, ChatLanguage, Quote, Security, Subscriber, WatchedQuote
from store.records import (
    QUOTE_COLUMNS,
    Repository,
    alert_from,
    quote_from,
    security_from,
    subscriber_from,
)

# Each table that follows a chat to its new id, and what else makes its rows unique.
_MOVED_WITH_A_CHAT = {
    "subscribers": (),
    "pushes": ("date",),
    "watchlist": ("ticker",),
    "alerts": ("number",),
    "alert_numbers": (),
    "chat_languages": (),
}


class ChatSettings(Repository):
    """What each chat asked for: subscription, watchlist, alerts."""

    # --- subscribers ------------------------------------------------------------------------

    def subscriber(self, chat_id: int) -> Subscriber | None:
        rows = self._rows("SELECT * FROM subscribers WHERE chat_id = ?", [chat_id])
        return subscriber_from(rows[0]) if rows else None

    def active_subscribers(self) -> list[Subscriber]:
        sql = "SELECT * FROM subscribers WHERE active = 1 ORDER BY chat_id"
        return [subscriber_from(r) for r in self._rows(sql)]

    def push_times(self) -> list[str | None]:
        """The push times active subscribers chose (None: the default), each once."""
        sql = "SELECT DISTINCT push_time FROM subscribers WHERE active = 1"
        return [row[0] for row in self.db.execute(sql)]

    def subscribe(self, chat_id: int, at: datetime, push_time: str | None = None) -> bool:
        """Start (or restart, or re-time) a chat's daily push; True if it was not subscribed."""
        existing = self.subscriber(chat_id)
        since = at if not existing or not existing.active else existing.subscribed_at
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO subscribers (chat_id, subscribed_at, active, push_time) "
                "VALUES (?, ?, 1, ?) ON CONFLICT (chat_id) DO UPDATE SET active = 1, "
                "subscribed_at = excluded.subscribed_at, push_time = excluded.push_time",
                [chat_id, since.isoformat(), push_time],
            )
        return existing is None or not existing.active

    def deactivate(self, chat_id: int) -> None:
        """Stop the chat's daily push: it unsubscribed, or blocked the bot (see
        `DeliveryLedger.chat_blocked`)."""
        with self.db.atomic():
            self.db.execute("UPDATE subscribers SET active = 0 WHERE chat_id = ?", [chat_id])

    def unsubscribe(self, chat_id: int) -> bool:
        """Stop a chat's pushes; True if it was subscribed."""
        existing = self.subscriber(chat_id)
        if existing is None or not existing.active:
            return False
        self.deactivate(chat_id)
        return True

    # --- watchlists -------------------------------------------------------------------------

    def watchlist(self, chat_id: int) -> list[Security]:
        sql = """SELECT s.* FROM watchlist w JOIN securities s USING (ticker)
                 WHERE w.chat_id = ? ORDER BY w.added_at, s.ticker"""
        return [security_from(r) for r in self._rows(sql, [chat_id])]

    def watched_quotes(self, chat_id: int, day: date) -> list[WatchedQuote]:
        """The chat's names with their close on `day` (None when they have none that day)."""
        quotes = {q.security.ticker: q.close for q in self._quotes_of(chat_id, day)}
        return [WatchedQuote(s, quotes.get(s.ticker)) for s in self.watchlist(chat_id)]

    def _quotes_of(self, chat_id: int, day: date) -> list[Quote]:
        sql = f"""SELECT {QUOTE_COLUMNS} FROM watchlist w
                  JOIN closes c ON c.ticker = w.ticker AND c.date = ?
                  JOIN securities s ON s.ticker = w.ticker
                  WHERE w.chat_id = ?"""
        return [quote_from(r) for r in self._rows(sql, [day.isoformat(), chat_id])]

    def watch(self, chat_id: int, ticker: str, at: datetime) -> bool:
        """Add a name; False if it was already there."""
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT INTO watchlist (chat_id, ticker, added_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [chat_id, ticker, at.isoformat()],
            )
        return cursor.rowcount == 1

    def unwatch(self, chat_id: int, ticker: str) -> bool:
        with self.db.atomic():
            cursor = self.db.execute(
                "DELETE FROM watchlist WHERE chat_id = ? AND ticker = ?", [chat_id, ticker]
            )
        return cursor.rowcount == 1

    def clear_watchlist(self, chat_id: int) -> int:
        with self.db.atomic():
            cursor = self.db.execute("DELETE FROM watchlist WHERE chat_id = ?", [chat_id])
        return cursor.rowcount

    # --- alerts -----------------------------------------------------------------------------

    def alerts(self, chat_id: int) -> list[Alert]:
        sql = "SELECT * FROM alerts WHERE chat_id = ? ORDER BY number"
        return [alert_from(r) for r in self._rows(sql, [chat_id])]

    def add_alert(
        self,
        chat_id: int,
        ticker: str,
        kind: str,
        threshold: float,
        *,
        repeat: bool,
        at: datetime,
        since_date: date | None,
    ) -> Alert:
        with self.db.atomic():
            # Never below the chat's highest number: a migrated group brings its own along.
            highest = "(SELECT COALESCE(MAX(number), 0) FROM alerts WHERE chat_id = ?)"
            self.db.execute(
                f"INSERT INTO alert_numbers (chat_id, last) VALUES (?, {highest} + 1) "
                "ON CONFLICT (chat_id) DO UPDATE SET last = CASE WHEN alert_numbers.last > "
                f"{highest} THEN alert_numbers.last ELSE {highest} END + 1",
                [chat_id, chat_id, chat_id, chat_id],
            )
            number = self._value("SELECT last FROM alert_numbers WHERE chat_id = ?", [chat_id])
            made = self.db.execute(
                """INSERT INTO alerts (chat_id, number, ticker, kind, threshold, repeat, active,
                                       created_at, since_date)
                   VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id""",
                [
                    chat_id,
                    number,
                    ticker,
                    kind,
                    threshold,
                    int(repeat),
                    at.isoformat(),
                    since_date.isoformat() if since_date else None,
                ],
            )
            alert_id = made.fetchone()[0]
        return alert_from(self._rows("SELECT * FROM alerts WHERE id = ?", [alert_id])[0])

    def remove_alert(self, chat_id: int, number: int) -> bool:
        with self.db.atomic():
            cursor = self.db.execute(
                "DELETE FROM alerts WHERE chat_id = ? AND number = ?", [chat_id, number]
            )
        return cursor.rowcount == 1

    def alerts_to_judge(self, day: date) -> list[Alert]:
        """Active alerts made before `day`'s closes and not yet judged true for it."""
        sql = """SELECT a.* FROM alerts a
                 WHERE a.active = 1 AND (a.since_date IS NULL OR a.since_date < ?)
                   AND NOT EXISTS (SELECT 1 FROM alert_fires f
                                   WHERE f.alert_id = a.id AND f.date = ?)
                 ORDER BY a.id"""
        return [alert_from(r) for r in self._rows(sql, [day.isoformat(), day.isoformat()])]

    # --- languages ----------------------------------------------------------------------------

    def language(self, chat_id: int) -> str | None:
        """The language the chat is answered in (a code of `handlers.core.locale`), if set."""
        setting = self.language_setting(chat_id)
        return setting.language if setting else None

    def language_setting(self, chat_id: int) -> ChatLanguage | None:
        """The chat's language and whether someone chose it, if it has one."""
        sql = "SELECT language, chosen FROM chat_languages WHERE chat_id = ?"
        rows = self._rows(sql, [chat_id])
        return ChatLanguage(str(rows[0]["language"]), bool(rows[0]["chosen"])) if rows else None

    def languages(self, chat_ids: list[int]) -> dict[int, str]:
        """The language of each of these chats that has one."""
        if not chat_ids:
            return {}
        marks = ", ".join("?" * len(chat_ids))
        sql = f"SELECT chat_id, language FROM chat_languages WHERE chat_id IN ({marks})"
        return {int(r["chat_id"]): str(r["language"]) for r in self._rows(sql, chat_ids)}

    def set_language(self, chat_id: int, language: str, at: datetime, *, chosen: bool) -> None:
        """Answer the chat in `language` from now on when someone chose it (/lang); a language
        guessed from Telegram's language_code is only ever the first one stored."""
        with self.db.atomic():
            self.db.execute(
                """INSERT INTO chat_languages (chat_id, language, chosen, set_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (chat_id) DO UPDATE SET
                     language = excluded.language, chosen = excluded.chosen,
                     set_at = excluded.set_at
                   WHERE excluded.chosen = 1""",
                [chat_id, language, int(chosen), at.isoformat()],
            )

    # --- a group that became a supergroup ---------------------------------------------------

    def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its subscription, push ledger, watchlist and alerts
        follow it to the new id."""
        with self.db.atomic():
            self.db.execute("DELETE FROM subscribers WHERE chat_id = ?", [new_chat_id])
            for table, key in _MOVED_WITH_A_CHAT.items():
                # A row the new chat already has (same key) stays behind, as SQLite's UPDATE OR
                # IGNORE would leave it.
                same = "".join(f" AND n.{column} = {table}.{column}" for column in key)
                self.db.execute(
                    f"""UPDATE {table} SET chat_id = ? WHERE chat_id = ? AND NOT EXISTS
                           (SELECT 1 FROM {table} n WHERE n.chat_id = ?{same})""",
                    [new_chat_id, old_chat_id, new_chat_id],
                )
            self.db.execute("DELETE FROM blocked_chats WHERE chat_id = ?", [old_chat_id])
