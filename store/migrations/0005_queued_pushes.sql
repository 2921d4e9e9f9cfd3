-- PostgreSQL only (its senders lease what they queue, store/claims.py): the day's queued work,
-- found without reading the day's whole ledger.
CREATE INDEX pushes_queued ON pushes (date) WHERE status = 'queued';
