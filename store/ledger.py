"""What was delivered where: the push and alert ledgers that make each delivery happen once
where Telegram lets us know, and the chats that blocked the bot, which get nothing until they
come back.

A delivery goes queued (pushes) or due (alerts) → claimed → sending → a final status. A claim is
held by one sender (its owner) under a lease that runs out unless the sender renews it, so the
work of a sender that died is found again (`recover_pushes`, `recover_alerts`): a claim that
never reached the wire is simply taken again; one whose request was on its way may have arrived,
so it is never sent twice but ends as "may have arrived", with its reason, for the operator.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from store.chats import ChatSettings
from store.claims import queue_pushes_skip_locked, queued_owners, release_queued_of
from store.engine import Engine
from store.models import Alert, DuePush
from store.records import Repository, alert_from

QUEUED = "queued"  # the day's work, written before sending: nothing sent, safe to take again
DUE = "due"  # an alert that fired, to be told
CLAIMED = "claimed"  # held by one sender under a lease; nothing on the wire yet
SENDING = "sending"  # the request is on its way to Telegram: it may arrive
SENT = "sent"
SHOWN = "shown"  # told in place (the console), not sent
MAY_HAVE_ARRIVED = "may have arrived"
HELD = (CLAIMED, SENDING)
LEASE = timedelta(minutes=2)  # a claim not renewed for this long belongs to a sender that died
LOCAL_OWNER = "local"  # claims taken and finished in one step, in this process
BEFORE_ANY_CHAT = -(2**63)  # below every chat id (groups' ids are negative)
_NOT_STARTED = f"""NOT EXISTS (SELECT 1 FROM pushes p WHERE p.date = ? AND p.chat_id = s.chat_id
                               AND p.status != '{QUEUED}')"""
_NOT_BLOCKED = "NOT EXISTS (SELECT 1 FROM blocked_chats b WHERE b.chat_id = s.chat_id)"
DIED_ON_THE_WIRE = "its sender stopped while the request was on its way to Telegram"


@dataclass(frozen=True)
class Claim:
    """One delivery held by one sender: a chat's push for a day, or a fired alert."""

    table: str  # "pushes" or "alert_fires"
    column: str  # "chat_id" or "alert_id"
    day: date
    key: int
    owner: str


@dataclass
class Recovery:
    """What a look at the claims of senders that stopped found."""

    taken_again: list[int] = field(default_factory=list)  # never left: due again
    may_have_arrived: list[int] = field(default_factory=list)  # were on the wire: reported
    held_elsewhere: int = 0  # claims of senders still running


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

    def count_due(self, day: date, times: Collection[str | None]) -> int:
        """How many chats are still due `day`'s push at one of `times`."""
        due, params = _due(day, times, BEFORE_ANY_CHAT)
        return self._value(f"SELECT COUNT(*) FROM subscribers s WHERE {due}", params) or 0

    def queue_pushes(
        self,
        day: date,
        times: Collection[str | None],
        at: datetime,
        *,
        after: int = BEFORE_ANY_CHAT,
        limit: int,
        owner: str | None = None,
    ) -> list[DuePush]:
        """Take the next batch of the day's work, by chat id: the chats `due_pushes` finds,
        written into the ledger as queued in one statement.

        Queued is not yet claimed: nothing has been sent, so the work a stopped run leaves
        queued is taken again by the next run. Each chat is claimed (`claim_push`) just
        before its message goes out.
        """
        if self.db.dialect == "postgresql":  # several senders at once: see store/claims.py
            return queue_pushes_skip_locked(
                self.db, day, times, at, after=after, limit=limit, owner=owner
            )
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

    def claim_push(
        self, day: date, chat_id: int, at: datetime, owner: str = LOCAL_OWNER
    ) -> Claim | None:
        """Reserve the day's push for a chat before sending, under `owner`'s lease; None if it
        was already claimed.

        Claiming first means two runs of the job, or a run after a crash, never both send to
        the same chat on the same day. Queued work is claimed by whichever sender comes first.
        """
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT INTO pushes (date, chat_id, sent_at, status, owner, lease_until) "
                f"VALUES (?, ?, ?, '{CLAIMED}', ?, ?) "
                f"ON CONFLICT (date, chat_id) DO UPDATE SET status = '{CLAIMED}', "
                "sent_at = excluded.sent_at, owner = excluded.owner, "
                f"lease_until = excluded.lease_until WHERE pushes.status = '{QUEUED}'",
                [day.isoformat(), chat_id, at.isoformat(), owner, (at + LEASE).isoformat()],
            )
        return Claim("pushes", "chat_id", day, chat_id, owner) if cursor.rowcount == 1 else None

    def finish_push(
        self, day: date, chat_id: int, status: str, at: datetime, reason: str | None = None
    ) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE pushes SET status = ?, sent_at = ?, reason = ?, owner = NULL, "
                "lease_until = NULL WHERE date = ? AND chat_id = ?",
                [status, at.isoformat(), reason, day.isoformat(), chat_id],
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

    def push_reason(self, day: date, chat_id: int) -> str | None:
        """Why a push ended as it did, when it was not simply sent."""
        sql = "SELECT reason FROM pushes WHERE date = ? AND chat_id = ?"
        return self._value(sql, [day.isoformat(), chat_id])

    def pushed(self, day: date, chat_id: int) -> bool:
        """Whether the chat's push for `day` is sent or on its way (queued work is not)."""
        sql = f"SELECT 1 FROM pushes WHERE date = ? AND chat_id = ? AND status != '{QUEUED}'"
        return self._value(sql, [day.isoformat(), chat_id]) is not None

    def queued_elsewhere(self, day: date, at: datetime, owner: str) -> int:
        """How many senders other than `owner` hold queued work of `day` under its lease
        (only PostgreSQL's senders lease what they queue: store/claims.py)."""
        if self.db.dialect != "postgresql":
            return 0
        return sum(1 for other in queued_owners(self.db, day, at) if other != owner)

    def recover_pushes(self, day: date, at: datetime, gone: Callable[[str], bool]) -> Recovery:
        """Find the day's claims whose sender stopped (its lease ran out, or `gone` says its
        owner is no longer running): a claim that never reached the wire is due again, one that
        was on its way ends as "may have arrived" and is reported, never sent twice."""
        recovery = self._recover("pushes", "chat_id", day, at, gone, due_again=None)
        if self.db.dialect == "postgresql":  # queued work leased to a sender (store/claims.py)
            for owner in queued_owners(self.db, day, at):
                if gone(owner):
                    release_queued_of(self.db, day, owner)
                else:
                    recovery.held_elsewhere += 1
        return recovery

    # --- the alert ledger -------------------------------------------------------------------

    def claim_alert(self, day: date, alert: Alert, at: datetime) -> bool:
        """Record that `alert` fired on `day`, due to be told; False if it already was.

        Recorded once, when the session's closes arrive, so it is told once: a one-shot alert
        becomes inactive in the same transaction. It shows as fired (`fired_on`) only once
        Telegram confirmed the message (`finish_alert`).
        """
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT INTO alert_fires (date, alert_id, sent_at, status) "
                f"VALUES (?, ?, ?, '{DUE}') ON CONFLICT DO NOTHING",
                [day.isoformat(), alert.id, at.isoformat()],
            )
            if cursor.rowcount != 1:
                return False
            self.db.execute(
                "UPDATE alerts SET active = CASE WHEN repeat = 1 THEN 1 ELSE 0 END WHERE id = ?",
                [alert.id],
            )
        return True

    def due_alerts(self, *, chat_id: int | None = None) -> list[tuple[date, Alert]]:
        """Fired alerts not told yet (of one chat when given), oldest first."""
        sql = f"""SELECT f.date AS fired_date, a.* FROM alert_fires f
                 JOIN alerts a ON a.id = f.alert_id
                 WHERE f.status = '{DUE}' AND (CAST(? AS BIGINT) IS NULL OR a.chat_id = ?)
                 ORDER BY f.date, a.id"""
        rows = self._rows(sql, [chat_id, chat_id])
        return [(date.fromisoformat(r.pop("fired_date")), alert_from(r)) for r in rows]

    def start_alert(
        self, day: date, alert_id: int, at: datetime, owner: str = LOCAL_OWNER
    ) -> Claim | None:
        """Take a due alert to tell it, under `owner`'s lease; None if another sender took it
        first."""
        with self.db.atomic():
            cursor = self.db.execute(
                f"UPDATE alert_fires SET status = '{CLAIMED}', sent_at = ?, owner = ?, "
                f"lease_until = ? WHERE date = ? AND alert_id = ? AND status = '{DUE}'",
                [at.isoformat(), owner, (at + LEASE).isoformat(), day.isoformat(), alert_id],
            )
        return Claim("alert_fires", "alert_id", day, alert_id, owner) if cursor.rowcount else None

    def release_alert(self, day: date, alert_id: int) -> None:
        """Give back an alert whose message could not be sent for a passing reason: it is due
        again, and the next look tells it."""
        with self.db.atomic():
            self.db.execute(
                f"UPDATE alert_fires SET status = '{DUE}', owner = NULL, lease_until = NULL "
                "WHERE date = ? AND alert_id = ?",
                [day.isoformat(), alert_id],
            )

    def finish_alert(
        self, day: date, alert_id: int, status: str, at: datetime, reason: str | None = None
    ) -> None:
        """End the alert's delivery; told (sent, or shown in place) makes it show as fired."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE alert_fires SET status = ?, sent_at = ?, reason = ?, owner = NULL, "
                "lease_until = NULL WHERE date = ? AND alert_id = ?",
                [status, at.isoformat(), reason, day.isoformat(), alert_id],
            )
            if status in (SENT, SHOWN):
                self.db.execute(
                    "UPDATE alerts SET fired_on = CASE WHEN COALESCE(fired_on, '') > ? "
                    "THEN fired_on ELSE ? END WHERE id = ?",
                    [day.isoformat(), day.isoformat(), alert_id],
                )

    def alert_status(self, day: date, alert_id: int) -> str | None:
        sql = "SELECT status FROM alert_fires WHERE date = ? AND alert_id = ?"
        return self._value(sql, [day.isoformat(), alert_id])

    def recover_alerts(self, at: datetime, gone: Callable[[str], bool]) -> Recovery:
        """As `recover_pushes`, for alerts: one that never reached the wire is due again."""
        return self._recover("alert_fires", "alert_id", None, at, gone, due_again=DUE)

    # --- claims in flight -------------------------------------------------------------------

    def leaving(self, claim: Claim, at: datetime) -> None:
        """The request is about to leave for Telegram: from now on it may arrive."""
        self._mark(claim, SENDING, at, LEASE)

    def returned(self, claim: Claim, at: datetime, *, hold: timedelta = LEASE) -> None:
        """The request did not arrive (Telegram answered with an error, or it never left): the
        claim is held again, for `hold`, until the next try."""
        self._mark(claim, CLAIMED, at, hold)

    def _mark(self, claim: Claim, status: str, at: datetime, hold: timedelta) -> None:
        with self.db.atomic():
            self.db.execute(
                f"UPDATE {claim.table} SET status = ?, lease_until = ? "
                f"WHERE date = ? AND {claim.column} = ? AND owner = ?",
                [status, (at + hold).isoformat(), claim.day.isoformat(), claim.key, claim.owner],
            )

    def _recover(
        self,
        table: str,
        column: str,
        day: date | None,
        at: datetime,
        gone: Callable[[str], bool],
        *,
        due_again: str | None,
    ) -> Recovery:
        """The claims of `table` (on `day`, or any day) whose sender stopped, resolved."""
        sql = f"""SELECT date, {column} AS key, status, owner, lease_until FROM {table}
                  WHERE status IN ('{CLAIMED}', '{SENDING}')
                    AND (CAST(? AS TEXT) IS NULL OR date = ?)"""
        when = day.isoformat() if day else None
        recovery = Recovery()
        for row in self._rows(sql, [when, when]):
            # A claim from before leases (no owner) was left by a sender long gone.
            stopped = (
                row["owner"] is None
                or row["lease_until"] is None
                or datetime.fromisoformat(row["lease_until"]) <= at
                or gone(row["owner"])
            )
            if not stopped:
                recovery.held_elsewhere += 1
                continue
            where = (
                f"WHERE date = ? AND {column} = ? AND status = ? AND owner IS NOT DISTINCT FROM ?"
            )
            params = [row["date"], row["key"], row["status"], row["owner"]]
            with self.db.atomic():
                if row["status"] == CLAIMED and due_again is None:
                    cursor = self.db.execute(f"DELETE FROM {table} {where}", params)
                elif row["status"] == CLAIMED:
                    cursor = self.db.execute(
                        f"UPDATE {table} SET status = ?, owner = NULL, lease_until = NULL {where}",
                        [due_again, *params],
                    )
                else:
                    cursor = self.db.execute(
                        f"UPDATE {table} SET status = '{MAY_HAVE_ARRIVED}', reason = ?, "
                        f"sent_at = ?, owner = NULL, lease_until = NULL {where}",
                        [DIED_ON_THE_WIRE, at.isoformat(), *params],
                    )
            if not cursor.rowcount:  # another run resolving the same claim came first
                continue
            if row["status"] == CLAIMED:
                recovery.taken_again.append(row["key"])
            else:
                recovery.may_have_arrived.append(row["key"])
        return recovery

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
