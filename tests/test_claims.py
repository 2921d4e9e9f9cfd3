"""Senders taking the day's push from PostgreSQL side by side: never the same chat twice,
and the work of a sender that stopped taken again once its lease runs out."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from store import open_store
from store.claims import LEASE
from store.ledger import BEFORE_ANY_CHAT

DAY = date(2025, 6, 4)
AT = datetime(2025, 6, 4, 8, 30, tzinfo=UTC)
CHATS = range(1, 601)


def _subscribe(store, chats=CHATS):
    store.engine.executemany(
        "INSERT INTO subscribers (chat_id, subscribed_at, active) VALUES (?, ?, 1)",
        [(chat_id, AT.isoformat()) for chat_id in chats],
    )


def _take_all(store, taken, at=AT, size=40):
    after = BEFORE_ANY_CHAT
    while batch := store.ledger.queue_pushes(DAY, {None}, at, after=after, limit=size):
        taken.extend(d.chat_id for d in batch)
        after = batch[-1].chat_id


def test_two_senders_taking_batches_at_once_never_take_the_same_chat(postgres_url):
    stores = [open_store(postgres_url) for _ in range(2)]
    _subscribe(stores[0])
    taken: list[list[int]] = [[], []]
    threads = [
        threading.Thread(target=_take_all, args=(store, mine))
        for store, mine in zip(stores, taken, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    assert not set(taken[0]) & set(taken[1])
    assert sorted(taken[0] + taken[1]) == list(CHATS)


def test_queued_work_is_left_to_its_sender_until_the_lease_runs_out(postgres_url):
    store = open_store(postgres_url)
    _subscribe(store, range(1, 11))
    first: list[int] = []
    _take_all(store, first)  # a sender queued them all, then stopped before claiming any
    soon: list[int] = []
    _take_all(store, soon, at=AT + LEASE / 2)
    later: list[int] = []
    _take_all(store, later, at=AT + LEASE + timedelta(seconds=1))
    store.close()
    assert first == list(range(1, 11))
    assert soon == []
    assert later == list(range(1, 11))


def test_a_claimed_push_is_never_queued_again(postgres_url):
    store = open_store(postgres_url)
    _subscribe(store, range(1, 4))
    _take_all(store, [])
    assert store.ledger.claim_push(DAY, 2, AT)
    assert not store.ledger.claim_push(DAY, 2, AT)
    later: list[int] = []
    _take_all(store, later, at=AT + LEASE * 2)
    store.close()
    assert later == [1, 3]


def test_the_queued_work_of_a_sender_that_is_gone_is_due_again_at_once(postgres_url):
    store = open_store(postgres_url)
    _subscribe(store, range(1, 6))
    store.ledger.queue_pushes(DAY, {None}, AT, limit=10, owner="host/1/dead")
    store.ledger.queue_pushes(DAY, {None}, AT, limit=10, owner="host/2/alive")  # nothing left
    found = store.ledger.recover_pushes(DAY, AT, gone=lambda owner: owner.endswith("dead"))
    again: list[int] = []
    _take_all(store, again)
    store.close()
    assert found.held_elsewhere == 0
    assert again == [1, 2, 3, 4, 5]


def test_a_sender_finishing_sees_the_work_another_still_holds(postgres_url):
    store = open_store(postgres_url)
    _subscribe(store, range(1, 6))
    store.ledger.queue_pushes(DAY, {None}, AT, limit=3, owner="host/1/busy")
    assert store.ledger.queued_elsewhere(DAY, AT, "host/2/me") == 1
    assert store.ledger.queued_elsewhere(DAY, AT, "host/1/busy") == 0
    assert store.ledger.queued_elsewhere(DAY, AT + LEASE * 2, "host/2/me") == 0
    store.close()
