"""The pure core: the exchange calendar, matching names, dates and periods, figures, the
narrative. No Telegram here, and no SQL: what it needs from the data comes through `Store`."""
