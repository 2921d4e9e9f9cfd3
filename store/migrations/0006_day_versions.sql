-- store/schema.py's m010 for PostgreSQL: which load last wrote each session, a counter of
-- index-member changes (a day's shared figures are kept until a load changes that day), and
-- the ticker index carrying the prices a year's range reads (an index-only read).
ALTER TABLE session_loads ADD COLUMN version BIGINT;
UPDATE session_loads SET version = (SELECT value FROM meta WHERE key = 'data_version');
INSERT INTO meta (key, value) VALUES ('members_version', 0);
DROP INDEX idx_closes_ticker_date;
CREATE UNIQUE INDEX idx_closes_ticker_date ON closes (ticker, date) INCLUDE (close, prev_close, high, low);
