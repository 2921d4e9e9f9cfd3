"""Answers to each command: pure functions over the store, with thin Telegram glue."""
