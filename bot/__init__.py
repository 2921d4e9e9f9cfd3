"""closebot: Hong Kong market closes, answered in Telegram or a local console."""
