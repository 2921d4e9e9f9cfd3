-- store/schema.py's m008 for PostgreSQL: who holds each claim of the push and alert ledgers,
-- until when, and why a delivery ended other than sent.
ALTER TABLE pushes ADD COLUMN owner TEXT COLLATE "C";
ALTER TABLE pushes ADD COLUMN lease_until TEXT COLLATE "C";
ALTER TABLE pushes ADD COLUMN reason TEXT;
CREATE INDEX pushes_held ON pushes (date) WHERE status IN ('claimed', 'sending');

ALTER TABLE alert_fires ADD COLUMN owner TEXT COLLATE "C";
ALTER TABLE alert_fires ADD COLUMN lease_until TEXT COLLATE "C";
ALTER TABLE alert_fires ADD COLUMN reason TEXT;
CREATE INDEX alert_fires_held ON alert_fires (date) WHERE status IN ('claimed', 'sending');
