-- store/schema.py's m009 for PostgreSQL: a day's summary written in another language, shown to
-- the chats answered in it.
CREATE TABLE summaries_by_language (
    date TEXT COLLATE "C" NOT NULL,
    language TEXT COLLATE "C" NOT NULL,
    headline TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (date, language)
);
