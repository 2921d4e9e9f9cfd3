-- store/schema.py's m007 for PostgreSQL: the language each chat is answered in, guessed from
-- the first Telegram language_code seen there until someone chooses one with /lang.
CREATE TABLE chat_languages (
    chat_id BIGINT PRIMARY KEY,
    language TEXT COLLATE "C" NOT NULL,
    chosen INTEGER NOT NULL,
    set_at TEXT COLLATE "C" NOT NULL
);
